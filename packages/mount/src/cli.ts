#!/usr/bin/env node
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TlsOptions } from '@fsmeta/client';
import type { RunningFsmeta } from '@fsmeta/fsmeta';
import { mount, type Mounted } from './mount';

const USAGE = `usage: fsmeta-mount <mountpoint> [--meta <host:port>] [--data <dir>] [flags]

Mounts the fsmeta volume at <mountpoint> (a FUSE file system; needs root) and stays in the
foreground until it is unmounted (umount <mountpoint>) or sent SIGTERM / SIGINT (a second
signal gives up on flushing at once). Exit status 0 when everything written was recorded and
the session closed, 1 otherwise (the log says what was lost).

  --meta <host:port>     an fsmeta replica (or several, comma-separated); without it an embedded fsmeta is started, as
                         \`pnpm start\` does (its database in ./.fsmeta, FSMETA_* settings apply)
  --data <dir>           the local object store for file data (default ./.fsmeta/objects)
  --cache-mib <n>        block cache size in MiB (default 256)
  --workers-ms <n>       period of the slice deletion and compaction workers (default 5000)
  --stop-timeout-ms <n>  bound of an unmount: waiting for users, flushing, closing the session (default 10000)

fsmeta over TLS and with authentication (docs/security.md); each flag also as the environment variable named:
  --tls-ca <file>          FSMETA_MOUNT_TLS_CA_FILE      PEM CA(s) of the server's certificate (turns TLS on)
  --tls-cert <file>        FSMETA_MOUNT_TLS_CERT_FILE    PEM client certificate, for mutual TLS (with --tls-key)
  --tls-key <file>         FSMETA_MOUNT_TLS_KEY_FILE     its PEM private key
  --tls-server-name <name> FSMETA_MOUNT_TLS_SERVER_NAME  check the server's certificate against this name
  --tls                    FSMETA_MOUNT_TLS=true         TLS with the system's CAs (implied by any flag above)
  --token-file <file>      FSMETA_MOUNT_TOKEN_FILE       bearer token in a file (re-read when it changes)
                           FSMETA_MOUNT_TOKEN            the bearer token itself`;

interface Args {
  mountpoint: string;
  meta?: string;
  data: string;
  cacheMib: number;
  workersMs: number;
  stopTimeoutMs: number;
  tls?: TlsOptions;
  token?: string | (() => string);
}

/** Flags that take a value, and the environment variable each falls back to. */
const SECURITY_ENV: Record<string, string> = {
  '--tls-ca': 'FSMETA_MOUNT_TLS_CA_FILE',
  '--tls-cert': 'FSMETA_MOUNT_TLS_CERT_FILE',
  '--tls-key': 'FSMETA_MOUNT_TLS_KEY_FILE',
  '--tls-server-name': 'FSMETA_MOUNT_TLS_SERVER_NAME',
  '--token-file': 'FSMETA_MOUNT_TOKEN_FILE',
};

function readPem(flag: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

function wholeNumber(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min) throw new Error(`${flag}: "${v}" is not a whole number of at least ${min}`);
  return n;
}

/**
 * The token of a file, re-read when the file changes (a rotated secret), checked
 * at most once a second: @fsmeta/client asks on every call.
 */
function tokenFile(file: string): () => string {
  const read = (): string => {
    const t = fs.readFileSync(file, 'utf8').trim();
    if (t === '') throw new Error(`--token-file ${file}: empty`);
    return t;
  };
  let token = read();
  let mtimeMs = fs.statSync(file).mtimeMs;
  let checked = Date.now();
  return () => {
    const now = Date.now();
    if (now - checked >= 1000) {
      checked = now;
      try {
        const m = fs.statSync(file).mtimeMs;
        if (m !== mtimeMs) {
          token = read();
          mtimeMs = m;
        }
      } catch {
        // Mid-rotation (the file briefly gone): keep the token we have.
      }
    }
    return token;
  };
}

function parse(argv: string[], env: NodeJS.ProcessEnv = process.env): Args | string {
  let mountpoint: string | undefined;
  let meta: string | undefined;
  let data = '.fsmeta/objects';
  let cacheMib = 256;
  let workersMs = 5000;
  let stopTimeoutMs = 10_000;
  let tlsOn = env.FSMETA_MOUNT_TLS === 'true' || env.FSMETA_MOUNT_TLS === '1';
  const security: Record<string, string | undefined> = {};
  for (const [flag, name] of Object.entries(SECURITY_ENV)) security[flag] = env[name] === '' ? undefined : env[name];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--help' || a === '-h') return USAGE;
    else if (a === '--meta') meta = value();
    else if (a === '--data') data = value();
    else if (a === '--cache-mib') cacheMib = wholeNumber(a, value(), 0);
    else if (a === '--workers-ms') workersMs = wholeNumber(a, value(), 10);
    else if (a === '--stop-timeout-ms') stopTimeoutMs = wholeNumber(a, value(), 100);
    else if (a === '--tls') tlsOn = true;
    else if (a in SECURITY_ENV) security[a] = value();
    else if (a.startsWith('--')) throw new Error(`unknown flag ${a}`);
    else if (mountpoint === undefined) mountpoint = a;
    else throw new Error(`unexpected argument "${a}"`);
  }
  if (mountpoint === undefined) throw new Error('a mountpoint is required');
  const [ca, cert, key, serverName, tokenPath] = ['--tls-ca', '--tls-cert', '--tls-key', '--tls-server-name', '--token-file'].map((f) => security[f]);
  if ((cert === undefined) !== (key === undefined)) throw new Error('--tls-cert and --tls-key go together');
  let tls: TlsOptions | undefined;
  if (tlsOn || ca !== undefined || cert !== undefined || serverName !== undefined) {
    tls = {
      ...(ca === undefined ? {} : { ca: readPem('--tls-ca', ca) }),
      ...(cert === undefined ? {} : { cert: readPem('--tls-cert', cert), key: readPem('--tls-key', key!) }),
      ...(serverName === undefined ? {} : { serverName }),
    };
  }
  let token: string | (() => string) | undefined;
  if (tokenPath !== undefined) {
    try {
      token = tokenFile(tokenPath);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new Error(e.code !== undefined ? `--token-file ${tokenPath}: ${e.code}` : e.message);
    }
  } else if (env.FSMETA_MOUNT_TOKEN !== undefined && env.FSMETA_MOUNT_TOKEN !== '') token = env.FSMETA_MOUNT_TOKEN;
  if (meta === undefined && (tls !== undefined || token !== undefined)) throw new Error('TLS and token options are for a remote fsmeta (--meta); the embedded one listens on loopback');
  return { mountpoint: path.resolve(mountpoint), meta, data: path.resolve(data), cacheMib, workersMs, stopTimeoutMs, tls, token };
}

async function main(argv: string[]): Promise<number> {
  // Reads of /dev/fuse park pool threads; give object-store I/O its own.
  process.env.UV_THREADPOOL_SIZE ??= '16';
  const args = parse(argv);
  if (typeof args === 'string') {
    console.log(args);
    return 0;
  }
  let embedded: RunningFsmeta | undefined;
  let address = args.meta;
  if (address === undefined) {
    // Loaded only when needed: a mount of a remote fsmeta does not carry the server's start-up cost.
    const { createLogger, loadConfig, startFsmeta } = await import('@fsmeta/fsmeta');
    const config = loadConfig(['--listen', '127.0.0.1:0', '--metrics-port', '0']);
    embedded = await startFsmeta(config, createLogger(process.env.FSMETA_LOG_LEVEL ?? 'warn'));
    address = embedded.address;
    console.error(`fsmeta-mount: embedded fsmeta on ${address} (database in ${config.databaseUrl === '' ? config.dataDir : 'FSMETA_DATABASE_URL'})`);
  }
  let mounted: Mounted;
  try {
    mounted = await mount({
      mountpoint: args.mountpoint,
      metaAddress: address.split(','),
      dataDir: args.data,
      cacheBytes: args.cacheMib * (1 << 20),
      workerPeriodMs: args.workersMs,
      stopTimeoutMs: args.stopTimeoutMs,
      tls: args.tls,
      token: args.token,
    });
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
  console.error(`fsmeta-mount: mounted on ${args.mountpoint} (session ${mounted.sessionId}, data in ${args.data})`);
  let signals = 0;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    // The embedded PostgreSQL's package stops the database on these signals by itself; the
    // mount must go first (it flushes through fsmeta), so this process orders the shutdown.
    process.removeAllListeners(sig);
    process.on(sig, () => {
      signals++;
      console.error(`fsmeta-mount: ${sig}: ${signals === 1 ? 'unmounting' : 'unmounting now, without waiting for fsmeta'}`);
      void mounted.unmount(signals > 1);
    });
  }
  const result = await mounted.done;
  await embedded?.stop();
  console.error(`fsmeta-mount: unmounted${result.clean ? '' : ` (${result.lostBytes > 0 ? `${result.lostBytes} bytes lost` : 'nothing lost'}${result.sessionClosed ? '' : ', session left to expire'})`}`);
  return result.clean ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`fsmeta-mount: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
