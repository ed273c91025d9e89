import { performance } from 'node:perf_hooks';
import { MetaClient, type Session, type Watcher } from '@fsmeta/client';
import { log, perSecond, runConcurrent, throughputLine, type LatencyLine, type Rate, type ThroughputLine } from './measure';
import { name } from './single-client';
import type { ThroughputParams } from './throughput';
import { describePerOp, type SqlStats } from './sql-stats';
import type { CpuShares } from './cpu';
import * as os from 'node:os';

/**
 * Client-side lines: cached vs uncached reads at one client, the change
 * feed's latency from a mutation's acknowledgement on one replica to a
 * watcher on another, and the feed's cost on 64-way creates.
 */

const ROOT = '1';
const ROOT_CALLER = { uid: 0, gid: 0, gids: [] };
/** Files the cached/uncached lines cycle over (all fit in the cache). */
const READ_SET = 64;
/** Samples of watch-invalidation (each waits for one delivery). */
const MAX_INVALIDATION_SAMPLES = 300;
/**
 * Watchers present during create@N-watch: half on each replica, unfiltered (each gets every change).
 * FSMETA_BENCH_WATCHERS=0 turns the line into an A/A run that shows the machine's noise.
 */
const WATCHERS = Number(process.env.FSMETA_BENCH_WATCHERS ?? 8);
/**
 * Rounds of create@N-watch (each a slice without watchers and one with, in ABBA order): more than
 * the other @N lines' 2, because the difference it measures is small against this machine's
 * round-to-round swings (single rounds ranged 540-930 ops/s in one run).
 */
const WATCH_ROUNDS = Number(process.env.FSMETA_BENCH_WATCH_ROUNDS ?? 6);

export interface ClientBenchContext {
  /** Address of the replica the other lines use, and of a second replica. */
  address: string;
  secondAddress: string;
  /** A plain session on the first replica. */
  main: Session;
  /** One session per throughput worker (first replica). */
  workers: Session[];
  n: number;
  throughput: ThroughputParams;
  wants(op: string): boolean;
  emit(line: LatencyLine | ThroughputLine): void;
  /** With FSMETA_BENCH_SQL_STATS=1: the first replica's statements so far (diagnostics). */
  sql?: () => Promise<SqlStats>;
  /** CPU time so far (µs) of the first replica's and the second replica's processes. */
  serverCpu(): Promise<[number, number]>;
  /** Starts measuring the machine's CPU split; the result gives it since then. */
  cpuShares(): () => CpuShares | undefined;
}

async function sequentialRate(n: number, op: (i: number) => Promise<unknown>): Promise<Rate> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await op(i);
  return { ops: n, ms: performance.now() - t0 };
}

async function waitUntil(ok: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Cached against uncached reads of the same files at one client (the uncached one asks the server every time). */
async function cachedReads(ctx: ClientBenchContext): Promise<void> {
  const cached = new MetaClient(ctx.secondAddress, { cache: true, atimeMode: 'noatime', deadlineMs: 60_000 });
  const plain = new MetaClient(ctx.secondAddress, { deadlineMs: 60_000 });
  try {
    await waitUntil(() => cached.watching, 10_000, 'the change feed');
    const [cs, ps] = [await cached.newSession(ROOT_CALLER, { hostName: 'bench-cached' }), await plain.newSession(ROOT_CALLER, { hostName: 'bench-plain' })];
    const dir = (await ctx.main.call('Mkdir', { parent: ROOT, name: name('bench-cache'), mode: 0o755, umask: 0 })).attr!.inode;
    const files: string[] = [];
    for (let i = 0; i < READ_SET; i++) files.push((await ctx.main.call('Mknod', { parent: dir, name: name(`f${i}`), mode: 0o644, umask: 0, type: 'FILE_TYPE_REGULAR' })).attr!.inode);
    // Let the feed deliver those creations before warming the cache (they would invalidate it).
    await new Promise((r) => setTimeout(r, 300));
    const n = Math.max(ctx.n, READ_SET * 4);
    for (const [op, call] of [
      ['getattr-cached', (s: Session, i: number) => s.call('GetAttr', { inode: files[i % READ_SET]! })],
      ['lookup-cached', (s: Session, i: number) => s.call('Lookup', { parent: dir, name: name(`f${i % READ_SET}`) })],
    ] as const) {
      if (!ctx.wants(op)) continue;
      await cs.call('GetAttr', { inode: dir });
      for (let i = 0; i < READ_SET; i++) await call(cs, i);
      const before = cached.cacheStats()!;
      const hit = await sequentialRate(n, (i) => call(cs, i));
      const miss = await sequentialRate(n, (i) => call(ps, i));
      const after = cached.cacheStats()!;
      const kind = op === 'getattr-cached' ? 'attr' : 'entry';
      log(`${op}: ${after[kind]!.hits - before[kind]!.hits} hits, ${after[kind]!.misses - before[kind]!.misses} misses in ${n} calls`);
      ctx.emit(throughputLine(op, [hit], op.replace('-cached', '-uncached'), [miss]));
    }
  } finally {
    await cached.close();
    await plain.close();
  }
}

function percentile(sorted: number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** From SetAttr acknowledged on the first replica to the change arriving at a watcher of the second. */
async function invalidationLatency(ctx: ClientBenchContext): Promise<void> {
  const watcherClient = new MetaClient(ctx.secondAddress, { deadlineMs: 60_000 });
  const f = (await ctx.main.call('Mknod', { parent: ROOT, name: name('bench-watch-f'), mode: 0o644, umask: 0, type: 'FILE_TYPE_REGULAR' })).attr!.inode;
  const watcher = watcherClient.watch({ inodes: [f] });
  let arrived = 0;
  let arrivedAt = 0;
  watcher.on('batch', (b: { changes: { inode: string }[] }) => {
    if (b.changes.some((c) => c.inode === f)) {
      arrived++;
      arrivedAt = performance.now();
    }
  });
  try {
    await waitUntil(() => watcher.connected && watcher.position !== '', 10_000, 'the watcher');
    const n = Math.min(ctx.n, MAX_INVALIDATION_SAMPLES);
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const want = arrived + 1;
      await ctx.main.call('SetAttr', { inode: f, set: 1, mode: i % 2 === 0 ? 0o600 : 0o644 });
      const acked = performance.now();
      await waitUntil(() => arrived >= want, 10_000, 'the invalidation');
      samples.push(Math.max(0, arrivedAt - acked));
    }
    samples.sort((a, b) => a - b);
    const mean = samples.reduce((s, x) => s + x, 0) / n;
    const us = (ms: number): number => Math.round(ms * 10_000) / 10;
    ctx.emit({ op: 'watch-invalidation', n, usPerOp: us(mean), p50Us: us(percentile(samples, 50)), p99Us: us(percentile(samples, 99)) });
  } finally {
    watcher.close();
    await watcherClient.close();
  }
}

/** create@N with WATCHERS watchers following the feed against the same creates with none, rounds alternating. */
async function createWithWatchers(ctx: ClientBenchContext): Promise<void> {
  const t = ctx.throughput;
  const op = `create@${t.concurrency}-watch`;
  const top = (await ctx.main.call('Mkdir', { parent: ROOT, name: name('bench-create-watch'), mode: 0o755, umask: 0 })).attr!.inode;
  const dirs = await Promise.all(
    ctx.workers.map(async (s, w) => (await s.call('Mkdir', { parent: top, name: name(`w${w}`), mode: 0o755, umask: 0 })).attr!.inode),
  );
  const seq = ctx.workers.map(() => 0);
  const create = (w: number): Promise<unknown> =>
    ctx.workers[w]!.call('Create', { parent: dirs[w]!, name: name(`f${seq[w]!++}`), mode: 0o644, umask: 0o022, flags: 0 });
  const clients = [new MetaClient(ctx.address, { deadlineMs: 60_000 }), new MetaClient(ctx.secondAddress, { deadlineMs: 60_000 })];
  let delivered = 0;
  const startWatchers = async (): Promise<Watcher[]> => {
    const ws = Array.from({ length: WATCHERS }, (_, i) => clients[i % 2]!.watch({}));
    for (const w of ws) w.on('batch', (b: { changes: unknown[] }) => (delivered += b.changes.length));
    await waitUntil(() => ws.every((w) => w.connected), 10_000, 'the watchers');
    if (ws.length === 0) await new Promise((r) => setTimeout(r, 20));
    return ws;
  };
  try {
    const sliceMs = (t.seconds * 1000) / t.rounds;
    await runConcurrent(t.concurrency, t.warmupSeconds * 1000, create);
    const base: Rate[] = [];
    const subject: Rate[] = [];
    const sql = { base: [{}, {}] as SqlStats[], subject: [{}, {}] as SqlStats[] };
    const delta = (into: SqlStats[], from: SqlStats, to: SqlStats): void => {
      for (const [k, v] of Object.entries(to)) {
        const b = from[k] ?? { n: 0, ms: 0, rt: 0 };
        const acc = (into[1]![k] ??= { n: 0, ms: 0, rt: 0 });
        acc.n += v.n - b.n;
        acc.ms += v.ms - b.ms;
        acc.rt += v.rt - b.rt;
      }
    };
    // Where the CPU goes in each half: µs of each replica, this process (workers + watchers), PostgreSQL, others.
    const cpu = { base: [0, 0, 0, 0, 0], subject: [0, 0, 0, 0, 0] };
    const half = async (into: number[], sqlInto: SqlStats[]): Promise<Rate> => {
      const s0 = (await ctx.sql?.()) ?? {};
      const [a0, b0] = await ctx.serverCpu();
      const c0 = process.cpuUsage();
      const shares = ctx.cpuShares();
      const rate = await runConcurrent(t.concurrency, sliceMs, create);
      const split = shares();
      const c1 = process.cpuUsage(c0);
      const [a1, b1] = await ctx.serverCpu();
      delta(sqlInto, s0, (await ctx.sql?.()) ?? {});
      into[0]! += a1 - a0;
      into[1]! += b1 - b0;
      into[2]! += c1.user + c1.system;
      const machineUs = rate.ms * 1000 * os.cpus().length;
      into[3]! += (split?.postgres ?? 0) * machineUs;
      // "other" holds the second replica too (the split knows one server).
      into[4]! += Math.max(0, (split?.other ?? 0) * machineUs - (b1 - b0));
      return rate;
    };
    // Rounds in ABBA order: creates slow down as the directories fill, which would otherwise favour
    // whichever half always runs first (an A/A run in AB order measured 0.92).
    for (let r = 0; r < WATCH_ROUNDS; r++) {
      if (r % 2 === 0) base.push(await half(cpu.base, sql.base));
      const ws = await startWatchers();
      subject.push(await half(cpu.subject, sql.subject));
      for (const w of ws) w.close();
      if (r % 2 === 1) base.push(await half(cpu.base, sql.base));
    }
    const fmt = (rates: Rate[]): string => rates.map((x) => Math.round((x.ops * 1000) / x.ms)).join(', ');
    log(`${op}: rounds with watchers [${fmt(subject)}] without [${fmt(base)}] ops/s`);
    const perCreate = (c: number[], rates: Rate[]): string => {
      const n = rates.reduce((a, x) => a + x.ops, 0);
      const [first, second, bench, pg, other] = c.map((x) => Math.round(x / n));
      return `first replica ${first}, second ${second}, bench process ${bench}, postgres ${pg} (other processes ${other})`;
    };
    log(`${op}: CPU µs per create without watchers: ${perCreate(cpu.base, base)}`);
    log(`${op}: CPU µs per create with watchers:    ${perCreate(cpu.subject, subject)}`);
    if (ctx.sql !== undefined) {
      const ops = (rates: Rate[]): number => rates.reduce((n, x) => n + x.ops, 0);
      log(`${op} first replica without watchers: ${describePerOp({}, sql.base[1]!, ops(base))}`);
      log(`${op} first replica with watchers: ${describePerOp({}, sql.subject[1]!, ops(subject))}`);
    }
    log(`${op}: ${Math.round(perSecond(subject))} ops/s with ${WATCHERS} watchers (${delivered} changes delivered), ${Math.round(perSecond(base))} without`);
    ctx.emit(throughputLine(op, subject, `create@${t.concurrency} (no watcher)`, base));
  } finally {
    for (const c of clients) await c.close();
  }
}

export async function clientBench(ctx: ClientBenchContext): Promise<void> {
  if (ctx.wants('getattr-cached') || ctx.wants('lookup-cached')) await cachedReads(ctx);
  if (ctx.wants('watch-invalidation')) await invalidationLatency(ctx);
  if (ctx.wants(`create@${ctx.throughput.concurrency}-watch`)) await createWithWatchers(ctx);
}
