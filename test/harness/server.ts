import { MetaClient, type Session } from '@fsmeta/client';
import { createLogger, loadConfig, startFsmeta, type RunningFsmeta } from '@fsmeta/fsmeta';
import { ADMIN_URL_ENV, createTestDatabase } from './database';

export const ROOT = { uid: 0, gid: 0, gids: [] };
const TEST_HEARTBEAT_MS = 600_000;

export interface ServerOverrides {
  /** Listen address (default 127.0.0.1:0). */
  listen?: string;
  heartbeatMs?: number;
  atimeMode?: string;
  jobIntervalMs?: number;
  poolSize?: number;
  skipDirMtimeMs?: number;
  watchPollMs?: number;
  watchRetentionMs?: number;
  healthCheckMs?: number;
  /** The nested-transaction bug check (default on; off where a replica is measured as deployed). */
  checkNested?: boolean;
  /** More `fsmeta serve` flags (TLS, auth, limits, ...). */
  args?: string[];
}

/** Starts a real fsmeta server in-process on 127.0.0.1:0 against `databaseUrl`. */
export async function startServer(databaseUrl: string, o: ServerOverrides = {}): Promise<RunningFsmeta> {
  const args = ['--listen', o.listen ?? '127.0.0.1:0', '--database-url', databaseUrl, '--metrics-port', '0', '--shutdown-grace-ms', '2000'];
  // Tests run with the bug check a production replica leaves off (a body asking for a second connection fails at once).
  args.push('--check-nested-transactions', String(o.checkNested ?? true));
  // Test sessions do not heartbeat: unless a test is about expiry, let them live for the whole file
  // (5 missed heartbeats of 10 minutes), however slow a loaded machine makes the test.
  args.push('--heartbeat-ms', String(o.heartbeatMs ?? TEST_HEARTBEAT_MS));
  if (o.atimeMode !== undefined) args.push('--atime-mode', o.atimeMode);
  if (o.jobIntervalMs !== undefined) args.push('--job-interval-ms', String(o.jobIntervalMs));
  if (o.poolSize !== undefined) args.push('--pool-size', String(o.poolSize));
  if (o.skipDirMtimeMs !== undefined) args.push('--skip-dir-mtime-ms', String(o.skipDirMtimeMs));
  if (o.watchPollMs !== undefined) args.push('--watch-poll-ms', String(o.watchPollMs));
  if (o.watchRetentionMs !== undefined) args.push('--watch-retention-ms', String(o.watchRetentionMs));
  if (o.healthCheckMs !== undefined) args.push('--health-check-ms', String(o.healthCheckMs));
  if (o.args !== undefined) args.push(...o.args);
  const config = loadConfig(args, {});
  return startFsmeta(config, createLogger(process.env.FSMETA_TEST_LOG_LEVEL ?? 'silent'));
}

export interface TestEnv {
  databaseUrl: string;
  servers: RunningFsmeta[];
  clients: MetaClient[];
  /** A client of server `i` (default the first). */
  client(i?: number): MetaClient;
  /** A new session on server `i` acting as `caller` (default root). */
  session(caller?: { uid: number; gid: number; gids: number[] }, i?: number): Promise<Session>;
  stop(): Promise<void>;
}

/** One fresh database and `replicas` servers on it: call from beforeAll, stop in afterAll. */
export async function startEnv(replicas = 1, o: ServerOverrides = {}): Promise<TestEnv> {
  const adminUrl = process.env[ADMIN_URL_ENV];
  if (adminUrl === undefined) throw new Error('jest globalSetup did not run');
  const db = await createTestDatabase(adminUrl);
  const servers: RunningFsmeta[] = [];
  for (let i = 0; i < replicas; i++) servers.push(await startServer(db.url, o));
  const clients = servers.map((s) => new MetaClient(s.address, { deadlineMs: 30_000 }));
  return {
    databaseUrl: db.url,
    servers,
    clients,
    client: (i = 0) => clients[i]!,
    session: (caller = ROOT, i = 0) => clients[i]!.newSession(caller, { hostName: 'test' }),
    async stop() {
      for (const c of clients) c.close();
      for (const s of servers) await s.stop();
      await db.drop();
    },
  };
}
