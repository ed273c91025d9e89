import { startServer } from '../harness/server';
import { installSqlStats, type SqlStats } from './sql-stats';

/**
 * The server under test, in a process of its own so that it has an event
 * loop to itself, as a deployed replica does: the benchmark client's own
 * encoding and decoding must not be billed to the server. Started by run.ts
 * with fork(); tells its address over IPC, answers "cpu" with its
 * process CPU time (µs, user + system) and stops on "stop".
 *
 * argv: database URL, pool size. FSMETA_BENCH_SQL_STATS=1 counts its SQL round trips.
 */
const COUNTING_JOB_INTERVAL_MS = 3_600_000;

async function main(): Promise<void> {
  const [databaseUrl, poolSize] = process.argv.slice(2);
  if (databaseUrl === undefined || poolSize === undefined) throw new Error('usage: server-process <database-url> <pool-size>');
  const counting = process.env.FSMETA_BENCH_SQL_STATS === '1';
  const sqlStats: () => SqlStats = counting ? installSqlStats() : () => ({});
  // Counting, the background jobs wait an hour: their statements are no RPC's, and on a slow machine they ran often enough per op to blur the counts.
  // As deployed: without the tests' nested-transaction check (it tracks async context, which costs CPU on every call).
  const server = await startServer(databaseUrl, { poolSize: Number(poolSize), checkNested: false, ...(counting ? { jobIntervalMs: COUNTING_JOB_INTERVAL_MS } : {}) });
  const retries = (): Record<string, number> => Object.fromEntries(server.meta.deps.db.retryCounts);
  process.on('message', (msg: unknown) => {
    if (msg === 'retries') {
      process.send!({ retries: retries() });
    } else if (msg === 'cpu') {
      const u = process.cpuUsage();
      process.send!({ cpu: u.user + u.system });
    } else if (msg === 'sql') {
      process.send!({ sql: sqlStats() });
    } else if (msg === 'stop') {
      void server.stop().then(() => process.exit(0));
    }
  });
  process.on('disconnect', () => void server.stop().then(() => process.exit(0)));
  process.send!({ address: server.address });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
