import * as grpc from '@grpc/grpc-js';
import pino, { type Logger } from 'pino';
import type { Config } from './config';
import { DatabaseHealth } from './health';
import { redact } from './config';
import { metaJobs } from './jobs';
import { JobRunner } from './jobs/runner';
import { createMeta, type Meta } from './meta';
import { Auth } from './server/auth';
import { createServer, type MetaServer } from './server/server';
import { ReloadingCertificates } from './server/tls';
import { Db } from './store/db';
import { Listener } from './store/listener';
import { startEmbedded, type EmbeddedDatabase } from './store/embedded';
import { migrate } from './store/migrate';
import { Telemetry } from './telemetry';

export interface RunningFsmeta {
  port: number;
  /** The plaintext health-only port (--health-listen), if any. */
  healthPort?: number;
  address: string;
  databaseUrl: string;
  meta: Meta;
  server: MetaServer;
  /** NOT_SERVING, drain in-flight calls (up to the grace period), stop jobs, close the pool. */
  stop(): Promise<void>;
}

/** Listen hosts only this machine reaches. */
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)$/;

/** A failure at start that deserves one clear line, not a stack trace. */
export class StartupError extends Error {}

export function createLogger(level: string): Logger {
  const log = pino({ level, base: { service: 'fsmeta' } });
  // grpc-js logs to stderr on its own; route it through pino so stderr keeps one-line errors.
  grpc.setLogger({ error: (...args: unknown[]) => log.debug({ grpc: args.map(String).join(' ') }) });
  return log;
}

/**
 * The composition root: config -> database (embedded or given) -> migrations ->
 * volume -> telemetry -> server -> jobs. Used by `fsmeta serve` and by tests.
 */
export async function startFsmeta(config: Config, log: Logger = createLogger(config.logLevel)): Promise<RunningFsmeta> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (url === '') {
    try {
      embedded = await startEmbedded(config.dataDir, (line) => log.debug({ postgres: line.trim() }));
    } catch (err) {
      throw new StartupError(`cannot start the embedded PostgreSQL in ${config.dataDir}: ${err instanceof Error ? err.message : String(err)}`);
    }
    url = embedded.url;
    log.info({ dataDir: config.dataDir }, 'embedded PostgreSQL started');
  }
  try {
    const applied = await migrate(url);
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
  } catch (err) {
    await embedded?.stop();
    throw new StartupError(`database ${redact(url)}: ${err instanceof Error ? err.message : String(err)}`);
  }

  const db = new Db(
    {
      connectionString: url,
      poolSize: config.poolSize,
      lockTimeoutMs: config.lockTimeoutMs,
      statementTimeoutMs: config.statementTimeoutMs,
      checkNested: config.checkNestedTransactions,
    },
    log,
  );
  const listener = new Listener(url, log);
  const meta = createMeta({
    db,
    listener,
    log,
    options: {
      heartbeatMs: config.heartbeatMs,
      sessionTtlMs: config.heartbeatMs * 5,
      maxSessions: config.maxSessions,
      atimeMode: config.atimeMode ?? 'noatime',
      skipDirMtimeNs: BigInt(config.skipDirMtimeMs) * 1_000_000n,
      readdirDefaultLimit: 1000,
      readdirMaxLimit: 10000,
      watchPollMs: config.watchPollMs,
      dirStatsBatch: config.dirStatsBatch,
    },
  });
  const format =
    (await meta.volume.getFormat()) ??
    (await meta.volume.format(
      {
        name: config.volumeName, uuid: '', blockSizeKib: 0, capacity: 0n, inodes: 0n, trashDays: 0,
        dirStats: false, userGroupQuota: false, enableAcl: false, atimeMode: 'noatime', storage: '', bucket: '', caseInsensitive: config.volumeCaseInsensitive,
      },
      false,
      true,
    ));
  if (config.atimeMode === undefined) meta.deps.options.atimeMode = format.atimeMode;

  await meta.locks.start();
  await meta.changes.start();
  let tls: ReloadingCertificates | undefined;
  let auth: Auth;
  try {
    if (config.tlsCertFile !== '') {
      tls = new ReloadingCertificates(
        { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile, clientCaFile: config.tlsClientCaFile },
        config.credentialsReloadMs,
        log,
      );
    }
    auth = new Auth(meta, log, {
      authFile: config.authFile,
      required: config.authRequired,
      openServices: config.authOpenServices,
      reloadMs: config.credentialsReloadMs,
    });
  } catch (err) {
    tls?.stop();
    await db.close();
    await embedded?.stop();
    throw new StartupError(err instanceof Error ? err.message : String(err));
  }
  const telemetry = new Telemetry(config.metricsPort, config.metricsHost, db, config.metricsTls ? tls : undefined);
  const server = createServer(
    meta,
    log,
    { maxReceiveMessageBytes: config.maxMessageBytes, maxSendMessageBytes: config.maxMessageBytes, auth, tls, maxInflightPerSession: config.maxInflightPerSession },
    telemetry,
  );
  let port: number;
  let healthPort: number | undefined;
  let binding = config.listen;
  try {
    port = await server.listen(config.listen);
    binding = config.healthListen;
    if (config.healthListen !== '') healthPort = await server.listenHealth(config.healthListen);
  } catch (err) {
    await meta.locks.stop();
    meta.changes.close();
    await listener.close();
    auth.stop();
    tls?.stop();
    await db.close();
    await telemetry.shutdown();
    await embedded?.stop();
    server.server.forceShutdown();
    throw new StartupError(`cannot listen on ${binding}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const jobs = new JobRunner(metaJobs(meta, config.requestRetentionMs, config.watchRetentionMs), config.jobIntervalMs, log);
  jobs.start();
  const dbHealth = new DatabaseHealth(() => db.ping(config.healthCheckMs), (up) => server.setDatabaseUp(up), config.healthCheckMs, log);
  dbHealth.start();
  server.setServing(true);
  const host = config.listen.slice(0, config.listen.lastIndexOf(':'));
  const address = `${host}:${port}`;
  if (!LOOPBACK.test(host)) {
    if (!auth.enabled || !config.authRequired) log.warn('authentication is not required: anyone who reaches this port acts as any uid (docs/security.md)');
    if (tls === undefined) log.warn('plaintext gRPC on a non-loopback address: set FSMETA_TLS_CERT_FILE and FSMETA_TLS_KEY_FILE (docs/security.md)');
  }
  log.info(
    { address, volume: format.name, uuid: format.uuid, tls: tls === undefined ? 'off' : config.tlsClientCaFile !== '' ? 'mutual' : 'server', auth: auth.enabled ? (config.authRequired ? 'required' : 'optional') : 'off' },
    'fsmeta serving',
  );

  return {
    port,
    healthPort,
    address,
    databaseUrl: url,
    meta,
    server,
    async stop() {
      server.setServing(false);
      // Watch streams never end on their own: end them first so the drain below can finish.
      meta.changes.close();
      // Blocked lock waits answer UNAVAILABLE now rather than hold the drain.
      await meta.locks.stop();
      await dbHealth.stop();
      await server.shutdown(config.shutdownGraceMs);
      await jobs.stop();
      await listener.close();
      auth.stop();
      tls?.stop();
      await db.close();
      await telemetry.shutdown();
      await embedded?.stop();
    },
  };
}
