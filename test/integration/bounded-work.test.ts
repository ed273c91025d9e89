import { ROOT_INO, b } from '../harness/fs';
import { startEnv, type TestEnv } from '../harness/server';
import type { Session } from '@fsmeta/client';
import { CHUNK, CHUNK_N, KEEP_SIZE, PUNCH_HOLE, ZERO_RANGE, SliceIds, allInvariants, runsOfRead } from './data-support';

/**
 * Ranged operations cost in proportion to the chunks that exist, not to the
 * bytes they name: ranges of 2^46 and 2^50 bytes over sparse files return
 * promptly and leave the replica responsive. (Before: 7-10 s of event-loop
 * work for 2^46, out of memory for 2^50.)
 */
let env: TestEnv;
let s: Session;
let ids: SliceIds;
const T46 = 1n << 46n;
const T50 = 1n << 50n;
/** Generous: each call here takes milliseconds; the unbounded versions took minutes or died. */
const PROMPT_MS = 20_000;

beforeAll(async () => {
  env = await startEnv();
  s = await env.session();
  ids = new SliceIds(s);
});
afterAll(() => env.stop());

let n = 0;
async function file(): Promise<string> {
  const attr = (await s.call('Create', { parent: ROOT_INO, name: b(`f${++n}`), mode: 0o644 })).attr!;
  return attr.inode;
}

async function writeAt(inode: string, offset: bigint, len = 4096): Promise<bigint> {
  const id = await ids.take();
  await s.call('Write', {
    inode,
    chunkIndex: Number(offset / CHUNK_N),
    pos: Number(offset % CHUNK_N),
    slice: { id: id.toString(), size: len, off: 0, len },
  });
  return id;
}

async function timed<T>(p: Promise<T>): Promise<T> {
  const started = Date.now();
  const v = await p;
  if (process.env.FSMETA_TEST_TIMING === "1") console.log(Date.now() - started);
  expect(Date.now() - started).toBeLessThan(PROMPT_MS);
  return v;
}

async function runs(inode: string, offset: bigint): Promise<ReturnType<typeof runsOfRead>> {
  const indx = Number(offset / CHUNK_N);
  return runsOfRead(indx, (await s.call('Read', { inode, chunkIndex: indx })).slices);
}

it('CopyFileRange of 2^46 and 2^50 bytes from sparse files copies the data that exists, promptly', async () => {
  for (const size of [T46, T50]) {
    const src = await file();
    const first = await writeAt(src, 0n);
    const last = await writeAt(src, size - CHUNK_N + 8192n);
    await s.call('Truncate', { inode: src, length: size.toString() });
    const dst = await file();
    // Data the copy's holes must cover: in a chunk the copy spans whole, and in the last, partly covered one.
    await writeAt(dst, 5n * CHUNK_N);
    const busy = Promise.all(Array.from({ length: 20 }, () => s.call('GetAttr', { inode: ROOT_INO })));
    const res = await timed(s.call('CopyFileRange', { inodeIn: src, offsetIn: '0', inodeOut: dst, offsetOut: '4096', size: size.toString() }));
    await busy;
    expect(res.copied).toBe((size).toString());
    expect(res.attrOut?.length).toBe((size + 4096n).toString());
    expect(await runs(dst, 4096n)).toEqual([{ start: 4096n, end: 8192n, id: first, off: 0n }]);
    expect(await runs(dst, 5n * CHUNK_N)).toEqual([]);
    const lastAt = size - CHUNK_N + 8192n + 4096n;
    expect(await runs(dst, lastAt)).toEqual([{ start: lastAt, end: lastAt + 4096n, id: last, off: 0n }]);
  }
  expect(await allInvariants(env.databaseUrl)).toEqual([]);
});

it('Fallocate over 2^50 bytes, plain, PUNCH_HOLE and ZERO_RANGE, is prompt; Truncate too', async () => {
  const f = await file();
  const a = await writeAt(f, 0n);
  const far = T50 - 3n * CHUNK_N;
  const z = await writeAt(f, far);
  await timed(s.call('Fallocate', { inode: f, mode: 0, offset: '0', size: T50.toString() }));
  expect((await s.call('GetAttr', { inode: f })).attr?.length).toBe(T50.toString());
  expect(await runs(f, 0n)).toEqual([{ start: 0n, end: 4096n, id: a, off: 0n }]);
  // Punch everything but the first 1 KiB.
  await timed(s.call('Fallocate', { inode: f, mode: PUNCH_HOLE | KEEP_SIZE, offset: '1024', size: (T50 - 1024n).toString() }));
  expect(await runs(f, 0n)).toEqual([{ start: 0n, end: 1024n, id: a, off: 0n }]);
  expect(await runs(f, far)).toEqual([]);
  const y = await writeAt(f, far);
  await timed(s.call('Fallocate', { inode: f, mode: ZERO_RANGE, offset: String(CHUNK), size: (T50 - 2n * CHUNK_N).toString() }));
  expect(await runs(f, far)).toEqual([]);
  void z;
  void y;
  await timed(s.call('Truncate', { inode: f, length: '1' }));
  await timed(s.call('Truncate', { inode: f, length: T50.toString() }));
  expect(await runs(f, 0n)).toEqual([{ start: 0n, end: 1n, id: a, off: 0n }]);
  expect(await allInvariants(env.databaseUrl)).toEqual([]);
});
