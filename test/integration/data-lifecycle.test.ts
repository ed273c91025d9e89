import type { Session } from '@fsmeta/client';
import { b, errnoOf, ROOT_INO } from '../harness/fs';
import { startEnv, type TestEnv } from '../harness/server';
import { O_RDONLY, SliceIds, allInvariants, queuedDeletions, waitFor, withPg } from './data-support';

/**
 * Time-driven parts of the data path, with a 1 s heartbeat (sessions expire
 * after 5 s: a session past its expiry is fenced off however busy, so the
 * expiry must leave room for a loaded machine), jobs every 100 ms and relatime: expiring sessions release the
 * files only they kept alive, leases on deletions and compactions run out,
 * Open and Read touch atime.
 */

let env: TestEnv;
let keeper: Session;
let ids: SliceIds;
let beat: NodeJS.Timeout;
let seq = 0;

beforeAll(async () => {
  env = await startEnv(1, { heartbeatMs: 1000, jobIntervalMs: 100, atimeMode: 'relatime' });
  keeper = await env.session();
  beat = setInterval(() => void keeper.heartbeat().catch(() => undefined), 300);
  ids = new SliceIds(keeper);
});
afterEach(async () => {
  expect(await allInvariants(env.databaseUrl)).toEqual([]);
});
afterAll(async () => {
  clearInterval(beat);
  await env.stop();
});

async function createIn(s: Session): Promise<{ inode: string; name: Buffer }> {
  const name = b(`file${++seq}`);
  const { attr } = await s.call('Create', { parent: ROOT_INO, name, mode: 0o644, flags: 0 });
  return { inode: attr!.inode, name };
}

async function writeSome(s: Session, inode: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = await ids.take();
    await s.call('Write', { inode, chunkIndex: 0, pos: i * 4096, slice: { id: id.toString(), size: 4096, off: 0, len: 4096 }, mtimeNs: '1' });
    out.push(id.toString());
  }
  return out;
}

it('a session that stops heartbeating releases the open-unlinked files only it kept', async () => {
  const quiet = await env.session();
  // Alive while it sets things up, however slow the machine.
  const quietBeat = setInterval(() => void quiet.heartbeat().catch(() => undefined), 300);
  const alone = await createIn(quiet);
  const shared = await createIn(quiet);
  const aloneSlices = await writeSome(quiet, alone.inode, 3);
  const sharedSlices = await writeSome(quiet, shared.inode, 2);
  await keeper.call('Open', { inode: shared.inode, flags: O_RDONLY });
  await quiet.call('Unlink', { parent: ROOT_INO, name: alone.name });
  clearInterval(quietBeat);
  await keeper.call('Unlink', { parent: ROOT_INO, name: shared.name });
  expect((await keeper.call('GetAttr', { inode: alone.inode })).attr!.nlink).toBe(0);

  // `quiet` never heartbeats: after its expiry the jobs delete what only it held, then release the data.
  await waitFor('the expired session to be cleaned', async () => (await errnoOf(keeper.call('GetAttr', { inode: alone.inode }))) === 'ENOENT');
  expect(await errnoOf(quiet.heartbeat())).toBe('ESTALE');
  await waitFor('the released slices to be queued', async () => {
    const queued = await queuedDeletions(env.databaseUrl);
    return aloneSlices.every((id) => queued.has(id));
  });
  // The file the keeper still has open stays, readable, until its Close.
  expect((await keeper.call('Read', { inode: shared.inode, chunkIndex: 0 })).slices.map((x) => x.id)).toEqual(sharedSlices);
  const queued = await queuedDeletions(env.databaseUrl);
  expect(sharedSlices.some((id) => queued.has(id))).toBe(false);
  await keeper.call('Close', { inode: shared.inode });
  expect(await errnoOf(keeper.call('GetAttr', { inode: shared.inode }))).toBe('ENOENT');
  const claimed = await keeper.call('ClaimSliceDeletions', { limit: 1000, leaseMs: 60_000 });
  const got = claimed.slices.map((x) => x.id);
  for (const id of [...aloneSlices, ...sharedSlices]) expect(got).toContain(id);
  expect((await keeper.call('AckSliceDeletions', { ids: got })).acked).toBe(got.length);
});

it('an unacknowledged deletion claim is offered again after its lease; acks are idempotent', async () => {
  const f = await createIn(keeper);
  const written = await writeSome(keeper, f.inode, 4);
  await keeper.call('Close', { inode: f.inode });
  await keeper.call('Unlink', { parent: ROOT_INO, name: f.name });
  const first = await keeper.call('ClaimSliceDeletions', { limit: 1000, leaseMs: 1000 });
  const firstIds = first.slices.map((x) => x.id);
  for (const id of written) expect(firstIds).toContain(id);
  // Leased: nobody else gets them ...
  const other = await env.session();
  expect((await other.call('ClaimSliceDeletions', { limit: 1000, leaseMs: 400 })).slices.map((x) => x.id).filter((id) => firstIds.includes(id))).toEqual([]);
  // ... until the lease runs out.
  await other.heartbeat();
  await new Promise((r) => setTimeout(r, 600));
  await other.heartbeat();
  await new Promise((r) => setTimeout(r, 500));
  const again = await other.call('ClaimSliceDeletions', { limit: 1000, leaseMs: 60_000 });
  // (Slices of other tests' files may be offered too: only this test's matter.)
  expect(again.slices.map((x) => x.id).filter((id) => firstIds.includes(id)).sort()).toEqual([...firstIds].sort());
  expect((await keeper.call('AckSliceDeletions', { ids: firstIds.slice(0, 2) })).acked).toBe(2);
  expect((await other.call('AckSliceDeletions', { ids: firstIds })).acked).toBe(firstIds.length - 2);
  expect((await other.call('AckSliceDeletions', { ids: firstIds })).acked).toBe(0);
  await other.close();
});

it('a compaction claim whose lease runs out becomes an offer again and its slice is queued', async () => {
  const f = await createIn(keeper);
  await writeSome(keeper, f.inode, 99);
  const lost = await keeper.call('ClaimCompaction', { leaseMs: 150 });
  expect(lost).toMatchObject({ found: true, inode: f.inode });
  // The expiry job (every 100 ms) queues the slice the lapsed claim had been given.
  await waitFor('the lapsed claim to be expired', async () => (await queuedDeletions(env.databaseUrl)).has(lost.newSliceId));
  const offer = await withPg(env.databaseUrl, (c) => c.query('select new_slice_id from compaction where inode = $1', [f.inode]));
  expect(offer.rows).toEqual([{ new_slice_id: null }]);
  const won = await keeper.call('ClaimCompaction', { leaseMs: 60_000 });
  expect(won).toMatchObject({ found: true, inode: f.inode });
  expect(await errnoOf(keeper.call('CommitCompaction', { inode: f.inode, chunkIndex: 0, newSliceId: lost.newSliceId }))).toBe('EBUSY');
  await keeper.call('CommitCompaction', { inode: f.inode, chunkIndex: 0, newSliceId: won.newSliceId });
  expect((await keeper.call('Read', { inode: f.inode, chunkIndex: 0 })).slices).toEqual([{ id: won.newSliceId, size: 99 * 4096, off: 0, len: 99 * 4096 }]);
  await keeper.call('Close', { inode: f.inode });
});

it('Open and Read update atime under relatime', async () => {
  const f = await createIn(keeper);
  await writeSome(keeper, f.inode, 1);
  await keeper.call('Close', { inode: f.inode });
  const old = '1000000000';
  // An explicit atime older than ctime: the relatime rule asks for an update on the next read.
  await keeper.call('SetAttr', { inode: f.inode, set: 16, atimeNs: old });
  const opened = (await keeper.call('Open', { inode: f.inode, flags: O_RDONLY })).attr!;
  expect(BigInt(opened.atimeNs)).toBeGreaterThan(BigInt(opened.ctimeNs) - 1n);
  await keeper.call('SetAttr', { inode: f.inode, set: 16, atimeNs: old });
  await keeper.call('Read', { inode: f.inode, chunkIndex: 0 });
  const after = (await keeper.call('GetAttr', { inode: f.inode })).attr!;
  expect(BigInt(after.atimeNs)).toBeGreaterThan(BigInt(old));
  await keeper.call('Close', { inode: f.inode });
});
