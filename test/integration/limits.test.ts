import { FsmetaError, MetaClient } from '@fsmeta/client';
import { fingerprintOf, type RunningFsmeta } from '@fsmeta/fsmeta';
import { ROOT_INO, b } from '../harness/fs';
import { RawClient, outcomeOf } from '../harness/raw';
import { ROOT, startEnv, startServer, type TestEnv } from '../harness/server';

/** Input limits and validation (server/limits.ts; docs/api.md "Limits"): bad input never reaches SQL, never INTERNAL. */
let env: TestEnv;
let raw: RawClient;
let sid: string;
const U63 = '9223372036854775808';
const U64_MAX = '18446744073709551615';

beforeAll(async () => {
  env = await startEnv();
  raw = new RawClient(env.servers[0]!.address);
  sid = (await env.session()).id;
});
afterAll(async () => {
  raw.close();
  await env.stop();
});

let seq = 0;
function ctx(extra: Partial<{ requestId: string; sessionId: string }> = {}) {
  return { sessionId: sid, caller: ROOT, requestId: `lim-${++seq}`, ...extra };
}

function message(res: unknown): string {
  return res instanceof FsmetaError ? res.message : '';
}

describe('64-bit fields', () => {
  it('an inode of 2^63 or more cannot exist: ENOENT, in every method that takes one', async () => {
    expect(outcomeOf(await raw.call('GetAttr', { ctx: ctx(), inode: U63 }))).toBe('ENOENT');
    expect(outcomeOf(await raw.call('Lookup', { ctx: ctx(), parent: U64_MAX, name: b('x') }))).toBe('ENOENT');
    expect(outcomeOf(await raw.call('Mkdir', { ctx: ctx(), parent: U63, name: b('x'), mode: 0o755 }))).toBe('ENOENT');
    expect(outcomeOf(await raw.call('Rename', { ctx: ctx(), parentSrc: ROOT_INO, nameSrc: b('a'), parentDst: U64_MAX, nameDst: b('b') }))).toBe('ENOENT');
    expect(outcomeOf(await raw.call('CopyFileRange', { ctx: ctx(), inodeIn: U63, inodeOut: '2', size: '1' }))).toBe('ENOENT');
  });

  it('a session id of 2^63 or more was never handed out: ESTALE', async () => {
    expect(outcomeOf(await raw.call('Heartbeat', { sessionId: U64_MAX }))).toBe('ESTALE');
    expect(outcomeOf(await raw.call('Mkdir', { ctx: ctx({ sessionId: U63 }), parent: ROOT_INO, name: b('x'), mode: 0o755 }))).toBe('ESTALE');
  });

  it('lengths and offsets of 2^63 or more are past any file: EFBIG; other fields name themselves', async () => {
    expect(outcomeOf(await raw.call('Truncate', { ctx: ctx(), inode: ROOT_INO, length: U63 }))).toBe('EFBIG');
    expect(outcomeOf(await raw.call('Fallocate', { ctx: ctx(), inode: ROOT_INO, offset: U64_MAX, size: '1' }))).toBe('EFBIG');
    const ack = await raw.call('AckSliceDeletions', { ctx: ctx(), ids: ['1', U63] });
    expect(outcomeOf(ack)).toBe('INVALID_ARGUMENT');
    expect(message(ack)).toMatch(/ids\[1\]/);
    const commit = await raw.call('CommitCompaction', { ctx: ctx(), inode: ROOT_INO, newSliceId: U64_MAX });
    expect(outcomeOf(commit)).toBe('INVALID_ARGUMENT');
    expect(message(commit)).toMatch(/new_slice_id/);
  });
});

describe('strings, bytes and repeated fields', () => {
  it('request ids are printable ASCII of at most 64 bytes', async () => {
    for (const requestId of ['a\0b', 'tab\there', 'é', 'x'.repeat(65)]) {
      const res = await raw.call('Mkdir', { ctx: ctx({ requestId }), parent: ROOT_INO, name: b('rid'), mode: 0o755 });
      expect(outcomeOf(res)).toBe('INVALID_ARGUMENT');
      expect(message(res)).toMatch(/ctx\.request_id/);
    }
  });

  it('session info: no NUL, bounded strings and address lists; ListSessions keeps working', async () => {
    const nul = await raw.call('NewSession', { info: { hostName: 'a\0b' } });
    expect(outcomeOf(nul)).toBe('INVALID_ARGUMENT');
    expect(message(nul)).toMatch(/info\.host_name/);
    const many = await raw.call('NewSession', { info: { ipAddrs: Array.from({ length: 100_000 }, (_, i) => `10.0.${i >> 8}.${i & 255}`) } });
    expect(outcomeOf(many)).toBe('INVALID_ARGUMENT');
    expect(message(many)).toMatch(/info\.ip_addrs/);
    const long = await raw.call('NewSession', { info: { mountPoint: '/'.repeat(5000) } });
    expect(outcomeOf(long)).toBe('INVALID_ARGUMENT');
    expect(outcomeOf(await raw.call('ListSessions', {}))).toBe('OK');
    const gids = await raw.call('GetAttr', { ctx: { ...ctx(), caller: { uid: 1, gid: 1, gids: Array.from({ length: 5000 }, (_, i) => i) } }, inode: ROOT_INO });
    expect(outcomeOf(gids)).toBe('INVALID_ARGUMENT');
    expect(message(gids)).toMatch(/ctx\.caller\.gids/);
  });

  it('names, symlink targets and xattrs have their JuiceFS limits and errnos', async () => {
    expect(outcomeOf(await raw.call('Mkdir', { ctx: ctx(), parent: ROOT_INO, name: Buffer.alloc(256, 0x61), mode: 0o755 }))).toBe('ENAMETOOLONG');
    expect(outcomeOf(await raw.call('Lookup', { ctx: ctx(), parent: ROOT_INO, name: Buffer.alloc(100_000, 0x61) }))).toBe('ENAMETOOLONG');
    expect(outcomeOf(await raw.call('Symlink', { ctx: ctx(), parent: ROOT_INO, name: b('l'), target: Buffer.alloc(4097, 0x61) }))).toBe('EINVAL');
    expect(outcomeOf(await raw.call('SetXattr', { ctx: ctx(), inode: ROOT_INO, name: Buffer.alloc(256, 0x61), value: b('v') }))).toBe('ERANGE');
    expect(outcomeOf(await raw.call('SetXattr', { ctx: ctx(), inode: ROOT_INO, name: b('user.big'), value: Buffer.alloc(65537) }))).toBe('E2BIG');
    // At the limits, fine.
    expect(outcomeOf(await raw.call('Mkdir', { ctx: ctx(), parent: ROOT_INO, name: Buffer.alloc(255, 0x62), mode: 0o755 }))).toBe('OK');
    expect(outcomeOf(await raw.call('SetXattr', { ctx: ctx(), inode: ROOT_INO, name: b('user.max'), value: Buffer.alloc(65536) }))).toBe('OK');
  });

  it('bytes that do not decode as the request answer INVALID_ARGUMENT, not INTERNAL', async () => {
    for (const bytes of [Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.from([0x0a, 0x80]), Buffer.from([0x12, 0x05, 0x01])]) {
      const res = await raw.call('GetAttr', bytes);
      expect(outcomeOf(res)).toBe('INVALID_ARGUMENT');
      expect(message(res)).toMatch(/does not decode/);
    }
  });
});

describe('per-session and per-volume limits', () => {
  let limited: RunningFsmeta;
  let client: MetaClient;
  beforeAll(async () => {
    limited = await startServer(env.databaseUrl, { poolSize: 4, args: ['--max-inflight-per-session', '2', '--max-sessions', '1000'] });
    client = new MetaClient(limited.address, { maxAttempts: 1 });
  });
  afterAll(async () => {
    client.close();
    await limited.stop();
  });

  it('calls beyond the in-flight limit of a session answer RESOURCE_EXHAUSTED; other sessions are unaffected', async () => {
    const s = await client.newSession(ROOT);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => s.call('Mkdir', { parent: ROOT_INO, name: b(`inflight-${i}`), mode: 0o755 }).then(() => 'OK', (e: unknown) => outcomeOf(e))),
    );
    expect(results).toContain('RESOURCE_EXHAUSTED');
    expect(results).toContain('OK');
    expect(results.filter((r) => r !== 'OK' && r !== 'RESOURCE_EXHAUSTED')).toEqual([]);
    // Once they drained, the session works again.
    await s.call('GetAttr', { inode: ROOT_INO });
  });

  it('NewSession beyond the volume limit answers RESOURCE_EXHAUSTED', async () => {
    const small = await startServer(env.databaseUrl, { args: ['--max-sessions', '1'] });
    const c = new MetaClient(small.address, { maxAttempts: 1 });
    try {
      // This file's sessions already exceed 1.
      expect(outcomeOf(await c.newSession(ROOT).catch((e: unknown) => e))).toBe('RESOURCE_EXHAUSTED');
    } finally {
      c.close();
      await small.stop();
    }
  });
});

describe('request ids are bound to their request', () => {
  it('the same request again gets the stored outcome; another RPC or body with the id gets INVALID_ARGUMENT naming it', async () => {
    const s = await env.session();
    const made = await s.call('Mkdir', { parent: ROOT_INO, name: b('bound'), mode: 0o755 }, { requestId: 'bound-1' });
    const again = await s.call('Mkdir', { parent: ROOT_INO, name: b('bound'), mode: 0o755 }, { requestId: 'bound-1' });
    expect(again.attr?.inode).toBe(made.attr?.inode);
    const otherRpc = await s.call('SetAttr', { inode: made.attr!.inode, set: 1, mode: 0o700 }, { requestId: 'bound-1' }).catch((e: unknown) => e);
    expect(outcomeOf(otherRpc)).toBe('INVALID_ARGUMENT');
    expect(message(otherRpc)).toMatch(/bound-1/);
    expect(message(otherRpc)).toMatch(/Mkdir/);
    const otherBody = await s.call('Mkdir', { parent: ROOT_INO, name: b('bound-other'), mode: 0o755 }, { requestId: 'bound-1' }).catch((e: unknown) => e);
    expect(outcomeOf(otherBody)).toBe('INVALID_ARGUMENT');
    expect(message(otherBody)).toMatch(/bound-1/);
    // Nothing was created by the refused reuse.
    expect(outcomeOf(await s.call('Lookup', { parent: ROOT_INO, name: b('bound-other') }).catch((e: unknown) => e))).toBe('ENOENT');
    // A failed request's id is bound too.
    expect(outcomeOf(await s.call('Rmdir', { parent: ROOT_INO, name: b('nothing-here') }, { requestId: 'bound-2' }).catch((e: unknown) => e))).toBe('ENOENT');
    expect(outcomeOf(await s.call('Rmdir', { parent: ROOT_INO, name: b('nothing-here') }, { requestId: 'bound-2' }).catch((e: unknown) => e))).toBe('ENOENT');
    expect(outcomeOf(await s.call('Unlink', { parent: ROOT_INO, name: b('nothing-here') }, { requestId: 'bound-2' }).catch((e: unknown) => e))).toBe('INVALID_ARGUMENT');
  });

  it('a request fingerprints as it did in earlier versions (a retry reaching an upgraded replica still matches)', () => {
    // Values fingerprinted by the version that fed the hash field by field (before 2026-12-08).
    const ctx = { sessionId: '12', requestId: 'r-1', caller: { uid: 1000, gid: 1000, gids: [4, 5], permissionsChecked: false } };
    const cases: [string, unknown, string][] = [
      ['Create', { ctx, parent: '1', name: Buffer.from('h\u00e9llo\u0000x'), mode: 0o644, umask: 0o22, flags: 0 }, '75f6a018215726ecaf3972e44580b1a2'],
      ['Rename', { ctx, parentSrc: '1', nameSrc: Buffer.from('a'), parentDst: '7', nameDst: Buffer.from([0xff, 0xfe]), flags: 1 }, 'c6b3946d8c682c07fcebb9c0f2081377'],
      ['Write', { ctx, inode: '99', indx: 3, pos: 4096, slice: { id: U64_MAX, size: 65536, off: 0, len: 100 }, mtimeNs: '-5' }, 'e8df33bee97a347951cb49650349f54b'],
      ['SetXattr', { ctx, inode: '2', name: Buffer.from('user.\u00fcn\u00ef'), value: Buffer.alloc(0), flags: 0 }, '2fbdb336f56e7ef489170a9b0357dd12'],
      ['SetLk', { ctx, inode: '5', owner: '77', ltype: 'LOCK_TYPE_WRITE', start: '0', end: U64_MAX, pid: 3, block: true }, 'c24e6269824f9b60382cad1482f89a34'],
    ];
    for (const [method, request, hex] of cases) expect([method, fingerprintOf(method, request).toString('hex')]).toEqual([method, hex]);
    // The request id and session are not part of it; any other field is.
    const create = cases[0]![1] as Record<string, unknown>;
    expect(fingerprintOf('Create', { ...create, ctx: { ...ctx, requestId: 'r-2', sessionId: '13' } }).toString('hex')).toBe(cases[0]![2]);
    expect(fingerprintOf('Create', { ...create, mode: 0o600 }).toString('hex')).not.toBe(cases[0]![2]);
  });
});
