import * as grpc from '@grpc/grpc-js';
import { FsmetaError, MetaClient } from '@fsmeta/client';
import type { RunningFsmeta } from '@fsmeta/fsmeta';
import { Client } from 'pg';
import { ROOT_INO, b } from '../harness/fs';
import { healthChecker } from '../harness/health';
import { checkInvariants } from '../harness/invariants';
import { ThrowawayCluster } from '../harness/pg-cluster';
import { Replica } from '../harness/replicas';
import { ROOT, startServer } from '../harness/server';
import { checkSliceRefs, decodeRecords, waitFor, withPg } from './data-support';

/**
 * Faults, on a throwaway PostgreSQL cluster of this file's own (a free port,
 * under os.tmpdir(); never the shared one; stopped and removed in afterAll,
 * whatever happened, and by the next run if this one was killed): PostgreSQL going away and coming back (health follows
 * it, calls meanwhile answer UNAVAILABLE, never INTERNAL, and succeed on
 * retry, jobs resume), then replicas as child processes under load through
 * kill -9 of replicas, PostgreSQL restarts (fast and crash) and terminated
 * backends: nothing acknowledged lost or applied twice, no replica exits on
 * its own.
 */
let cluster: ThrowawayCluster;
let server: RunningFsmeta;

beforeAll(async () => {
  cluster = await ThrowawayCluster.create();
  cluster.init();
  await cluster.start();
  const c = new Client({ connectionString: cluster.url });
  await c.connect();
  await c.query('create database fsmeta_restart');
  await c.end();
  server = await startServer(cluster.url.replace(/\/postgres$/, '/fsmeta_restart'), { healthCheckMs: 100, jobIntervalMs: 100, heartbeatMs: 4000 });
}, 90_000);

afterAll(async () => {
  try {
    await server?.stop();
  } finally {
    cluster?.remove();
  }
});

it('readiness health goes NOT_SERVING while PostgreSQL is down and SERVING after; calls answer UNAVAILABLE, then succeed; jobs resume', async () => {
  const health = healthChecker(server.address);
  const liveness = healthChecker(server.address, '');
  const impatient = new MetaClient(server.address, { maxAttempts: 1 });
  const patient = new MetaClient(server.address, { maxAttempts: 50 });
  let keepAlive: NodeJS.Timeout | undefined;
  try {
    expect(await health.check()).toBe('SERVING');
    const s = await patient.newSession(ROOT, { hostName: 'restart' });
    keepAlive = setInterval(() => void s.heartbeat().catch(() => undefined), 300);
    await s.call('Mkdir', { parent: ROOT_INO, name: b('before'), mode: 0o755 });

    cluster.stop('fast');
    await waitFor('health NOT_SERVING', async () => (await health.check()) === 'NOT_SERVING');
    // Liveness stays SERVING: restarting the replica would not bring the database back.
    expect(await liveness.check()).toBe('SERVING');
    const down = await impatient.call('GetAttr', { ctx: { sessionId: s.id, caller: ROOT, requestId: '' }, inode: ROOT_INO }).then(
      () => 'OK',
      (err: unknown) => (err instanceof FsmetaError ? grpc.status[err.code] : String(err)),
    );
    expect(down).toBe('UNAVAILABLE');
    // A mutation sent while the database is down, retried by the client with its request id, lands once it is back.
    const pending = s.call('Mkdir', { parent: ROOT_INO, name: b('during'), mode: 0o755 }, { requestId: 'during-outage' });
    await new Promise((r) => setTimeout(r, 300));
    await cluster.start();
    await waitFor('health SERVING', async () => (await health.check()) === 'SERVING');
    const made = await pending;
    expect(made.attr?.type).toBe('FILE_TYPE_DIRECTORY');
    // The same request id again: the stored outcome, not a second directory or EEXIST.
    const again = await s.call('Mkdir', { parent: ROOT_INO, name: b('during'), mode: 0o755 }, { requestId: 'during-outage' });
    expect(again.attr?.inode).toBe(made.attr?.inode);

    // Jobs resumed: a session left without heartbeats is expired by this replica's job. (It is opened
    // through a replica whose sessions expire after 1 s and whose own jobs never run.)
    const quick = await startServer(cluster.url.replace(/\/postgres$/, '/fsmeta_restart'), { heartbeatMs: 200, jobIntervalMs: 3_600_000 });
    const quickClient = new MetaClient(quick.address);
    try {
      const lapsed = await quickClient.newSession(ROOT, { hostName: 'lapsed' });
      await waitFor('the lapsed session to expire', async () => {
        const list = await patient.call('ListSessions', {});
        return !list.sessions.some((x) => x.sessionId === lapsed.id);
      });
    } finally {
      quickClient.close();
      await quick.stop();
    }

    // A fast restart under load: no INTERNAL, and every acknowledged directory exists afterwards.
    const acked: string[] = [];
    const failures: string[] = [];
    let stop = false;
    const worker = async (w: number): Promise<void> => {
      const ws = await patient.newSession(ROOT, { hostName: `w${w}` });
      const hb = setInterval(() => void ws.heartbeat().catch(() => undefined), 300);
      try {
        for (let i = 0; !stop; i++) {
          const name = `load-${w}-${i}`;
          try {
            await ws.call('Mkdir', { parent: ROOT_INO, name: b(name), mode: 0o755 });
            acked.push(name);
          } catch (err) {
            failures.push(err instanceof FsmetaError ? `${grpc.status[err.code]} ${err.message}` : String(err));
          }
        }
      } finally {
        clearInterval(hb);
      }
    };
    const workers = [0, 1, 2, 3].map(worker);
    await waitFor('some load', async () => acked.length > 20);
    await cluster.restart('fast');
    const seen = acked.length;
    await waitFor('load after the restart', async () => acked.length > seen + 20, 30_000);
    stop = true;
    await Promise.all(workers);
    expect(failures.filter((f) => !f.startsWith('UNAVAILABLE'))).toEqual([]);
    for (const name of acked) await s.call('Lookup', { parent: ROOT_INO, name: b(name) });
  } finally {
    clearInterval(keepAlive);
    health.close();
    liveness.close();
    impatient.close();
    patient.close();
  }
});

async function terminateBackends(url: string): Promise<number> {
  return withPg(url, async (c) => {
    const r = await c.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'fsmeta' and pid <> pg_backend_pid()`);
    return r.rowCount ?? 0;
  });
}

it('replicas under load survive kill -9 of replicas, PostgreSQL restarts and terminated backends; nothing acknowledged is lost or applied twice', async () => {
  await withPg(cluster.url, (c) => c.query('create database fsmeta_faults'));
  const url = cluster.url.replace(/\/postgres$/, '/fsmeta_faults');
  // Sessions expire after 5 missed heartbeats (30 s): longer than any outage below on a loaded machine, so a
  // worker's session never legitimately expires mid-test (an ESTALE here would be the TTL, not a fault).
  const args = ['--heartbeat-ms', '6000', '--health-check-ms', '200', '--job-interval-ms', '200', '--pool-size', '4', '--shutdown-grace-ms', '2000'];
  const replicas = [new Replica(url, args), new Replica(url, args), new Replica(url, args)];
  const load = { stop: false };
  let client: MetaClient | undefined;
  try {
    // The first migrates the new database; the others start meanwhile (migrations take a lock).
    await Promise.all(replicas.map((r) => r.start()));
    client = new MetaClient(replicas.map((r) => r.address), { maxAttempts: 40, retryBudget: { ratio: 10, minPerSecond: 10_000 }, deadlineMs: 10_000 });
    const c = client;
    const root = await c.newSession(ROOT, { hostName: 'faults' });

    // Each worker: its own session, directory and file; alternately a Mkdir of a fresh name and a Write of a fresh slice.
    interface Work { dir: string; file: string; dirsAcked: string[]; slicesAcked: bigint[]; slicesTried: bigint[]; errors: string[] }
    const WORKERS = 6;
    const works: Work[] = [];
    for (let w = 0; w < WORKERS; w++) {
      const dir = (await root.call('Mkdir', { parent: ROOT_INO, name: b(`w${w}`), mode: 0o777 })).attr!.inode;
      const file = (await root.call('Create', { parent: dir, name: b('data'), mode: 0o666 })).attr!.inode;
      works.push({ dir, file, dirsAcked: [], slicesAcked: [], slicesTried: [], errors: [] });
    }
    const worker = async (work: Work): Promise<void> => {
      const s = await c.openSession(ROOT, { info: { hostName: 'worker' } });
      const block = await s.call('NewSlices', { count: 4096 });
      let next = BigInt(block.firstId);
      try {
        for (let i = 0; !load.stop && i < 8192; i++) {
          try {
            if (i % 2 === 0) {
              const name = `d${i}`;
              await s.call('Mkdir', { parent: work.dir, name: b(name), mode: 0o755 });
              work.dirsAcked.push(name);
            } else {
              const id = next++;
              work.slicesTried.push(id);
              await s.call('Write', { inode: work.file, chunkIndex: 0, pos: (i >> 1) * 4096, slice: { id: id.toString(), size: 4096, off: 0, len: 4096 } });
              work.slicesAcked.push(id);
            }
          } catch (err) {
            work.errors.push(err instanceof FsmetaError ? `${grpc.status[err.code]} ${err.errnoName ?? ''} ${err.message}` : String(err));
          }
        }
      } finally {
        await s.close().catch(() => undefined);
      }
    };
    const running = works.map(worker);
    const acked = (): number => works.reduce((n, w) => n + w.dirsAcked.length + w.slicesAcked.length, 0);
    const progress = async (what: string): Promise<void> => {
      const at = acked();
      await waitFor(`load to progress after ${what}`, async () => acked() > at + 20, 60_000, 100);
    };

    const t0 = Date.now();
    const lap = (what: string): void => {
      if (process.env.FSMETA_TEST_TIMING === '1') console.log(what, Date.now() - t0);
    };
    await progress('start');
    lap('start');
    // kill -9 of a replica, and its replacement starting meanwhile on the same address.
    await replicas[0]!.kill9();
    const back0 = replicas[0]!.start();
    for (let i = 0; i < 3; i++) {
      await terminateBackends(cluster.url);
      await new Promise((r) => setTimeout(r, 200));
    }
    await progress('kill -9 of replica 0 and terminated backends');
    await back0;
    lap('kill0');
    await cluster.restart('fast');
    await progress('a fast PostgreSQL restart');
    lap('restart');
    await replicas[1]!.kill9();
    await cluster.restart('immediate');
    await progress('kill -9 of replica 1 and a PostgreSQL crash and recovery');
    lap('crash');
    await replicas[1]!.start();
    load.stop = true;
    await Promise.all(running);

    // Every failure a caller saw is retryable: never INTERNAL, UNKNOWN, or an EEXIST from a replayed Mkdir.
    const errors = works.flatMap((w) => w.errors);
    expect(errors.filter((e) => !/^(UNAVAILABLE|DEADLINE_EXCEEDED) /.test(e))).toEqual([]);

    // Nothing acknowledged lost, nothing applied twice.
    await withPg(url, async (pg) => {
      for (const w of works) {
        const names = new Set((await pg.query<{ name: Buffer }>('select name from edge where parent = $1', [w.dir])).rows.map((r) => r.name.toString()));
        for (const name of w.dirsAcked) expect(names.has(name)).toBe(true);
        const blob = (await pg.query<{ slices: Buffer }>('select slices from chunk where inode = $1 and indx = 0', [w.file])).rows[0]?.slices;
        const counts = new Map<bigint, number>();
        for (const r of blob === undefined ? [] : decodeRecords(blob)) counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
        for (const id of w.slicesAcked) expect({ id, n: counts.get(id) }).toEqual({ id, n: 1 });
        for (const id of w.slicesTried) expect(counts.get(id) ?? 0).toBeLessThanOrEqual(1);
      }
    });
    expect(acked()).toBeGreaterThan(80);
    expect(await checkInvariants(url)).toEqual([]);
    expect(await checkSliceRefs(url)).toEqual([]);
    // No replica exited on its own, and all of them still serve.
    expect(replicas.flatMap((r) => r.unexpectedExits())).toEqual([]);
    for (const r of replicas) {
      const one = new MetaClient(r.address, { maxAttempts: 20 });
      try {
        await one.call('GetFormat', {});
      } finally {
        one.close();
      }
    }
  } finally {
    load.stop = true;
    client?.close();
    await Promise.all(replicas.map((r) => r.stop()));
  }
});
