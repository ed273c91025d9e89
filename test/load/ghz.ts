import * as grpc from '@grpc/grpc-js';
import { META_SERVICE, loadPackageDefinition } from '@fsmeta/proto';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';

/**
 * `pnpm load <config>`: runs a ghz config file (deploy/ghz/*.json) with a Node load generator, for
 * machines without ghz, and prints a ghz-style summary (count, rps, latency histogram and
 * percentiles, status distribution). Supported config keys: call, host, insecure, concurrency,
 * total, duration, timeout, data, metadata; data templates {{.RequestNumber}}, {{.WorkerID}},
 * {{.TimestampUnix}}, {{.TimestampUnixMilli}}, {{.TimestampUnixNano}}, {{.UUID}}, {{newUUID}}.
 * A `session_id` of "0" (ctx.session_id, or Heartbeat's) is replaced by a session each worker
 * opens first (with ghz, put a live session id there: see deploy/ghz/README.md).
 */

export interface GhzConfig {
  call: string;
  host: string;
  insecure?: boolean;
  concurrency?: number;
  total?: number;
  duration?: string;
  timeout?: string;
  data?: unknown;
  metadata?: Record<string, string>;
}

export interface LoadResult {
  count: number;
  totalMs: number;
  latenciesMs: number[];
  statuses: Map<string, number>;
  errors: Map<string, number>;
}

const DEFAULT_CONCURRENCY = 50;
const DEFAULT_TOTAL = 200;

function parseDuration(v: string | undefined, what: string): number | undefined {
  if (v === undefined || v === '' || v === '0') return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v);
  if (m === null) throw new Error(`${what}: "${v}" is not a duration like 500ms, 10s, 1m`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

/** The method name of `fsmeta.v1.Meta.GetAttr` or `fsmeta.v1.Meta/GetAttr`. */
export function methodOf(call: string): string {
  const m = /^(.+)[./]([A-Za-z0-9_]+)$/.exec(call);
  if (m === null || m[1] !== META_SERVICE) throw new Error(`call: "${call}" is not a method of ${META_SERVICE}`);
  return m[2]!;
}

const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** ghz data (JSON names or proto names) as the loader expects it, templates filled in. */
export function expand(v: unknown, vars: Record<string, string>): unknown {
  if (typeof v === 'string') {
    return v.replace(/\{\{\s*(\.[A-Za-z]+|newUUID)\s*\}\}/g, (all, name: string) => (name === 'newUUID' || name === '.UUID' ? randomUUID() : vars[name] ?? all));
  }
  if (Array.isArray(v)) return v.map((x) => expand(x, vars));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), expand(x, vars)]));
  return v;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

type Unary = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: unknown) => void) => void;

export async function runLoad(config: GhzConfig, overrides: { total?: number; concurrency?: number } = {}): Promise<LoadResult> {
  const method = methodOf(config.call);
  const def = loadPackageDefinition();
  const Client = grpc.makeGenericClientConstructor(def[META_SERVICE] as grpc.ServiceDefinition, 'Meta');
  const creds = config.insecure === false ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
  const client = new Client(config.host, creds) as unknown as Record<string, Unary> & grpc.Client;
  if (typeof client[method] !== 'function') throw new Error(`call: ${config.call} is not a method of ${META_SERVICE}`);
  const call = (name: string, req: unknown, deadlineMs: number | undefined) =>
    new Promise<{ code: number; res?: unknown; message?: string }>((resolve) => {
      const md = new grpc.Metadata();
      for (const [k, v] of Object.entries(config.metadata ?? {})) md.set(k, v);
      const opts: grpc.CallOptions = deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
      client[name]!.call(client, req, md, opts, (err, res) => resolve(err === null ? { code: grpc.status.OK, res } : { code: err.code, message: err.details }));
    });
  const total = overrides.total ?? config.total ?? DEFAULT_TOTAL;
  const concurrency = Math.max(1, Math.min(overrides.concurrency ?? config.concurrency ?? DEFAULT_CONCURRENCY, total));
  const durationMs = parseDuration(config.duration, 'duration');
  const timeoutMs = parseDuration(config.timeout, 'timeout') ?? 20_000;
  const result: LoadResult = { count: 0, totalMs: 0, latenciesMs: [], statuses: new Map(), errors: new Map() };
  const needsSession = JSON.stringify(config.data ?? {}).match(/"session_?[iI]d"\s*:\s*"0"/) !== null;
  let issued = 0;
  const started = performance.now();
  const worker = async (id: number) => {
    let session = '0';
    if (needsSession) {
      const r = await call('NewSession', { info: { hostName: os.hostname(), processId: process.pid, version: 'fsmeta-load' } }, timeoutMs);
      if (r.code !== grpc.status.OK) throw new Error(`NewSession for worker ${id}: ${grpc.status[r.code]} ${r.message ?? ''}`);
      session = (r.res as { sessionId: string }).sessionId;
    }
    for (;;) {
      if (durationMs !== undefined ? performance.now() - started >= durationMs : issued >= total) return;
      const n = issued++;
      const now = Date.now();
      const vars = {
        '.RequestNumber': String(n), '.WorkerID': String(id), '.TimestampUnix': String(Math.floor(now / 1000)),
        '.TimestampUnixMilli': String(now), '.TimestampUnixNano': `${now}000000`,
      };
      let data = expand(config.data ?? {}, vars);
      if (needsSession) data = JSON.parse(JSON.stringify(data).replace(/("sessionId"\s*:\s*)"0"/g, `$1"${session}"`));
      const t0 = performance.now();
      const r = await call(method, data, timeoutMs);
      result.latenciesMs.push(performance.now() - t0);
      result.count++;
      const code = grpc.status[r.code] ?? String(r.code);
      result.statuses.set(code, (result.statuses.get(code) ?? 0) + 1);
      if (r.code !== grpc.status.OK) result.errors.set(`${code}: ${r.message ?? ''}`, (result.errors.get(`${code}: ${r.message ?? ''}`) ?? 0) + 1);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
  } finally {
    result.totalMs = performance.now() - started;
    // Not client.close(): the generated stub of the Close RPC shadows it.
    grpc.Client.prototype.close.call(client);
  }
  return result;
}

const ms = (v: number) => `${v.toFixed(2)} ms`;

/** The summary as ghz prints it. */
export function summary(r: LoadResult): string {
  const sorted = [...r.latenciesMs].sort((a, b) => a - b);
  const lines = ['', 'Summary:', `  Count:\t${r.count}`, `  Total:\t${ms(r.totalMs)}`];
  if (sorted.length > 0) {
    lines.push(`  Slowest:\t${ms(sorted[sorted.length - 1]!)}`, `  Fastest:\t${ms(sorted[0]!)}`, `  Average:\t${ms(sorted.reduce((a, b) => a + b, 0) / sorted.length)}`);
  }
  lines.push(`  Requests/sec:\t${(r.count / (r.totalMs / 1000)).toFixed(2)}`, '', 'Response time histogram:');
  if (sorted.length > 0) {
    const lo = sorted[0]!;
    const hi = sorted[sorted.length - 1]!;
    const BUCKETS = 10;
    const step = (hi - lo) / BUCKETS || 1;
    const counts = new Array<number>(BUCKETS + 1).fill(0);
    for (const v of sorted) counts[Math.min(BUCKETS, Math.floor((v - lo) / step))]!++;
    const max = Math.max(...counts);
    counts.forEach((c, i) => lines.push(`  ${(lo + i * step).toFixed(3)} [${c}]\t|${'∎'.repeat(Math.round((c / max) * 40))}`));
  }
  lines.push('', 'Latency distribution:');
  for (const p of [10, 25, 50, 75, 90, 95, 99]) lines.push(`  ${p} % in ${ms(percentile(sorted, p))}`);
  lines.push('', 'Status code distribution:');
  for (const [code, n] of [...r.statuses].sort((a, b) => b[1] - a[1])) lines.push(`  [${code}]\t${n} responses`);
  if (r.errors.size > 0) {
    lines.push('', 'Error distribution:');
    for (const [e, n] of r.errors) lines.push(`  [${n}]\t${e}`);
  }
  return `${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const file = argv[0];
  if (file === undefined || file === '--help' || file === '-h') {
    console.log('usage: pnpm load <ghz-config.json> [--total N] [--concurrency N] [--host host:port]');
    return file === undefined ? 2 : 0;
  }
  const config = JSON.parse(fs.readFileSync(file, 'utf8')) as GhzConfig;
  const overrides: { total?: number; concurrency?: number } = {};
  for (let i = 1; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--total') overrides.total = Number(value);
    else if (flag === '--concurrency') overrides.concurrency = Number(value);
    else if (flag === '--host') config.host = value;
    else throw new Error(`unknown flag ${flag}`);
  }
  process.stdout.write(summary(await runLoad(config, overrides)));
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`load: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
