import type { Session, v1 } from '@fsmeta/client';
import { MetaClient } from '@fsmeta/client';
import type { RunningFsmeta } from '@fsmeta/fsmeta';
import { Client } from 'pg';
import { checkAccounting } from '../harness/accounting';
import { cli } from '../harness/cli';
import { ADMIN_URL_ENV, createTestDatabase } from '../harness/database';
import { ROOT_INO, b } from '../harness/fs';
import { checkInvariants } from '../harness/invariants';
import { ROOT, startEnv, startServer, type TestEnv } from '../harness/server';

/**
 * Turning dir_stats on for a volume with hundreds of directories: the statistics are computed in
 * batches by the replicas' background job (directories of about 32 entries per transaction here,
 * so there are many), with progress polled through GetFormat, while other sessions keep changing the tree; the
 * result equals a recount. A build interrupted by every replica stopping is resumed by the next one.
 */

const REPLICAS = 3;
const BATCH = 32;
// About 500 directories: some 20 batches of 32 entries, enough for many transactions with mutations between them.
const MIDS = 16;
const LEAVES = 30;
const WORKERS = 4;
/** More than one job slice computes at one directory per transaction, however fast the machine. */
const RESUME_DIRS = 600;
const BUILD_DEADLINE_MS = 300_000;
/** Hundreds of directories made over the wire on a loaded 2-core machine take minutes. */
const TEST_TIMEOUT_MS = 600_000;

let env: TestEnv;
let s: Session;

beforeAll(async () => {
  env = await startEnv(REPLICAS, { jobIntervalMs: 100, poolSize: 8, args: ['--dir-stats-batch', String(BATCH)] });
  s = await env.session();
});
afterAll(() => env.stop());

async function mkdir(sess: Session, parent: string, name: string): Promise<string> {
  return (await sess.call('Mkdir', { parent, name: b(name), mode: 0o777 })).attr!.inode;
}

/** Runs `fn` over `items`, `width` at a time. */
async function parallel<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function setDirStats(sess: Session, on: boolean): Promise<v1.FormatResponse__Output> {
  const { format } = await sess.call('GetFormat', {});
  return sess.call('Format', { format: { ...format!, uuid: '', dirStats: on }, force: true });
}

/** Polls GetFormat until no build is in progress; returns every progress seen. */
async function waitForBuild(sess: Session, seen: { done: bigint; total: bigint }[] = []): Promise<{ done: bigint; total: bigint }[]> {
  const deadline = Date.now() + BUILD_DEADLINE_MS;
  for (;;) {
    const { dirStatsBuild } = await sess.call('GetFormat', {});
    if (dirStatsBuild === null) return seen;
    seen.push({ done: BigInt(dirStatsBuild.done), total: BigInt(dirStatsBuild.total) });
    if (Date.now() > deadline) throw new Error(`directory statistics still being computed after ${BUILD_DEADLINE_MS} ms: ${dirStatsBuild.done}/${dirStatsBuild.total}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function expectExact(url: string): Promise<void> {
  expect(await checkAccounting(url)).toEqual([]);
  expect(await checkInvariants(url)).toEqual([]);
}

/** A session's own churn in the tree: every entry it touches is its own, so every call must succeed. */
function worker(sess: Session, id: number, leaves: string[]) {
  let stop = false;
  let ops = 0;
  const mine: { parent: string; name: string; dir: boolean }[] = [];
  const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
  const run = (async () => {
    for (let n = 0; !stop; n++) {
      const name = `w${id}-${n}`;
      const leaf = pick(leaves);
      const r = Math.random();
      if (r < 0.2) {
        await mkdir(sess, leaf, name);
        mine.push({ parent: leaf, name, dir: true });
      } else if (r < 0.45) {
        const { attr } = await sess.call('Mknod', { parent: leaf, name: b(name), mode: 0o644, type: 'FILE_TYPE_REGULAR' });
        await sess.call('Truncate', { inode: attr!.inode, length: String(1 + Math.floor(Math.random() * 100_000)) });
        mine.push({ parent: leaf, name, dir: false });
      } else if (r < 0.6) {
        await sess.call('Symlink', { parent: leaf, name: b(name), target: b('t') });
        mine.push({ parent: leaf, name, dir: false });
      } else if (r < 0.8 && mine.length > 0) {
        const e = pick(mine);
        const to = pick(leaves);
        await sess.call('Rename', { parentSrc: e.parent, nameSrc: b(e.name), parentDst: to, nameDst: b(`${e.name}-m${n}`) });
        e.parent = to;
        e.name = `${e.name}-m${n}`;
      } else if (mine.length > 0) {
        const e = mine.splice(Math.floor(Math.random() * mine.length), 1)[0]!;
        await sess.call(e.dir ? 'Rmdir' : 'Unlink', { parent: e.parent, name: b(e.name) });
      }
      ops++;
    }
  })();
  return {
    ops: () => ops,
    async stop() {
      stop = true;
      await run;
    },
  };
}

describe('turning directory statistics on for a volume with hundreds of directories', () => {
  it('computes them in batches with progress, exact while the tree changes', async () => {
    const top = await mkdir(s, ROOT_INO, 'tree');
    const mids: string[] = [];
    await parallel(Array.from({ length: MIDS }, (_, i) => i), 8, async (i) => {
      mids.push(await mkdir(s, top, `m${i}`));
    });
    const leaves: string[] = [];
    await parallel(mids.flatMap((m) => Array.from({ length: LEAVES }, (_, j) => [m, j] as const)), 8, async ([m, j]) => {
      const leaf = await mkdir(s, m, `l${j}`);
      leaves.push(leaf);
      if (j % 10 === 0) {
        const { attr } = await s.call('Mknod', { parent: leaf, name: b('f'), mode: 0o644, type: 'FILE_TYPE_REGULAR' });
        await s.call('Truncate', { inode: attr!.inode, length: String(5000 + j) });
        await s.call('Symlink', { parent: leaf, name: b('l'), target: b('f') });
      }
    });
    const dirs = 2 + MIDS + MIDS * LEAVES; // the root and the top too

    const sessions = await Promise.all(Array.from({ length: WORKERS }, (_, i) => env.session(ROOT, 1 + (i % (REPLICAS - 1)))));
    const workers = sessions.map((w, i) => worker(w, i, leaves));
    try {
      const started = Date.now();
      const turnedOn = await setDirStats(s, true);
      const opsAtStart = workers.reduce((n, w) => n + w.ops(), 0);
      expect(turnedOn.format!.dirStats).toBe(true);
      // More inodes than one batch: the Format returns at once, the replicas compute them.
      expect(turnedOn.dirStatsBuild).not.toBeNull();
      const total = BigInt(turnedOn.dirStatsBuild!.total);
      expect(total).toBeGreaterThanOrEqual(BigInt(dirs));
      expect(BigInt(turnedOn.dirStatsBuild!.done)).toBeLessThan(total);
      // Meanwhile a summary reads the entries (and is right: compared after the build).
      await s.call('GetSummary', { inode: top, recursive: true });
      const seen = await waitForBuild(s);
      const opsDuring = workers.reduce((n, w) => n + w.ops(), 0) - opsAtStart;
      console.log(`dir stats build: ${total} directories in ${Date.now() - started} ms (batch ${BATCH}, ${REPLICAS} replicas), ${opsDuring} mutations by ${WORKERS} sessions meanwhile, ${seen.length} progress polls`);
      for (let i = 0; i < seen.length; i++) {
        expect(seen[i]!.total).toBe(total);
        expect(seen[i]!.done).toBeLessThanOrEqual(total);
        if (i > 0) expect(seen[i]!.done).toBeGreaterThanOrEqual(seen[i - 1]!.done);
      }
      expect(opsDuring).toBeGreaterThan(0);
      // Still mutating after the build: the statistics stay exact.
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
    await expectExact(env.databaseUrl);
    // The statistics' summary is the entries' summary.
    const withStats = await s.call('GetSummary', { inode: top, recursive: true, depth: 1 });
    await setDirStats(s, false);
    const scanned = await s.call('GetSummary', { inode: top, recursive: true, depth: 1 });
    expect(withStats).toEqual(scanned);
    expect(BigInt(scanned.symlinks)).toBeGreaterThanOrEqual(BigInt(MIDS * (LEAVES / 10)));
  }, TEST_TIMEOUT_MS);

  it('resumes a build that every replica stopped in the middle of', async () => {
    const adminUrl = process.env[ADMIN_URL_ENV]!;
    const db = await createTestDatabase(adminUrl);
    let server: RunningFsmeta | undefined = await startServer(db.url, { jobIntervalMs: 100, args: ['--dir-stats-batch', '1'] });
    let client = new MetaClient(server.address, { deadlineMs: 30_000 });
    try {
      let sess = await client.newSession(ROOT, { hostName: 'test' });
      const top = await mkdir(sess, ROOT_INO, 'resume');
      await parallel(Array.from({ length: RESUME_DIRS }, (_, i) => i), 8, async (i) => {
        await sess.call('Symlink', { parent: await mkdir(sess, top, `d${i}`), name: b('l'), target: b('x') });
      });
      const turnedOn = await setDirStats(sess, true);
      const total = BigInt(turnedOn.dirStatsBuild!.total);
      // Stop the only replica once the build has begun, one directory (of one entry) per transaction.
      for (;;) {
        const { dirStatsBuild } = await sess.call('GetFormat', {});
        if (dirStatsBuild !== null && BigInt(dirStatsBuild.done) > 0n) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      client.close();
      await server.stop();
      server = undefined;
      // Stopped part of the way, as the database says with no replica running.
      const pg = new Client({ connectionString: db.url });
      await pg.connect();
      const left = (await pg.query<{ value: { done: string; total: string } }>(`select value from setting where name = 'dir_stats_build'`).finally(() => pg.end())).rows[0]?.value;
      expect(left).toBeDefined();
      expect(BigInt(left!.done)).toBeGreaterThan(0n);
      expect(BigInt(left!.done)).toBeLessThan(total);
      // fsck leaves the directories the build has not reached alone (their stripes hold only deltas).
      const fsck = (await cli(db.url, 'fsck', '--json')).json();
      expect(fsck.checks.find((c: { check: string }) => c.check === 'dir-stats')).toMatchObject({ found: 0 });

      // The next replica (default batch) goes on from there.
      server = await startServer(db.url, { jobIntervalMs: 100 });
      client = new MetaClient(server.address, { deadlineMs: 30_000 });
      sess = await client.newSession(ROOT, { hostName: 'test' });
      await waitForBuild(sess);
      await expectExact(db.url);
      expect(await sess.call('GetSummary', { inode: top, recursive: true })).toMatchObject({ dirs: String(RESUME_DIRS + 1), files: String(RESUME_DIRS), symlinks: String(RESUME_DIRS) });
    } finally {
      client.close();
      if (server !== undefined) await server.stop();
      await db.drop();
    }
  }, TEST_TIMEOUT_MS);
});
