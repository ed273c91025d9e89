import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig, redact } from '../config';
import { createLogger } from '../app';
import { createMeta, type Meta } from '../meta';
import { Db } from '../store/db';
import { startEmbedded, type EmbeddedDatabase } from '../store/embedded';
import { migrate } from '../store/migrate';

/** Where a subcommand writes: stdout for results, stderr for progress and warnings. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** True when stderr is a terminal: progress bars are drawn only then. */
  interactive: boolean;
  /** The stream progress bars draw on (stderr). */
  progressStream?: NodeJS.WriteStream;
}

export const PROCESS_IO: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  interactive: process.stderr.isTTY === true,
  progressStream: process.stderr,
};

/** Exit codes of every subcommand. */
export const EXIT_OK = 0;
/** The command ran and found something wrong (fsck problems, sessions not found, ...). */
export const EXIT_PROBLEMS = 1;
/** Bad usage or configuration: nothing was done. */
export const EXIT_USAGE = 2;
/** The command could not do its work (database unreachable, bad input file). */
export const EXIT_FAILED = 3;

/** An error that deserves one clear line and a given exit code, not a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILED,
  ) {
    super(message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every subcommand that reads the database takes. */
export const DB_OPTIONS: Options = {
  'database-url': { type: 'string' },
  data: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export const DB_OPTIONS_HELP = `  --database-url URL  PostgreSQL URL (env FSMETA_DATABASE_URL); without it the embedded PostgreSQL in --data
  --data DIR          data directory of the embedded PostgreSQL (env FSMETA_DATA, default .fsmeta)
  --json              print one JSON document instead of text
  -h, --help          show this text`;

export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** A subcommand: its help text and what it does. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Options;
  run(ctx: CommandContext, args: Parsed): Promise<number>;
}

/** What a subcommand gets: parsed flags, output, and a connection opened on first use. */
export interface CommandContext {
  io: CliIo;
  json: boolean;
  /** The database (migrated), opened on first use and closed after the command. */
  connect(): Promise<Admin>;
  /** Prints a JSON document (bigints as decimal strings) on stdout. */
  printJson(value: unknown): void;
}

export interface Admin {
  db: Db;
  meta: Meta;
  url: string;
}

export function parse(command: Command, argv: string[]): Parsed {
  try {
    return parseArgs({ args: argv, options: command.options, allowPositionals: true, strict: true }) as Parsed;
  } catch (err) {
    throw new CliError(`${err instanceof Error ? err.message : String(err)} (see fsmeta ${command.name} --help)`, EXIT_USAGE);
  }
}

export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return Buffer.from((value as { data: number[] }).data).toString('base64');
  }
  return value;
}

/** Runs one command: parses its flags, opens the database on demand, always closes it. */
export async function runCommand(command: Command, argv: string[], io: CliIo): Promise<number> {
  const args = parse(command, argv);
  if (args.values.help === true) {
    io.out(command.usage);
    return EXIT_OK;
  }
  let admin: Admin | undefined;
  let embedded: EmbeddedDatabase | undefined;
  const ctx: CommandContext = {
    io,
    json: args.values.json === true,
    printJson: (value) => io.out(JSON.stringify(value, jsonReplacer, 2)),
    async connect() {
      if (admin !== undefined) return admin;
      const flags: string[] = [];
      if (typeof args.values['database-url'] === 'string') flags.push(`--database-url=${args.values['database-url']}`);
      if (typeof args.values.data === 'string') flags.push(`--data=${args.values.data}`);
      const config = loadConfig(flags);
      let url = config.databaseUrl;
      if (url === '') {
        embedded = await startEmbedded(config.dataDir, () => undefined);
        url = embedded.url;
      }
      try {
        await migrate(url);
      } catch (err) {
        throw new CliError(`database ${redact(url)}: ${err instanceof Error ? err.message : String(err)}`);
      }
      const log = createLogger(process.env.FSMETA_LOG_LEVEL ?? 'warn');
      const db = new Db({ connectionString: url, poolSize: 4, lockTimeoutMs: config.lockTimeoutMs, statementTimeoutMs: 0 }, log);
      const meta = createMeta({
        db,
        log,
        options: {
          heartbeatMs: config.heartbeatMs,
          sessionTtlMs: config.heartbeatMs * 5,
          atimeMode: 'noatime',
          skipDirMtimeNs: BigInt(config.skipDirMtimeMs) * 1_000_000n,
          readdirDefaultLimit: 1000,
          readdirMaxLimit: 10000,
          watchPollMs: config.watchPollMs,
        },
      });
      admin = { db, meta, url };
      return admin;
    },
  };
  try {
    return await command.run(ctx, args);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, EXIT_USAGE);
    throw err;
  } finally {
    await admin?.db.close();
    await embedded?.stop();
  }
}

/** Parses a positive 64-bit inode number given on the command line. */
export function parseInode(v: string, what = 'inode'): bigint {
  if (!/^\d{1,20}$/.test(v) || BigInt(v) === 0n || BigInt(v) >= 1n << 64n) throw new CliError(`"${v}" is not an ${what} number`, EXIT_USAGE);
  return BigInt(v);
}

/** 1536 -> "1.5 KiB". */
export function bytes(n: bigint | number): string {
  let v = Number(n);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** Left-aligned text table. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)];
}
