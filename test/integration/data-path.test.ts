import * as grpc from '@grpc/grpc-js';
import { FsmetaError, type Session } from '@fsmeta/client';
import { b, errnoOf, ROOT_INO } from '../harness/fs';
import { startEnv, type TestEnv } from '../harness/server';
import {
  CHUNK,
  CHUNK_N,
  COLLAPSE_RANGE,
  FMODE_EXEC,
  FileModel,
  INSERT_RANGE,
  KEEP_SIZE,
  O_APPEND,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  PUNCH_HOLE,
  SliceIds,
  ZERO_RANGE,
  allInvariants,
  chunkRecords,
  expectMatches,
  queuedDeletions,
  runsOfRead,
  withPg,
} from './data-support';

const USER = { uid: 1000, gid: 1000, gids: [] };
const OTHER = { uid: 2000, gid: 2000, gids: [] };
const MAX_FILE_SIZE = CHUNK_N << 31n;

let env: TestEnv;
let s: Session;
let ids: SliceIds;
let dir: string;
let seq = 0;

beforeAll(async () => {
  env = await startEnv();
  s = await env.session();
  ids = new SliceIds(s);
  dir = (await s.call('Mkdir', { parent: ROOT_INO, name: b('data'), mode: 0o777 })).attr!.inode;
});
afterEach(async () => {
  expect(await allInvariants(env.databaseUrl)).toEqual([]);
});
afterAll(() => env.stop());

/** A new regular file (created, so open in the creating session; closed here unless `keepOpen`). */
async function newFile(opts: { mode?: number; as?: Session; keepOpen?: boolean } = {}): Promise<string> {
  const by = opts.as ?? s;
  const { attr } = await by.call('Create', { parent: dir, name: b(`f${++seq}`), mode: opts.mode ?? 0o644, flags: 0 });
  if (opts.keepOpen !== true) await by.call('Close', { inode: attr!.inode });
  return attr!.inode;
}

async function write(inode: string, chunkIndex: number, pos: number, len: number, opts: { size?: number; off?: number; id?: bigint; as?: Session } = {}) {
  const id = opts.id ?? (await ids.take());
  const res = await (opts.as ?? s).call('Write', {
    inode,
    chunkIndex,
    pos,
    slice: { id: id.toString(), size: opts.size ?? len + (opts.off ?? 0), off: opts.off ?? 0, len },
    mtimeNs: '1000000000',
  });
  return { id, res };
}

async function read(inode: string, chunkIndex = 0) {
  return (await s.call('Read', { inode, chunkIndex })).slices;
}

describe('Open and Close', () => {
  it('checks the access mode as baseMeta.Open', async () => {
    const u = await env.session(USER);
    const f = await newFile({ mode: 0o640 });
    await s.call('SetAttr', { inode: f, set: 2 | 4, uid: USER.uid, gid: USER.gid });
    await s.call('SetAttr', { inode: f, set: 1, mode: 0o100 });
    expect(await errnoOf(u.call('Open', { inode: f, flags: O_RDONLY }))).toBe('EACCES');
    expect(await errnoOf(u.call('Open', { inode: f, flags: O_RDONLY | FMODE_EXEC }))).toBeUndefined();
    expect(await errnoOf(u.call('Open', { inode: f, flags: O_WRONLY }))).toBe('EACCES');
    await s.call('SetAttr', { inode: f, set: 1, mode: 0o400 });
    expect(await errnoOf(u.call('Open', { inode: f, flags: O_RDONLY }))).toBeUndefined();
    expect(await errnoOf(u.call('Open', { inode: f, flags: O_RDWR }))).toBe('EACCES');
    await s.call('SetAttr', { inode: f, set: 1, mode: 0o200 });
    expect(await errnoOf(u.call('Open', { inode: f, flags: O_WRONLY }))).toBeUndefined();
    expect(await errnoOf(u.call('Open', { inode: '999999', flags: O_RDONLY }))).toBe('ENOENT');
    const open = await withPg(env.databaseUrl, async (c) => (await c.query('select refs::int from open_file where sid = $1 and inode = $2', [u.id, f])).rows);
    expect(open).toEqual([{ refs: 3 }]);
    await u.close();
  });

  it('refuses writes to immutable and append-only files (EPERM)', async () => {
    const f = await newFile();
    await s.call('SetAttr', { inode: f, set: 1 << 15, flags: 1 });
    expect(await errnoOf(s.call('Open', { inode: f, flags: O_WRONLY }))).toBe('EPERM');
    expect(await errnoOf(s.call('Open', { inode: f, flags: O_RDWR | O_APPEND }))).toBe('EPERM');
    expect(await errnoOf(s.call('Open', { inode: f, flags: O_RDONLY }))).toBeUndefined();
    await s.call('SetAttr', { inode: f, set: 1 << 15, flags: 2 });
    expect(await errnoOf(s.call('Open', { inode: f, flags: O_WRONLY }))).toBe('EPERM');
    expect(await errnoOf(s.call('Open', { inode: f, flags: O_WRONLY | O_APPEND }))).toBeUndefined();
    expect(await errnoOf(s.call('Open', { inode: f, flags: O_WRONLY | O_APPEND | O_TRUNC }))).toBe('EPERM');
    expect(await errnoOf(s.call('Open', { inode: f, flags: O_RDONLY | O_TRUNC }))).toBe('EPERM');
    await s.call('SetAttr', { inode: f, set: 1 << 15, flags: 0 });
    for (let i = 0; i < 2; i++) await s.call('Close', { inode: f });
  });

  it('a read-only session opens for reading only (EROFS first)', async () => {
    const ro = await env.client().newSession(USER, { hostName: 'ro' }, true);
    const f = await newFile({ mode: 0o600 });
    expect(await errnoOf(ro.call('Open', { inode: f, flags: O_WRONLY }))).toBe('EROFS');
    // EROFS comes before EACCES and ENOENT, as baseMeta.Open checks it first.
    expect(await errnoOf(ro.call('Open', { inode: '999999', flags: O_RDWR }))).toBe('EROFS');
    expect(await errnoOf(ro.call('Open', { inode: f, flags: O_RDONLY }))).toBe('EACCES');
    await s.call('SetAttr', { inode: f, set: 1, mode: 0o644 });
    await ro.call('Open', { inode: f, flags: O_RDONLY });
    await ro.call('Close', { inode: f });
    expect(await errnoOf(ro.call('NewSlices', { count: 1 }))).toBe('EROFS');
    await ro.close();
  });

  it('Close of a file the session does not have open is a no-op', async () => {
    const f = await newFile();
    await s.call('Close', { inode: f });
    await s.call('Close', { inode: '999999' });
  });
});

describe('NewSlices', () => {
  it('hands out disjoint blocks and validates the count', async () => {
    const a = await s.call('NewSlices', { count: 4096 });
    const c = await s.call('NewSlices', { count: 1 });
    expect(a.count).toBe(4096);
    expect(BigInt(c.firstId) >= BigInt(a.firstId) + 4096n).toBe(true);
    await expect(s.call('NewSlices', { count: 0 })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    await expect(s.call('NewSlices', { count: 4097 })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    // A retried request gets the same block.
    const again1 = await s.call('NewSlices', { count: 7 }, { requestId: 'ns-retry' });
    const again2 = await s.call('NewSlices', { count: 7 }, { requestId: 'ns-retry' });
    expect(again2).toEqual(again1);
  });
});

describe('Write and Read', () => {
  it('appends records, extends the length, takes mtime from the caller', async () => {
    const f = await newFile();
    const before = (await s.call('GetAttr', { inode: f })).attr!;
    const { id, res } = await write(f, 1, 100, 5000);
    expect(res.sliceCount).toBe(1);
    expect(res.attr!.length).toBe(String(CHUNK_N + 5100n));
    expect(res.attr!.mtimeNs).toBe('1000000000');
    expect(BigInt(res.attr!.ctimeNs)).toBeGreaterThan(BigInt(before.ctimeNs));
    expect(await read(f, 0)).toEqual([]);
    expect(await read(f, 1)).toEqual([
      { id: '0', size: 100, off: 0, len: 100 },
      { id: id.toString(), size: 5000, off: 0, len: 5000 },
    ]);
    const second = await write(f, 1, 0, 10);
    expect(second.res.sliceCount).toBe(2);
    expect(second.res.attr!.length).toBe(String(CHUNK_N + 5100n));
  });

  it('validates the slice (EINVAL), the size (EFBIG), the target (ENOENT, EPERM)', async () => {
    const f = await newFile();
    const id = (await ids.take()).toString();
    const w = (pos: number, slice: { id: string; size: number; off: number; len: number }, chunkIndex = 0, inode = f) =>
      errnoOf(s.call('Write', { inode, chunkIndex, pos, slice, mtimeNs: '1' }));
    expect(await w(CHUNK - 10, { id, size: 11, off: 0, len: 11 })).toBe('EINVAL');
    expect(await w(0, { id, size: 10, off: 5, len: 6 })).toBe('EINVAL');
    expect(await w(0, { id, size: 10, off: 0, len: 0 })).toBeUndefined(); // a no-op, as JuiceFS
    expect(await w(0, { id: '0', size: 10, off: 0, len: 10 })).toBe('EINVAL');
    expect(await w(CHUNK - 10, { id, size: 10, off: 0, len: 10 }, 2 ** 31)).toBe('EFBIG');
    expect(await w(CHUNK - 11, { id, size: 10, off: 0, len: 10 }, 2 ** 31 - 1)).toBeUndefined();
    expect(BigInt((await s.call('GetAttr', { inode: f })).attr!.length)).toBe(MAX_FILE_SIZE - 1n);
    expect(await w(0, { id, size: 10, off: 0, len: 10 }, 0, '999999')).toBe('ENOENT');
    expect(await w(0, { id, size: 10, off: 0, len: 10 }, 0, dir)).toBe('EPERM');
    await s.call('Truncate', { inode: f, length: '0' });
  });

  it('Read: ENOENT for a missing inode, EPERM for a non-file, EIO for a corrupt chunk', async () => {
    expect(await errnoOf(s.call('Read', { inode: '999999', chunkIndex: 0 }))).toBe('ENOENT');
    expect(await errnoOf(s.call('Read', { inode: dir, chunkIndex: 0 }))).toBe('EPERM');
    const f = await newFile();
    await write(f, 0, 0, 10);
    await withPg(env.databaseUrl, (c) => c.query(`update chunk set slices = slices || '\\x00'::bytea where inode = $1`, [f]));
    expect(await errnoOf(s.call('Read', { inode: f, chunkIndex: 0 }))).toBe('EIO');
    await withPg(env.databaseUrl, (c) => c.query('update chunk set slices = substring(slices from 1 for 24) where inode = $1', [f]));
  });

  it('returns the visible layout exactly as JuiceFS buildSlice (hole sizes and offsets included)', async () => {
    const f = await newFile();
    const a = await write(f, 0, 100, 50);
    const c = await write(f, 0, 0, 10);
    // The hole the later record cut out of the gap keeps size 0 and carries the cut offset.
    expect(await read(f)).toEqual([
      { id: c.id.toString(), size: 10, off: 0, len: 10 },
      { id: '0', size: 0, off: 10, len: 90 },
      { id: a.id.toString(), size: 50, off: 0, len: 50 },
    ]);
    const g = await newFile();
    const x = await write(g, 0, 0, 100, { size: 300, off: 200 });
    const y = await write(g, 0, 30, 20);
    expect(await read(g)).toEqual([
      { id: x.id.toString(), size: 300, off: 200, len: 30 },
      { id: y.id.toString(), size: 20, off: 0, len: 20 },
      { id: x.id.toString(), size: 300, off: 250, len: 50 },
    ]);
  });

  it('a retried Write (same request id) is applied once', async () => {
    const f = await newFile();
    const id = (await ids.take()).toString();
    const args = { inode: f, chunkIndex: 0, pos: 0, slice: { id, size: 10, off: 0, len: 10 }, mtimeNs: '5' };
    const r1 = await s.call('Write', args, { requestId: `w-retry-${f}` });
    const r2 = await s.call('Write', args, { requestId: `w-retry-${f}` });
    expect(r2).toEqual(r1);
    expect(await chunkRecords(env.databaseUrl, f, 0)).toHaveLength(1);
  });

  it('concurrent writers on one file: every record lands, Read follows the stored order', async () => {
    const f = await newFile();
    const sessions = await Promise.all([env.session(), env.session(), env.session(), env.session()]);
    const pools = sessions.map((x) => new SliceIds(x));
    const perWriter = 15;
    await Promise.all(
      sessions.map(async (x, w) => {
        for (let i = 0; i < perWriter; i++) {
          // Overlapping ranges, so the outcome depends on the order the writes committed in.
          const pos = (w * 7 + i * 13) * 1000;
          await write(f, 0, pos, 20_000, { id: await pools[w]!.take(), as: x });
        }
      }),
    );
    const recs = await chunkRecords(env.databaseUrl, f, 0);
    expect(recs).toHaveLength(sessions.length * perWriter);
    const model = new FileModel();
    for (const r of recs) model.write(BigInt(r.pos), r.id, BigInt(r.off), BigInt(r.len));
    await expectMatches(s, f, model);
    for (const x of sessions) await x.close();
  });
});

describe('Truncate', () => {
  it('writes hole records, leaves mtime alone for the same length, follows the EPERM/EACCES rules', async () => {
    const f = await newFile();
    const a = await write(f, 0, 0, 100);
    const t1 = (await s.call('Truncate', { inode: f, length: '10' })).attr!;
    expect(t1.length).toBe('10');
    expect(await read(f)).toEqual([
      { id: a.id.toString(), size: 100, off: 0, len: 10 },
      { id: '0', size: 0, off: 0, len: 90 },
    ]);
    const same = (await s.call('Truncate', { inode: f, length: '10' })).attr!;
    expect(same.mtimeNs).toBe(t1.mtimeNs);
    expect(same.ctimeNs).toBe(t1.ctimeNs);
    // Growing across chunks: hole to the end of chunk 0, full holes in existing chunks between, a tail hole.
    await write(f, 2, 0, 10);
    await s.call('Truncate', { inode: f, length: '5' });
    expect((await chunkRecords(env.databaseUrl, f, 1)).length).toBe(0);
    expect((await chunkRecords(env.databaseUrl, f, 2)).map((r) => [r.pos, r.id === 0n ? 'hole' : 'data', r.len])).toEqual([
      [0, 'data', 10],
      [0, 'hole', 10],
    ]);
    await s.call('Truncate', { inode: f, length: String(3n * CHUNK_N + 7n) });
    expect((await chunkRecords(env.databaseUrl, f, 3)).map((r) => [r.pos, r.id, r.len])).toEqual([[0, 0n, 7]]);
    const model = new FileModel();
    model.write(0n, a.id, 0n, 5n);
    model.length = 3n * CHUNK_N + 7n;
    await expectMatches(s, f, model);

    expect(await errnoOf(s.call('Truncate', { inode: f, length: MAX_FILE_SIZE.toString() }))).toBe('EFBIG');
    expect(await errnoOf(s.call('Truncate', { inode: dir, length: '0' }))).toBe('EPERM');
    expect(await errnoOf(s.call('Truncate', { inode: '999999', length: '0' }))).toBe('ENOENT');
    expect(await errnoOf(s.call('Truncate', { inode: f, length: '0' }, { caller: OTHER }))).toBe('EACCES');
    await s.call('SetAttr', { inode: f, set: 1 << 15, flags: 2 });
    expect(await errnoOf(s.call('Truncate', { inode: f, length: '0' }))).toBe('EPERM');
    await s.call('SetAttr', { inode: f, set: 1 << 15, flags: 0 });
    await s.call('Truncate', { inode: f, length: '0' });
  });
});

describe('Fallocate', () => {
  it('validates modes as baseMeta.Fallocate', async () => {
    const f = await newFile();
    const fa = (mode: number, offset: bigint, size: bigint, inode = f) => errnoOf(s.call('Fallocate', { inode, mode, offset: offset.toString(), size: size.toString() }));
    expect(await fa(COLLAPSE_RANGE, 0n, 10n)).toBe('ENOTSUP');
    expect(await fa(INSERT_RANGE, 0n, 10n)).toBe('ENOTSUP');
    expect(await fa(COLLAPSE_RANGE | KEEP_SIZE, 0n, 10n)).toBe('EINVAL');
    expect(await fa(INSERT_RANGE | PUNCH_HOLE, 0n, 10n)).toBe('EINVAL');
    expect(await fa(PUNCH_HOLE, 0n, 10n)).toBe('EINVAL');
    expect(await fa(0, 0n, 0n)).toBe('EINVAL');
    expect(await fa(0, MAX_FILE_SIZE - 10n, 10n)).toBe('EFBIG');
    expect(await fa(0, 0n, 10n, '999999')).toBe('ENOENT');
    expect(await fa(0, 0n, 10n, dir)).toBe('EPERM');
    const fifo = (await s.call('Mknod', { parent: dir, name: b(`fifo${++seq}`), type: 'FILE_TYPE_FIFO', mode: 0o644 })).attr!.inode;
    expect(await fa(0, 0n, 10n, fifo)).toBe('EPIPE');
    expect(await errnoOf(s.call('Fallocate', { inode: f, mode: 0, offset: '0', size: '10' }, { caller: OTHER }))).toBe('EACCES');
    await s.call('SetAttr', { inode: f, set: 1 << 15, flags: 2 });
    expect(await fa(ZERO_RANGE, 0n, 10n)).toBe('EPERM');
    expect(await fa(KEEP_SIZE, 0n, 10n)).toBeUndefined();
    await s.call('SetAttr', { inode: f, set: 1 << 15, flags: 1 });
    expect(await fa(KEEP_SIZE, 0n, 10n)).toBe('EPERM');
    await s.call('SetAttr', { inode: f, set: 1 << 15, flags: 0 });
  });

  it('allocates, punches and zeroes', async () => {
    const f = await newFile();
    const model = new FileModel();
    const a = await write(f, 0, 0, 100_000);
    model.write(0n, a.id, 0n, 100_000n);
    const ops: [number, bigint, bigint][] = [
      [0, 200_000n, 1000n],
      [KEEP_SIZE, 500_000n, 1000n],
      [PUNCH_HOLE | KEEP_SIZE, 10n, 20n],
      [ZERO_RANGE, 90_000n, 200_000n],
      [ZERO_RANGE | KEEP_SIZE, CHUNK_N - 5n, 10n],
      [0, CHUNK_N - 5n, 10n],
      [PUNCH_HOLE | KEEP_SIZE, 50n, 2n * CHUNK_N],
    ];
    for (const [mode, offset, size] of ops) {
      const { attr } = await s.call('Fallocate', { inode: f, mode, offset: offset.toString(), size: size.toString() });
      model.fallocate(mode, offset, size);
      expect(BigInt(attr!.length)).toBe(model.length);
      await expectMatches(s, f, model);
    }
  });
});

describe('CopyFileRange', () => {
  it('shares slices, copies holes as holes, follows the error rules', async () => {
    const src = await newFile();
    const dst = await newFile();
    const ms = new FileModel();
    const md = new FileModel();
    const a = await write(src, 0, 1000, 5000);
    ms.write(1000n, a.id, 0n, 5000n);
    const c = await write(src, 1, 0, 3000);
    ms.write(CHUNK_N, c.id, 0n, 3000n);
    const d = await write(dst, 0, 0, 20_000);
    md.write(0n, d.id, 0n, 20_000n);
    // The copy crosses a destination chunk boundary and lays a hole over some of dst's data.
    const offOut = 10_000n;
    const res = await s.call('CopyFileRange', { inodeIn: src, offsetIn: '500', inodeOut: dst, offsetOut: offOut.toString(), size: String(CHUNK_N) });
    expect(res.copied).toBe(String(md.copyFrom(ms, 500n, offOut, CHUNK_N)));
    expect(res.attrOut!.length).toBe(md.length.toString());
    await expectMatches(s, dst, md);
    const back = await s.call('CopyFileRange', { inodeIn: dst, offsetIn: '0', inodeOut: src, offsetOut: '0', size: '3000' });
    expect(back.copied).toBe(String(ms.copyFrom(md, 0n, 0n, 3000n)));
    await expectMatches(s, src, ms);

    const cfr = (args: Record<string, unknown>) =>
      errnoOf(s.call('CopyFileRange', { inodeIn: src, offsetIn: '0', inodeOut: dst, offsetOut: '0', size: '10', ...args }));
    expect(await cfr({ offsetIn: String(ms.length) })).toBeUndefined();
    expect((await s.call('CopyFileRange', { inodeIn: src, offsetIn: String(ms.length + 5n), inodeOut: dst, offsetOut: '0', size: '10' })).copied).toBe('0');
    expect(await cfr({ inodeIn: dir })).toBe('EINVAL');
    expect(await cfr({ inodeOut: dir })).toBe('EINVAL');
    expect(await cfr({ flags: 1 })).toBe('EINVAL');
    expect(await cfr({ inodeOut: src, offsetOut: '5' })).toBe('EINVAL');
    expect(await cfr({ inodeIn: '999999' })).toBe('ENOENT');
    expect(await cfr({ offsetOut: (MAX_FILE_SIZE - 5n).toString() })).toBe('EFBIG');
    await s.call('SetAttr', { inode: dst, set: 1 << 15, flags: 2 });
    expect(await cfr({})).toBe('EPERM');
    await s.call('SetAttr', { inode: dst, set: 1 << 15, flags: 0 });
    await expectMatches(s, dst, md);
  });
});

describe('open-unlinked files and the slice lifecycle', () => {
  it('open -> unlink -> read -> close across two sessions; the data goes to the deletion queue', async () => {
    const a = await env.session();
    const bs = await env.session();
    const f = await newFile({ as: a, keepOpen: true });
    const w1 = await write(f, 0, 0, 4096, { as: a });
    const w2 = await write(f, 0, 4096, 4096, { as: a });
    await bs.call('Open', { inode: f, flags: O_RDONLY });
    const name = (await withPg(env.databaseUrl, (c) => c.query<{ name: Buffer }>('select name from edge where inode = $1', [f]))).rows[0]!.name;
    await bs.call('Unlink', { parent: dir, name });
    // Both sessions still have it: the inode stays with nlink 0 and reads as before.
    expect((await a.call('GetAttr', { inode: f })).attr!.nlink).toBe(0);
    expect((await bs.call('Read', { inode: f, chunkIndex: 0 })).slices.map((x) => x.id)).toEqual([w1.id.toString(), w2.id.toString()]);
    await a.call('Close', { inode: f });
    expect((await bs.call('GetAttr', { inode: f })).attr!.nlink).toBe(0);
    expect(await allInvariants(env.databaseUrl)).toEqual([]);
    await bs.call('Close', { inode: f });
    expect(await errnoOf(bs.call('GetAttr', { inode: f }))).toBe('ENOENT');
    expect(await errnoOf(bs.call('Read', { inode: f, chunkIndex: 0 }))).toBe('ENOENT');
    // Claiming drains released files first, so the slices are offered at once.
    const claimed = await bs.call('ClaimSliceDeletions', { limit: 1000, leaseMs: 60_000 });
    const got = new Set(claimed.slices.map((x) => x.id));
    expect(got.has(w1.id.toString()) && got.has(w2.id.toString())).toBe(true);
    expect(claimed.slices.find((x) => x.id === w1.id.toString())!.size).toBe(4096);
    const ack = await bs.call('AckSliceDeletions', { ids: [...got] });
    expect(ack.acked).toBe(got.size);
    await a.close();
    await bs.close();
  });

  it('opens racing an unlink, then closes racing each other: the file goes exactly once', async () => {
    const sessions = await Promise.all(Array.from({ length: 6 }, () => env.session()));
    const f = await newFile();
    const w = await write(f, 0, 0, 4096);
    const name = (await withPg(env.databaseUrl, (c) => c.query<{ name: Buffer }>('select name from edge where inode = $1', [f]))).rows[0]!.name;
    const opened = await Promise.all([
      ...sessions.map((x) => errnoOf(x.call('Open', { inode: f, flags: O_RDONLY }))),
      errnoOf(s.call('Unlink', { parent: dir, name })),
    ]);
    // Every open either came before the unlink (and holds the file) or after it (ENOENT).
    for (const e of opened) expect([undefined, 'ENOENT']).toContain(e);
    expect(await allInvariants(env.databaseUrl)).toEqual([]);
    const started = Date.now();
    await Promise.all(sessions.map((x) => x.call('Close', { inode: f })));
    // No closer waited out a deadlock timeout.
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await errnoOf(s.call('GetAttr', { inode: f }))).toBe('ENOENT');
    await env.servers[0]!.meta.data.releaseFiles(100, true); // waits for a release the job may have under way
    expect((await queuedDeletions(env.databaseUrl)).has(w.id.toString())).toBe(true);
    for (const x of sessions) await x.close();
  });

  it('a slice shared by CopyFileRange is deleted only when its last reference goes', async () => {
    const f = await newFile();
    const g = await newFile();
    const w = await write(f, 0, 0, 8192);
    await s.call('CopyFileRange', { inodeIn: f, offsetIn: '0', inodeOut: g, offsetOut: '0', size: '8192' });
    const unlink = async (inode: string) => {
      const name = (await withPg(env.databaseUrl, (c) => c.query<{ name: Buffer }>('select name from edge where inode = $1', [inode]))).rows[0]!.name;
      await s.call('Unlink', { parent: dir, name });
      await env.servers[0]!.meta.data.releaseFiles(100, true); // waits for a release the job may have under way
    };
    await unlink(f);
    expect((await queuedDeletions(env.databaseUrl)).has(w.id.toString())).toBe(false);
    await unlink(g);
    expect((await queuedDeletions(env.databaseUrl)).has(w.id.toString())).toBe(true);
  });

  it('deletion claims: limit, idempotent ack, a retried claim answers the same', async () => {
    const f = await newFile();
    const written: string[] = [];
    for (let i = 0; i < 5; i++) written.push((await write(f, 0, i * 100, 100)).id.toString());
    await s.call('Truncate', { inode: f, length: '0' });
    const name = (await withPg(env.databaseUrl, (c) => c.query<{ name: Buffer }>('select name from edge where inode = $1', [f]))).rows[0]!.name;
    await s.call('Unlink', { parent: dir, name });
    const first = await s.call('ClaimSliceDeletions', { limit: 2, leaseMs: 60_000 }, { requestId: 'claim-once' });
    expect(first.slices).toHaveLength(2);
    expect(await s.call('ClaimSliceDeletions', { limit: 2, leaseMs: 60_000 }, { requestId: 'claim-once' })).toEqual(first);
    const rest = await s.call('ClaimSliceDeletions', { limit: 1000, leaseMs: 60_000 });
    const all = [...first.slices, ...rest.slices].map((x) => x.id);
    expect(new Set(all).size).toBe(all.length);
    for (const id of written) expect(all).toContain(id);
    expect((await s.call('AckSliceDeletions', { ids: all })).acked).toBe(all.length);
    expect((await s.call('AckSliceDeletions', { ids: all })).acked).toBe(0);
    expect((await s.call('ClaimSliceDeletions', { limit: 1000, leaseMs: 60_000 })).slices.filter((x) => all.includes(x.id))).toEqual([]);
  });
});

describe('compaction', () => {
  /** Writes `n` 1 KiB slices end to end into chunk 0 of a new file. */
  async function fragmented(n: number): Promise<{ inode: string; model: FileModel }> {
    const inode = await newFile();
    const model = new FileModel();
    for (let i = 0; i < n; i++) {
      const { id } = await write(inode, 0, i * 1024, 1024);
      model.write(BigInt(i * 1024), id, 0n, 1024n);
    }
    return { inode, model };
  }

  /** Content after a commit, read back through the claim: bytes of the merged slice are the bytes it was built from. */
  function resolve(model: FileModel, claim: { pos: number; newSliceId: string; slices: { id: string; off: number; len: number }[] }): FileModel {
    const out = new FileModel();
    out.length = model.length;
    for (const r of model.runs) {
      if (r.id !== BigInt(claim.newSliceId)) {
        out.runs.push(r);
        continue;
      }
      let at = 0n;
      for (const piece of claim.slices) {
        const s0 = r.start + at - r.off;
        const lo = s0 > r.start ? s0 : r.start;
        const hi = s0 + BigInt(piece.len) < r.end ? s0 + BigInt(piece.len) : r.end;
        if (lo < hi && piece.id !== '0') out.runs.push({ start: lo, end: hi, id: BigInt(piece.id), off: BigInt(piece.off) + (lo - s0) });
        at += BigInt(piece.len);
      }
    }
    return out;
  }

  it('offers a chunk at 99 records; the commit replaces the claimed prefix and keeps later records', async () => {
    const { inode, model } = await fragmented(99);
    const claim = await s.call('ClaimCompaction', { leaseMs: 60_000 });
    expect(claim).toMatchObject({ found: true, inode, chunkIndex: 0, pos: 0, size: 99 * 1024 });
    expect(claim.slices).toEqual((await read(inode)).map((x) => x));
    // A write lands between the claim and the commit.
    const late = await write(inode, 0, 500, 100);
    model.write(500n, late.id, 0n, 100n);
    await s.call('CommitCompaction', { inode, chunkIndex: 0, newSliceId: claim.newSliceId });
    const recs = await chunkRecords(env.databaseUrl, inode, 0);
    expect(recs.map((r) => [r.pos, r.id.toString(), r.size, r.off, r.len])).toEqual([
      [0, claim.newSliceId, 99 * 1024, 0, 99 * 1024],
      [500, late.id.toString(), 100, 0, 100],
    ]);
    const after = Object.assign(new FileModel(), { length: model.length, runs: runsOfRead(0, await read(inode)) });
    expect(resolve(after, claim).chunk(0)).toEqual(model.chunk(0));
    // Every replaced slice lost its only reference.
    const queued = await queuedDeletions(env.databaseUrl);
    for (const r of model.runs) if (r.id !== late.id) expect(queued.has(r.id.toString())).toBe(true);
    expect((await s.call('ClaimCompaction', { leaseMs: 60_000 })).found).toBe(false);
  });

  it('offers a chunk on every write from 350 records on', async () => {
    const { inode } = await fragmented(349);
    const offers = () => withPg(env.databaseUrl, async (c) => (await c.query('select 1 from compaction where inode = $1', [inode])).rowCount);
    expect(await offers()).toBe(1);
    await withPg(env.databaseUrl, (c) => c.query('delete from compaction where inode = $1', [inode]));
    const { res } = await write(inode, 0, 0, 10);
    expect(res.sliceCount).toBe(350);
    expect(await offers()).toBe(1);
    const claim = await s.call('ClaimCompaction', { leaseMs: 60_000 });
    expect(claim).toMatchObject({ found: true, inode, pos: 0, size: 349 * 1024 });
    await s.call('CommitCompaction', { inode, chunkIndex: 0, newSliceId: claim.newSliceId });
    expect(await offers()).toBe(0);
  });

  it('a long chunk is stored compressed with LZ4 (uncompressed where the server lacks it) and reads back whole', async () => {
    // 98 records: past the size PostgreSQL compresses at (about 2 KiB), short of the first compaction offer (99).
    const { inode, model } = await fragmented(98);
    const stored = await withPg(env.databaseUrl, async (c) => {
      const column = (await c.query("select attcompression, attstorage from pg_attribute where attrelid = 'chunk'::regclass and attname = 'slices'")).rows[0];
      const value = (await c.query('select pg_column_compression(slices) as method, octet_length(slices) as bytes from chunk where inode = $1 and indx = 0', [inode])).rows[0];
      return { column, value };
    });
    expect(stored.value.bytes).toBe(98 * 24);
    if (stored.column.attcompression === 'l') expect(stored.value.method).toBe('lz4');
    else expect(stored.column).toEqual({ attcompression: '', attstorage: 'e' });
    const back = Object.assign(new FileModel(), { length: model.length, runs: runsOfRead(0, await read(inode)) });
    expect(back.chunk(0)).toEqual(model.chunk(0));
  });

  it('a commit racing writes stays consistent whichever commits first', async () => {
    const { inode, model } = await fragmented(99);
    const claim = await s.call('ClaimCompaction', { leaseMs: 60_000 });
    expect(claim.found).toBe(true);
    const writers = await Promise.all([env.session(), env.session()]);
    const lates = await Promise.all(
      writers.map(async (w, i) => {
        const pool = new SliceIds(w);
        const out: { pos: number; id: bigint }[] = [];
        for (let j = 0; j < 5; j++) {
          const pos = 2048 * (i * 5 + j);
          out.push({ pos, id: (await write(inode, 0, pos, 1000, { id: await pool.take(), as: w })).id });
        }
        return out;
      }).concat([s.call('CommitCompaction', { inode, chunkIndex: 0, newSliceId: claim.newSliceId }).then(() => [])]),
    );
    const recs = await chunkRecords(env.databaseUrl, inode, 0);
    expect(recs[0]!.id.toString()).toBe(claim.newSliceId);
    expect(recs).toHaveLength(1 + 10);
    // Later records win, in the order they were stored after the merged one.
    for (const r of recs.slice(1)) model.write(BigInt(r.pos), r.id, 0n, BigInt(r.len));
    expect(lates.flat()).toHaveLength(10);
    const seen = Object.assign(new FileModel(), { length: model.length, runs: runsOfRead(0, await read(inode)) });
    expect(resolve(seen, claim).chunk(0)).toEqual(model.chunk(0));
    for (const w of writers) await w.close();
  });

  it('a lost claim answers FAILED_PRECONDITION (EBUSY) and its slice is queued for deletion', async () => {
    const { inode } = await fragmented(99);
    const first = await s.call('ClaimCompaction', { leaseMs: 100 });
    expect(first.found).toBe(true);
    await new Promise((r) => setTimeout(r, 150));
    const second = await s.call('ClaimCompaction', { leaseMs: 60_000 });
    expect(second).toMatchObject({ found: true, inode });
    expect(second.newSliceId).not.toBe(first.newSliceId);
    expect((await queuedDeletions(env.databaseUrl)).has(first.newSliceId)).toBe(true);
    const err = await s.call('CommitCompaction', { inode, chunkIndex: 0, newSliceId: first.newSliceId }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FsmetaError);
    expect(err).toMatchObject({ code: grpc.status.FAILED_PRECONDITION, errnoName: 'EBUSY' });
    // The winner commits; a replay of its commit answers the same, another commit of it fails.
    await s.call('CommitCompaction', { inode, chunkIndex: 0, newSliceId: second.newSliceId }, { requestId: `commit-${inode}` });
    await s.call('CommitCompaction', { inode, chunkIndex: 0, newSliceId: second.newSliceId }, { requestId: `commit-${inode}` });
    expect(await errnoOf(s.call('CommitCompaction', { inode, chunkIndex: 0, newSliceId: second.newSliceId }))).toBe('EBUSY');
    expect((await queuedDeletions(env.databaseUrl)).has(second.newSliceId)).toBe(false);
  });

  it('a claim on a file deleted before the commit fails and its slice is queued', async () => {
    const { inode } = await fragmented(99);
    const claim = await s.call('ClaimCompaction', { leaseMs: 60_000 });
    expect(claim).toMatchObject({ found: true, inode });
    const name = (await withPg(env.databaseUrl, (c) => c.query<{ name: Buffer }>('select name from edge where inode = $1', [inode]))).rows[0]!.name;
    await s.call('Unlink', { parent: dir, name });
    await env.servers[0]!.meta.data.releaseFiles(100, true); // waits for a release the job may have under way
    expect(await errnoOf(s.call('CommitCompaction', { inode, chunkIndex: 0, newSliceId: claim.newSliceId }))).toBe('EBUSY');
    expect((await queuedDeletions(env.databaseUrl)).has(claim.newSliceId)).toBe(true);
  });
});
