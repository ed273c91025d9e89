import { Client } from 'pg';
import { performance } from 'node:perf_hooks';

/**
 * Diagnostics for FSMETA_BENCH_SQL_STATS=1 (pg_stat_statements is not always
 * there): counts every statement the server process sends, i.e. every round
 * trip to PostgreSQL, and its time from send to reply, keyed by the
 * statement's name (or its first words).
 */
export interface StatementStats {
  n: number;
  ms: number;
  /** Of the n, how many waited for an answer on their own: sent while nothing else was in flight on their connection (pg pipelining sends BEGIN with the first statement and COMMIT with the last). */
  rt: number;
}

export type SqlStats = Record<string, StatementStats>;

type QueryFn = (...args: unknown[]) => unknown;

const LISTENER_PREFIX = 'listener: ';

function keyOf(config: unknown): string {
  if (typeof config === 'string') return config.replace(/\s+/g, ' ').slice(0, 40);
  const c = config as { name?: string; text?: string };
  return c.name ?? (c.text ?? '?').replace(/\s+/g, ' ').slice(0, 40);
}

/** Patches pg's Client.query (which Pool.query also uses) in this process. */
export function installSqlStats(): () => SqlStats {
  const stats = new Map<string, StatementStats>();
  const inFlight = new WeakMap<Client, number>();
  const record = (key: string, t0: number, own: boolean, client: Client): void => {
    const s = stats.get(key) ?? { n: 0, ms: 0, rt: 0 };
    s.n++;
    if (own) s.rt++;
    s.ms += performance.now() - t0;
    stats.set(key, s);
    inFlight.set(client, (inFlight.get(client) ?? 1) - 1);
  };
  const proto = Client.prototype as unknown as { query: QueryFn };
  const original = proto.query;
  proto.query = function (this: Client, ...args: unknown[]): unknown {
    // The change feed's and file locks' LISTEN/NOTIFY connection is off every RPC's path: kept apart from the totals.
    const listener = (this as unknown as { connectionParameters?: { application_name?: string } }).connectionParameters?.application_name === 'fsmeta-listener';
    const key = `${listener ? LISTENER_PREFIX : ''}${keyOf(args[0])}`;
    const t0 = performance.now();
    const pending = inFlight.get(this) ?? 0;
    inFlight.set(this, pending + 1);
    const own = pending === 0;
    const client = this as Client;
    const last = args.length - 1;
    const cb = args[last];
    if (typeof cb === 'function') {
      args[last] = (...res: unknown[]) => {
        record(key, t0, own, client);
        return (cb as QueryFn)(...res);
      };
      return original.apply(this, args);
    }
    const out = original.apply(this, args);
    if (out instanceof Promise) {
      return out.finally(() => record(key, t0, own, client));
    }
    // A Submittable (e.g. a cursor) reports its own completion; count it without a time.
    record(key, t0, own, client);
    return out;
  };
  return () => Object.fromEntries(stats);
}

/** What the statements of one phase cost per operation, most round trips first. */
export function describePerOp(before: SqlStats, after: SqlStats, ops: number): string {
  const rows: [string, number, number][] = [];
  let total = 0;
  let totalRt = 0;
  let totalMs = 0;
  for (const [key, s] of Object.entries(after)) {
    const b = before[key] ?? { n: 0, ms: 0, rt: 0 };
    const n = s.n - b.n;
    if (n === 0) continue;
    const ms = s.ms - b.ms;
    rows.push([key, n / ops, (ms / n) * 1000]);
    if (key.startsWith(LISTENER_PREFIX)) continue;
    total += n;
    totalRt += s.rt - b.rt;
    totalMs += ms;
  }
  rows.sort((a, b) => b[1] - a[1]);
  const parts = rows.map(([k, perOp, us]) => `${k} x${perOp.toFixed(2)} @${us.toFixed(0)}us`);
  return `${(totalRt / ops).toFixed(2)} round trips/op (${(total / ops).toFixed(2)} statements), ${((totalMs / ops) * 1000).toFixed(0)}us/op in SQL: ${parts.join('; ')}`;
}
