import * as grpc from '@grpc/grpc-js';
import { FsmetaError, MetaClient } from '@fsmeta/client';
import type { RunningFsmeta } from '@fsmeta/fsmeta';
import { Client } from 'pg';
import { ROOT_INO, b } from '../harness/fs';
import { healthChecker } from '../harness/health';
import { ThrowawayCluster } from '../harness/pg-cluster';
import { ROOT, startServer } from '../harness/server';
import { waitFor } from './data-support';

/**
 * PostgreSQL going away and coming back, on a throwaway cluster of this
 * file's own (port 55433; never the shared one; faults.test.ts has 55432): health follows the database,
 * calls meanwhile answer UNAVAILABLE (never INTERNAL) and succeed on retry,
 * background jobs resume by themselves.
 */
const PORT = 55433;
let cluster: ThrowawayCluster;
let server: RunningFsmeta;

beforeAll(async () => {
  cluster = new ThrowawayCluster(PORT);
  cluster.init();
  cluster.start();
  const c = new Client({ connectionString: cluster.url });
  await c.connect();
  await c.query('create database fsmeta_restart');
  await c.end();
  server = await startServer(cluster.url.replace(/\/postgres$/, '/fsmeta_restart'), { healthCheckMs: 100, jobIntervalMs: 100, heartbeatMs: 1000 });
}, 90_000);

afterAll(async () => {
  try {
    await server?.stop();
  } finally {
    cluster?.remove();
  }
});

it('health goes NOT_SERVING while PostgreSQL is down and SERVING after; calls answer UNAVAILABLE, then succeed; jobs resume', async () => {
  const health = healthChecker(server.address);
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
    const down = await impatient.call('GetAttr', { ctx: { sessionId: s.id, caller: ROOT, requestId: '' }, inode: ROOT_INO }).then(
      () => 'OK',
      (err: unknown) => (err instanceof FsmetaError ? grpc.status[err.code] : String(err)),
    );
    expect(down).toBe('UNAVAILABLE');
    // A mutation sent while the database is down, retried by the client with its request id, lands once it is back.
    const pending = s.call('Mkdir', { parent: ROOT_INO, name: b('during'), mode: 0o755 }, { requestId: 'during-outage' });
    await new Promise((r) => setTimeout(r, 300));
    cluster.start();
    await waitFor('health SERVING', async () => (await health.check()) === 'SERVING');
    const made = await pending;
    expect(made.attr?.type).toBe('FILE_TYPE_DIRECTORY');
    // The same request id again: the stored outcome, not a second directory or EEXIST.
    const again = await s.call('Mkdir', { parent: ROOT_INO, name: b('during'), mode: 0o755 }, { requestId: 'during-outage' });
    expect(again.attr?.inode).toBe(made.attr?.inode);

    // Jobs resumed: a session left without heartbeats is expired by the job.
    const lapsed = await patient.newSession(ROOT, { hostName: 'lapsed' });
    await waitFor('the lapsed session to expire', async () => {
      const list = await patient.call('ListSessions', {});
      return !list.sessions.some((x) => x.sessionId === lapsed.id);
    });

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
    cluster.restart('fast');
    const seen = acked.length;
    await waitFor('load after the restart', async () => acked.length > seen + 20, 30_000);
    stop = true;
    await Promise.all(workers);
    expect(failures.filter((f) => !f.startsWith('UNAVAILABLE'))).toEqual([]);
    for (const name of acked) await s.call('Lookup', { parent: ROOT_INO, name: b(name) });
  } finally {
    clearInterval(keepAlive);
    health.close();
    impatient.close();
    patient.close();
  }
});
