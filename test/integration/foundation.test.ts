import * as grpc from '@grpc/grpc-js';
import { FsmetaError, type Session } from '@fsmeta/client';
import { errnoOf } from '../harness/fs';
import { startEnv, type TestEnv } from '../harness/server';

const ROOT_INO = '1';
const USER = { uid: 1000, gid: 1000, gids: [] };

let env: TestEnv;
let s: Session;

beforeAll(async () => {
  env = await startEnv();
  s = await env.session();
});
afterAll(() => env.stop());

function name(s: string): Buffer {
  return Buffer.from(s);
}

describe('sessions', () => {
  it('opens, heartbeats, lists and closes a session', async () => {
    const t = await env.session(USER);
    expect(BigInt(t.id)).toBeGreaterThan(0n);
    expect(t.opened?.format?.name).toBe('fsmeta');
    const hb = await t.heartbeat();
    expect(BigInt(hb.expireNs)).toBeGreaterThan(BigInt(Date.now()) * 1_000_000n);
    const list = await env.client().call('ListSessions', {});
    expect(list.sessions.map((x) => x.sessionId)).toContain(t.id);
    await t.close();
    await t.close(); // a retried close after a lost reply succeeds too
    expect(await errnoOf(t.heartbeat())).toBe('ESTALE');
    expect(await errnoOf(t.call('Mkdir', { parent: ROOT_INO, name: name('x'), mode: 0o755 }))).toBe('ESTALE');
  });
});

describe('volume', () => {
  it('reports the format, updates mutable settings without force and never changes the name', async () => {
    const { format } = await s.call('GetFormat', {});
    expect(format?.name).toBe('fsmeta');
    expect(format?.blockSizeKib).toBe(4096);
    expect(format?.uuid).toMatch(/^[0-9a-f-]{36}$/);
    const again = await s.call('Format', { format: { ...format, uuid: '' }, force: false });
    expect(again.format?.uuid).toBe(format?.uuid);
    // As JuiceFS's Init(format, false): mutable settings change in place, keeping the UUID (format-update.test.ts).
    const limited = await s.call('Format', { format: { ...format, capacity: '1000000000000' }, force: false });
    expect(limited.format).toMatchObject({ uuid: format?.uuid, capacity: '1000000000000' });
    await s.call('Format', { format: { ...format }, force: false });
    expect(await errnoOf(s.call('Format', { format: { ...format, name: 'other' }, force: false }))).toBe('EINVAL');
    expect(await errnoOf(s.call('Format', { format: { ...format, name: 'other' }, force: true }))).toBe('EINVAL');
    await expect(s.call('Format', { format: { ...format, blockSizeKib: 100 } })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      message: expect.stringContaining('format.block_size_kib'),
    });
  });

  it('statfs counts inodes and space exactly', async () => {
    const before = await s.call('StatFS', { inode: ROOT_INO });
    await s.call('Mkdir', { parent: ROOT_INO, name: name('statfs-dir'), mode: 0o755 });
    const after = await s.call('StatFS', { inode: ROOT_INO });
    expect(BigInt(after.usedInodes) - BigInt(before.usedInodes)).toBe(1n);
    expect(BigInt(before.totalSpace) - BigInt(before.availSpace) + 4096n).toBe(BigInt(after.totalSpace) - BigInt(after.availSpace));
    expect(BigInt(after.totalSpace)).toBe(1n << 50n);
    expect(BigInt(after.availInodes)).toBe(10n << 20n);
  });
});

describe('first vertical slice', () => {
  it('mkdir, lookup, getattr, readdir', async () => {
    const { attr } = await s.call('Mkdir', { parent: ROOT_INO, name: name('a'), mode: 0o755, umask: 0o022 });
    expect(attr?.type).toBe('FILE_TYPE_DIRECTORY');
    expect(attr?.mode).toBe(0o755);
    expect(attr?.nlink).toBe(2);
    expect(attr?.parent).toBe(ROOT_INO);
    const found = await s.call('Lookup', { parent: ROOT_INO, name: name('a') });
    expect(found.attr?.inode).toBe(attr?.inode);
    const got = await s.call('GetAttr', { inode: attr!.inode });
    expect(got.attr).toEqual(found.attr);
    const root = await s.call('GetAttr', { inode: ROOT_INO });
    expect(root.attr?.nlink).toBeGreaterThanOrEqual(3);
    const dots = await s.call('Lookup', { parent: attr!.inode, name: name('..') });
    expect(dots.attr?.inode).toBe(ROOT_INO);
    const page = await s.call('Readdir', { inode: ROOT_INO, plus: true });
    const names = page.entries.map((e) => e.name.toString());
    expect(names.slice(0, 2)).toEqual(['.', '..']);
    expect(names).toContain('a');
    expect(page.entries.find((e) => e.name.toString() === 'a')?.attr?.inode).toBe(attr?.inode);
  });

  it('answers with the JuiceFS errnos', async () => {
    const { attr: dir } = await s.call('Mkdir', { parent: ROOT_INO, name: name('errs'), mode: 0o755 });
    expect(await errnoOf(s.call('Mkdir', { parent: ROOT_INO, name: name('errs'), mode: 0o755 }))).toBe('EEXIST');
    expect(await errnoOf(s.call('Lookup', { parent: ROOT_INO, name: name('missing') }))).toBe('ENOENT');
    expect(await errnoOf(s.call('GetAttr', { inode: '999999' }))).toBe('ENOENT');
    expect(await errnoOf(s.call('Mkdir', { parent: '999999', name: name('x'), mode: 0o755 }))).toBe('ENOENT');
    expect(await errnoOf(s.call('Mkdir', { parent: dir!.inode, name: name(''), mode: 0o755 }))).toBe('EINVAL');
    expect(await errnoOf(s.call('Mkdir', { parent: dir!.inode, name: name('a/b'), mode: 0o755 }))).toBe('EINVAL');
    expect(await errnoOf(s.call('Mkdir', { parent: dir!.inode, name: Buffer.from([0x61, 0, 0x62]), mode: 0o755 }))).toBe('EINVAL');
    expect(await errnoOf(s.call('Mkdir', { parent: dir!.inode, name: Buffer.alloc(256, 0x61), mode: 0o755 }))).toBe('ENAMETOOLONG');
    await s.call('Mkdir', { parent: dir!.inode, name: Buffer.alloc(255, 0x61), mode: 0o755 });
    const { attr: file } = await s.call('Mknod', { parent: dir!.inode, name: name('f'), type: 'FILE_TYPE_REGULAR', mode: 0o644 });
    expect(await errnoOf(s.call('Mkdir', { parent: file!.inode, name: name('x'), mode: 0o755 }))).toBe('ENOTDIR');
    expect(await errnoOf(s.call('Lookup', { parent: file!.inode, name: name('x') }))).toBe('ENOTDIR');
    expect(await errnoOf(s.call('Readdir', { inode: file!.inode }))).toBe('ENOTDIR');
    expect(await errnoOf(s.call('Readdir', { inode: '999999' }))).toBe('ENOENT');
  });

  it('carries the errno in trailing metadata and google.rpc.ErrorInfo', async () => {
    try {
      await s.call('Lookup', { parent: ROOT_INO, name: name('nope') });
      throw new Error('expected ENOENT');
    } catch (err) {
      expect(err).toBeInstanceOf(FsmetaError);
      const e = err as FsmetaError;
      expect(e.code).toBe(grpc.status.NOT_FOUND);
      expect(e.errno).toBe(2);
      expect(e.errnoName).toBe('ENOENT');
    }
  });

  it('names the bad field for malformed requests', async () => {
    await expect(env.client().call('Mkdir', { parent: ROOT_INO, name: name('x') })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      message: expect.stringContaining('ctx'),
    });
    await expect(s.call('Mkdir', { parent: '0', name: name('x') })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      message: expect.stringContaining('parent'),
    });
    await expect(s.call('GetAttr', { inode: 'abc' })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  });

  it('pages readdir by a name cursor', async () => {
    const { attr: dir } = await s.call('Mkdir', { parent: ROOT_INO, name: name('paged'), mode: 0o755 });
    const want = Array.from({ length: 25 }, (_, i) => `n${String(i).padStart(2, '0')}`);
    for (const n of want) await s.call('Mkdir', { parent: dir!.inode, name: name(n), mode: 0o755 });
    const seen: string[] = [];
    let cursor: Buffer = Buffer.alloc(0);
    for (;;) {
      const page = await s.call('Readdir', { inode: dir!.inode, cursor, limit: 7 });
      seen.push(...page.entries.map((e) => e.name.toString()));
      cursor = page.nextCursor;
      if (page.eof) break;
    }
    expect(seen).toEqual(['.', '..', ...want]);
  });
});

describe('idempotent retries', () => {
  it('a replayed request id returns the first outcome and applies once', async () => {
    const requestId = 'replay-mkdir-1';
    const before = await s.call('StatFS', { inode: ROOT_INO });
    const first = await s.call('Mkdir', { parent: ROOT_INO, name: name('once'), mode: 0o700 }, { requestId });
    const second = await s.call('Mkdir', { parent: ROOT_INO, name: name('once'), mode: 0o700 }, { requestId });
    expect(second).toEqual(first);
    const after = await s.call('StatFS', { inode: ROOT_INO });
    expect(BigInt(after.usedInodes) - BigInt(before.usedInodes)).toBe(1n);
    // A fresh id is a new request.
    expect(await errnoOf(s.call('Mkdir', { parent: ROOT_INO, name: name('once'), mode: 0o700 }))).toBe('EEXIST');
  });

  it('a replayed failure returns the same errno even after the state changed', async () => {
    const requestId = 'replay-fail-1';
    expect(await errnoOf(s.call('Rmdir', { parent: ROOT_INO, name: name('later') }, { requestId }))).toBe('ENOENT');
    await s.call('Mkdir', { parent: ROOT_INO, name: name('later'), mode: 0o700 });
    expect(await errnoOf(s.call('Rmdir', { parent: ROOT_INO, name: name('later') }, { requestId }))).toBe('ENOENT');
    await s.call('Lookup', { parent: ROOT_INO, name: name('later') });
  });

  it('concurrent replays of one request apply once', async () => {
    const requestId = 'replay-race-1';
    const results = await Promise.all(
      Array.from({ length: 8 }, () => s.call('Mkdir', { parent: ROOT_INO, name: name('raced'), mode: 0o700 }, { requestId })),
    );
    for (const r of results) expect(r).toEqual(results[0]);
  });

  it('requires a request id for mutations', async () => {
    await expect(
      env.client().call('Mkdir', { ctx: { sessionId: s.id, caller: s.caller, requestId: '' }, parent: ROOT_INO, name: name('x') }),
    ).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, message: expect.stringContaining('ctx.request_id') });
  });
});

describe('contract', () => {
  it('answers UNIMPLEMENTED for a method the service does not have', async () => {
    const raw = new grpc.Client(env.servers[0]!.address, grpc.credentials.createInsecure());
    const code = await new Promise<number | undefined>((resolve) => {
      raw.makeUnaryRequest('/fsmeta.v1.Meta/NoSuchMethod', (x: Buffer) => x, (x: Buffer) => x, Buffer.alloc(0), (err) => resolve(err?.code));
    });
    raw.close();
    expect(code).toBe(grpc.status.UNIMPLEMENTED);
  });
});
