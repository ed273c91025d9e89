import * as path from 'node:path';
import type { AtimeMode } from './meta/deps';

/** Every knob of the server: a flag, an environment variable, a default, and a check. */
export interface Config {
  listen: string;
  /** Empty: no separate health port. */
  healthListen: string;
  /** Empty: run an embedded PostgreSQL in dataDir. */
  databaseUrl: string;
  dataDir: string;
  poolSize: number;
  heartbeatMs: number;
  atimeMode?: AtimeMode;
  volumeName: string;
  volumeCaseInsensitive: boolean;
  shutdownGraceMs: number;
  logLevel: string;
  metricsPort: number;
  metricsHost: string;
  maxMessageBytes: number;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  checkNestedTransactions: boolean;
  skipDirMtimeMs: number;
  requestRetentionMs: number;
  jobIntervalMs: number;
  dirStatsBatch: number;
  watchPollMs: number;
  watchRetentionMs: number;
  healthCheckMs: number;
  maxInflightPerSession: number;
  maxSessions: number;
  /** PEM files of the gRPC server's certificate and key; both empty: plaintext. */
  tlsCertFile: string;
  tlsKeyFile: string;
  /** PEM file of the CA that signs client certificates; set: mutual TLS required. */
  tlsClientCaFile: string;
  /** Serve metrics over HTTPS with the server certificate. */
  metricsTls: boolean;
  /** How often certificate and identity files are re-read. */
  credentialsReloadMs: number;
  /** JSON or YAML file of identities (docs/security.md); empty: every caller is anonymous. */
  authFile: string;
  /** Refuse calls that carry no identity (UNAUTHENTICATED). */
  authRequired: boolean;
  /** Services answered without an identity even when authRequired: health, reflection. */
  authOpenServices: OpenService[];
}

export const OPEN_SERVICES = ['health', 'reflection'] as const;
export type OpenService = (typeof OPEN_SERVICES)[number];

export class ConfigError extends Error {}

interface Knob {
  flag: string;
  env: string;
  def: string;
  help: string;
  parse: (v: string, name: string) => unknown;
}

function int(min: number, max: number) {
  return (v: string, name: string): number => {
    if (!/^\d+$/.test(v)) throw new ConfigError(`${name}: "${v}" is not a whole number`);
    const n = Number(v);
    if (n < min || n > max) throw new ConfigError(`${name}: ${v} is outside ${min}..${max}`);
    return n;
  };
}

function str(v: string): string {
  return v;
}

function listenAddress(v: string, name: string): string {
  const m = /^(.+):(\d+)$/.exec(v);
  if (m === null || Number(m[2]) > 65535) throw new ConfigError(`${name}: "${v}" is not host:port`);
  return v;
}

function databaseUrl(v: string, name: string): string {
  if (v === '') return v;
  if (!/^postgres(ql)?:\/\//.test(v)) throw new ConfigError(`${name}: "${redact(v)}" is not a postgres:// URL`);
  return v;
}

function atime(v: string, name: string): AtimeMode | undefined {
  if (v === '') return undefined;
  if (v === 'noatime' || v === 'relatime' || v === 'strictatime') return v;
  throw new ConfigError(`${name}: "${v}" is not one of noatime, relatime, strictatime`);
}

function logLevel(v: string, name: string): string {
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(v)) {
    throw new ConfigError(`${name}: "${v}" is not a pino log level`);
  }
  return v;
}

function bool(v: string, name: string): boolean {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0' || v === '') return false;
  throw new ConfigError(`${name}: "${v}" is not true or false`);
}

function openServices(v: string, name: string): OpenService[] {
  const list = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const s of list) {
    if (!(OPEN_SERVICES as readonly string[]).includes(s)) throw new ConfigError(`${name}: "${s}" is not one of ${OPEN_SERVICES.join(', ')}`);
  }
  return list as OpenService[];
}

/** Hides the password of a database URL in messages. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

const KNOBS: Record<keyof Config, Knob> = {
  healthListen: { flag: 'health-listen', env: 'FSMETA_HEALTH_LISTEN', def: '', help: 'plaintext port answering only grpc.health.v1 (for native gRPC probes of a TLS server); empty: none', parse: (v, name) => (v === '' ? v : listenAddress(v, name)) },
  listen: { flag: 'listen', env: 'FSMETA_LISTEN', def: '127.0.0.1:50051', help: 'gRPC listen address', parse: listenAddress },
  databaseUrl: { flag: 'database-url', env: 'FSMETA_DATABASE_URL', def: '', help: 'PostgreSQL URL; empty runs an embedded PostgreSQL', parse: databaseUrl },
  dataDir: { flag: 'data', env: 'FSMETA_DATA', def: '.fsmeta', help: 'data directory of the embedded PostgreSQL', parse: (v) => path.resolve(v) },
  poolSize: { flag: 'pool-size', env: 'FSMETA_POOL_SIZE', def: '16', help: 'database connections per replica', parse: int(1, 1000) },
  heartbeatMs: { flag: 'heartbeat-ms', env: 'FSMETA_HEARTBEAT_MS', def: '12000', help: 'session heartbeat; sessions expire after 5 missed', parse: int(100, 600_000) },
  atimeMode: { flag: 'atime-mode', env: 'FSMETA_ATIME_MODE', def: '', help: "noatime, relatime or strictatime (default: the volume's, noatime)", parse: atime },
  volumeName: { flag: 'volume-name', env: 'FSMETA_VOLUME_NAME', def: 'fsmeta', help: 'name given to the volume when an empty database is formatted at start', parse: str },
  volumeCaseInsensitive: {
    flag: 'volume-case-insensitive',
    env: 'FSMETA_VOLUME_CASE_INSENSITIVE',
    def: 'false',
    help: 'format a volume created at start with case-insensitive names (fixed for its lifetime)',
    parse: bool,
  },
  shutdownGraceMs: { flag: 'shutdown-grace-ms', env: 'FSMETA_SHUTDOWN_GRACE_MS', def: '20000', help: 'how long in-flight calls may drain after SIGTERM', parse: int(0, 600_000) },
  logLevel: { flag: 'log-level', env: 'FSMETA_LOG_LEVEL', def: 'info', help: 'pino log level', parse: logLevel },
  metricsPort: { flag: 'metrics-port', env: 'FSMETA_METRICS_PORT', def: '9464', help: 'Prometheus metrics port (0 = off)', parse: int(0, 65535) },
  metricsHost: { flag: 'metrics-host', env: 'FSMETA_METRICS_HOST', def: '0.0.0.0', help: 'Prometheus metrics bind host', parse: str },
  maxMessageBytes: { flag: 'max-message-bytes', env: 'FSMETA_MAX_MESSAGE_BYTES', def: String(16 << 20), help: 'largest request or response', parse: int(1 << 16, 1 << 30) },
  lockTimeoutMs: { flag: 'lock-timeout-ms', env: 'FSMETA_LOCK_TIMEOUT_MS', def: '5000', help: 'row lock wait before a transaction is retried', parse: int(10, 600_000) },
  statementTimeoutMs: { flag: 'statement-timeout-ms', env: 'FSMETA_STATEMENT_TIMEOUT_MS', def: '30000', help: 'longest SQL statement', parse: int(100, 3_600_000) },
  checkNestedTransactions: {
    flag: 'check-nested-transactions',
    env: 'FSMETA_CHECK_NESTED_TRANSACTIONS',
    def: 'false',
    help: 'refuse at once a transaction body that asks for a second pool connection (a bug check for tests; costs CPU on every call)',
    parse: bool,
  },
  skipDirMtimeMs: { flag: 'skip-dir-mtime-ms', env: 'FSMETA_SKIP_DIR_MTIME_MS', def: '100', help: "skip a parent's mtime update newer than this", parse: int(0, 3_600_000) },
  requestRetentionMs: { flag: 'request-retention-ms', env: 'FSMETA_REQUEST_RETENTION_MS', def: '3600000', help: 'how long retried request ids are recognised', parse: int(1000, 7 * 86_400_000) },
  watchPollMs: { flag: 'watch-poll-ms', env: 'FSMETA_WATCH_POLL_MS', def: '2000', help: 'change feed safety-net poll while watched (NOTIFY wakes it sooner)', parse: int(10, 600_000) },
  watchRetentionMs: { flag: 'watch-retention-ms', env: 'FSMETA_WATCH_RETENTION_MS', def: '600000', help: 'how long changes are kept for resuming watchers', parse: int(1000, 7 * 86_400_000) },
  jobIntervalMs: { flag: 'job-interval-ms', env: 'FSMETA_JOB_INTERVAL_MS', def: '1000', help: 'period of background jobs (expiry, release, pruning)', parse: int(10, 3_600_000) },
  dirStatsBatch: { flag: 'dir-stats-batch', env: 'FSMETA_DIR_STATS_BATCH', def: '10000', help: 'entries one transaction recounts (at least one directory) when dir_stats is turned on for a bigger volume (mutations wait for one batch)', parse: int(1, 10_000_000) },
  maxInflightPerSession: { flag: 'max-inflight-per-session', env: 'FSMETA_MAX_INFLIGHT_PER_SESSION', def: '256', help: 'calls one session may have in flight per replica (0 = unlimited)', parse: int(0, 1_000_000) },
  maxSessions: { flag: 'max-sessions', env: 'FSMETA_MAX_SESSIONS', def: '100000', help: 'live sessions per volume (0 = unlimited)', parse: int(0, 100_000_000) },
  healthCheckMs: { flag: 'health-check-ms', env: 'FSMETA_HEALTH_CHECK_MS', def: '1000', help: 'period of the database probe behind the health status', parse: int(50, 600_000) },
  tlsCertFile: { flag: 'tls-cert-file', env: 'FSMETA_TLS_CERT_FILE', def: '', help: 'PEM certificate (chain) of the gRPC port; empty: plaintext', parse: str },
  tlsKeyFile: { flag: 'tls-key-file', env: 'FSMETA_TLS_KEY_FILE', def: '', help: 'PEM private key of that certificate', parse: str },
  tlsClientCaFile: { flag: 'tls-client-ca-file', env: 'FSMETA_TLS_CLIENT_CA_FILE', def: '', help: 'PEM CA of client certificates; set: mutual TLS required', parse: str },
  metricsTls: { flag: 'metrics-tls', env: 'FSMETA_METRICS_TLS', def: 'false', help: 'serve metrics over HTTPS with the gRPC certificate', parse: bool },
  credentialsReloadMs: { flag: 'credentials-reload-ms', env: 'FSMETA_CREDENTIALS_RELOAD_MS', def: '10000', help: 'how often certificate and auth files are re-read', parse: int(100, 3_600_000) },
  authFile: { flag: 'auth-file', env: 'FSMETA_AUTH_FILE', def: '', help: 'JSON or YAML identities file (docs/security.md)', parse: str },
  authRequired: { flag: 'auth-required', env: 'FSMETA_AUTH_REQUIRED', def: 'false', help: 'refuse calls without an identity (UNAUTHENTICATED)', parse: bool },
  authOpenServices: { flag: 'auth-open-services', env: 'FSMETA_AUTH_OPEN_SERVICES', def: 'health,reflection', help: 'services open without an identity (health, reflection)', parse: openServices },
};

/** Parses `--flag value` / `--flag=value` arguments over environment variables over defaults. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): Config {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else {
      const value = argv[i + 1];
      if (value === undefined) throw new ConfigError(`${arg} needs a value`);
      flags.set(arg.slice(2), value);
      i++;
    }
  }
  const known = new Set(Object.values(KNOBS).map((k) => k.flag));
  for (const f of flags.keys()) if (!known.has(f)) throw new ConfigError(`unknown flag --${f} (see fsmeta help)`);
  const out: Record<string, unknown> = {};
  for (const [key, knob] of Object.entries(KNOBS)) {
    const fromFlag = flags.get(knob.flag);
    const raw = fromFlag ?? env[knob.env] ?? knob.def;
    out[key] = knob.parse(raw, fromFlag !== undefined ? `--${knob.flag}` : env[knob.env] !== undefined ? knob.env : `--${knob.flag}`);
  }
  const config = out as unknown as Config;
  checkCombinations(config);
  return config;
}

/** Settings that are valid alone but not together. */
function checkCombinations(c: Config): void {
  if ((c.tlsCertFile === '') !== (c.tlsKeyFile === '')) throw new ConfigError('FSMETA_TLS_CERT_FILE and FSMETA_TLS_KEY_FILE go together');
  if (c.tlsClientCaFile !== '' && c.tlsCertFile === '') throw new ConfigError('FSMETA_TLS_CLIENT_CA_FILE needs FSMETA_TLS_CERT_FILE and FSMETA_TLS_KEY_FILE');
  if (c.metricsTls && c.tlsCertFile === '') throw new ConfigError('FSMETA_METRICS_TLS needs FSMETA_TLS_CERT_FILE and FSMETA_TLS_KEY_FILE');
  if (c.authRequired && c.authFile === '') throw new ConfigError('FSMETA_AUTH_REQUIRED needs FSMETA_AUTH_FILE (no identity could get in)');
}

export function configHelp(): string {
  return Object.values(KNOBS)
    .map((k) => `  --${k.flag.padEnd(22)} ${k.env.padEnd(28)} ${k.help} (default: ${k.def === '' ? 'none' : k.def})`)
    .join('\n');
}
