#!/usr/bin/env node
import * as path from 'node:path';
import type { RunningFsmeta } from '@fsmeta/fsmeta';
import { mount, type Mounted } from './mount';

const USAGE = `usage: fsmeta-mount <mountpoint> [--meta <host:port>] [--data <dir>] [--cache-mib <n>]

Mounts the fsmeta volume at <mountpoint> (a FUSE file system; needs root) and stays in the
foreground until it is unmounted (umount <mountpoint>) or sent SIGTERM / SIGINT.

  --meta <host:port>   an fsmeta replica (or several, comma-separated); without it an embedded fsmeta is started, as
                       \`pnpm start\` does (its database in ./.fsmeta, FSMETA_* settings apply)
  --data <dir>         the local object store for file data (default ./.fsmeta/objects)
  --cache-mib <n>      block cache size in MiB (default 256)
  --workers-ms <n>     period of the slice deletion and compaction workers (default 5000)`;

interface Args {
  mountpoint: string;
  meta?: string;
  data: string;
  cacheMib: number;
  workersMs: number;
}

function parse(argv: string[]): Args | string {
  let mountpoint: string | undefined;
  let meta: string | undefined;
  let data = '.fsmeta/objects';
  let cacheMib = 256;
  let workersMs = 5000;
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
    else if (a === '--cache-mib') {
      cacheMib = Number(value());
      if (!Number.isInteger(cacheMib) || cacheMib < 0) throw new Error('--cache-mib: not a whole number');
    } else if (a === '--workers-ms') {
      workersMs = Number(value());
      if (!Number.isInteger(workersMs) || workersMs < 10) throw new Error('--workers-ms: not a whole number of at least 10');
    } else if (a.startsWith('--')) throw new Error(`unknown flag ${a}`);
    else if (mountpoint === undefined) mountpoint = a;
    else throw new Error(`unexpected argument "${a}"`);
  }
  if (mountpoint === undefined) throw new Error('a mountpoint is required');
  return { mountpoint: path.resolve(mountpoint), meta, data: path.resolve(data), cacheMib, workersMs };
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
    mounted = await mount({ mountpoint: args.mountpoint, metaAddress: address.split(','), dataDir: args.data, cacheBytes: args.cacheMib * (1 << 20), workerPeriodMs: args.workersMs });
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
  console.error(`fsmeta-mount: mounted on ${args.mountpoint} (session ${mounted.sessionId}, data in ${args.data})`);
  let stopping = false;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    // The embedded PostgreSQL's package stops the database on these signals by itself; the
    // mount must go first (it flushes through fsmeta), so this process orders the shutdown.
    process.removeAllListeners(sig);
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      console.error(`fsmeta-mount: ${sig}: unmounting`);
      void mounted.unmount();
    });
  }
  await mounted.done;
  await embedded?.stop();
  console.error('fsmeta-mount: unmounted');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`fsmeta-mount: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
