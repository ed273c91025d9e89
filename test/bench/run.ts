import * as grpc from '@grpc/grpc-js';
import { FsmetaError, MetaClient, type Session } from '@fsmeta/client';
import { SERVER_NODE_FLAGS, loadConfig } from '@fsmeta/fsmeta';
import { fork, type ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTestDatabase, discoverDatabase, prepareTemplate } from '../harness/database';
import { HealthCheck } from './baselines';
import { FloorClient, floorOf, type FloorKind } from './floor';
import { REPLICA_CASES, replicaLines, type Replica } from './replicas';
import { clientBench } from './client';
import { LOCK_LINES, lockHandover } from './locks';
import { QUOTA_THROUGHPUT, summaryLines } from './quotas';
import { OTHER_CPU_WARNING, cpuShares, cpuSplit, type CpuShares } from './cpu';
import { emit as emitLine, latencyLine, log, perSecond, round, runConcurrent, timeSamples, type LatencyLine, type ThroughputLine } from './measure';
import { mountLines } from './mount';
import { describePerOp, type SqlStats } from './sql-stats';
import { DATA_LINES, NAMESPACE_LINES, timed, type LineRunner, type SingleParams } from './single-client';
import { THROUGHPUT_CASES, measureThroughput, type FloorTally, type ThroughputParams } from './throughput';

/**
 * `pnpm bench`: a fresh database (found as the tests find theirs), one fsmeta
 * server in a child process, then single-client latency lines and
 * 64-way throughput lines, one JSON object per line on stdout. See
 * docs/benchmarks.md.
 */

const ROOT_CALLER = { uid: 0, gid: 0, gids: [] };
const CLIENT_DEADLINE_MS = 60_000;

function envNumber(key: string, def: number, min: number, max: number, integer = true): number {
  const raw = process.env[key];
  if (raw === undefined || raw === '') return def;
  const v = Number(raw);
  if (!Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
    throw new Error(`${key}: "${raw}" is not a${integer ? ' whole' : ''} number in ${min}..${max}`);
  }
  return v;
}

interface Params {
  single: SingleParams;
  throughput: ThroughputParams;
  poolSize: number;
  /** Ops to run (e.g. "mkdir,getattr@64"); empty runs all. */
  only: Set<string>;
  serverNodeArgs: string[];
  /** Replica counts of the throughput-versus-replicas lines. */
  replicas: number[];
}

function params(): Params {
  const n = envNumber('FSMETA_BENCH_N', 1000, 1, 1_000_000);
  return {
    single: { n, warmup: envNumber('FSMETA_BENCH_WARMUP', Math.min(50, n), 0, 1_000_000) },
    throughput: {
      concurrency: envNumber('FSMETA_BENCH_CONCURRENCY', 64, 1, 4096),
      seconds: envNumber('FSMETA_BENCH_SECONDS', 3, 0.1, 3600, false),
      warmupSeconds: envNumber('FSMETA_BENCH_WARMUP_SECONDS', 0.5, 0, 3600, false),
      rounds: envNumber('FSMETA_BENCH_ROUNDS', 2, 1, 100),
    },
    // The direct-PostgreSQL baseline must use a pool as large as the server's.
    poolSize: envNumber('FSMETA_BENCH_POOL_SIZE', loadConfig([], {}).poolSize, 1, 1000),
    only: new Set((process.env.FSMETA_BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')),
    // As a deployed replica runs (SERVER_NODE_FLAGS), plus any given for a diagnosis (e.g. --cpu-prof).
    serverNodeArgs: [...SERVER_NODE_FLAGS, ...(process.env.FSMETA_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((s) => s !== '')],
    replicas: (process.env.FSMETA_BENCH_REPLICAS ?? '1,2,3').split(',').filter((x) => x.trim() !== '').map((x) => {
      const v = Number(x);
      if (!Number.isInteger(v) || v < 1 || v > 16) throw new Error(`FSMETA_BENCH_REPLICAS: "${x}" is not a replica count in 1..16`);
      return v;
    }),
  };
}

interface ServerProcess {
  address: string;
  pid: number;
  /** The process's CPU time so far (µs, user + system). */
  cpu(): Promise<number>;
  retries(): Promise<Record<string, number>>;
  sql(): Promise<SqlStats>;
  stop(): Promise<void>;
}

function startServerProcess(databaseUrl: string, poolSize: number, nodeArgs: string[], script = 'server-process.js'): Promise<ServerProcess> {
  const child: ChildProcess = fork(path.join(__dirname, script), [databaseUrl, String(poolSize)], {
    // The server's logs are logs: its stdout goes to our stderr.
    stdio: ['ignore', 2, 2, 'ipc'],
    execArgv: nodeArgs,
    env: { ...process.env, FSMETA_TEST_LOG_LEVEL: process.env.FSMETA_BENCH_LOG_LEVEL ?? 'warn' },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server process exited with ${code} before listening`)));
    child.once('message', (msg) => {
      const address = (msg as { address?: string }).address;
      if (address === undefined) return reject(new Error('server process sent no address'));
      resolve({
        address,
        pid: child.pid!,
        cpu: () => ask<number>(child, 'cpu'),
        retries: () => ask<Record<string, number>>(child, 'retries'),
        sql: () => ask<SqlStats>(child, 'sql'),
        async stop() {
          if (child.exitCode === null) child.send('stop');
          await exited;
        },
      });
    });
  });
}

/** One request to the server process, answered with `{ [what]: value }`. */
function ask<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve((m as Record<string, T>)[what]!));
    child.send(what);
  });
}

function isUnimplemented(err: unknown): boolean {
  return err instanceof FsmetaError && err.code === grpc.status.UNIMPLEMENTED;
}

function retryDelta(before: Record<string, number>, after: Record<string, number>): string {
  const parts = Object.entries(after)
    .map(([code, n]) => [code, n - (before[code] ?? 0)] as const)
    .filter(([, d]) => d > 0)
    .map(([code, d]) => `${code}:${d}`);
  return parts.length === 0 ? 'none' : parts.join(' ');
}

/**
 * Keeps sessions alive through the run (they expire after 5 missed
 * heartbeats). One heartbeat at a time, so they never arrive as a burst.
 */
function heartbeats(sessions: Session[], everyMs: number): () => void {
  let stopped = false;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void (async () => {
      for (const s of [...sessions]) {
        if (stopped) break;
        await s.heartbeat().catch((err: unknown) => log(`heartbeat failed: ${String(err)}`));
      }
      running = false;
    })();
  }, everyMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/** Says so on stderr when other processes took a noticeable share of the CPU during a phase. */
function warnIfBusy(op: string, end: () => CpuShares | undefined): void {
  const c = end();
  if (c !== undefined && c.other > OTHER_CPU_WARNING) {
    log(`warning: other processes used ${Math.round(100 * c.other)}% of the CPU during ${op}; its numbers are skewed`);
  }
}

/** At most this many floor calls right after each single-client line (the line's own floor, against drift). */
const FLOOR_N = 300;
const FLOOR_WARMUP = 10;

/**
 * The floors of one run: the floor client, every single-client floor sample
 * (pooled into the floors' own lines), and the floors' rates at 64 in flight.
 */
class Floors {
  readonly samples: Record<FloorKind, number[]> = { 'floor-read': [], 'floor-write': [] };
  readonly cpuUs: Record<FloorKind, number> = { 'floor-read': 0, 'floor-write': 0 };
  readonly latest: Partial<Record<FloorKind, LatencyLine>> = {};
  readonly at64: Record<FloorKind, FloorTally> = { 'floor-read': { rates: [], cpuUs: 0 }, 'floor-write': { rates: [], cpuUs: 0 } };

  constructor(
    readonly client: FloorClient,
    readonly server: ServerProcess,
    private readonly n: number,
  ) {}

  /** Times the floor `kind` (`n` calls, FLOOR_N by default); the line is also pooled for the floor's own line. */
  async measure(kind: FloorKind, n = Math.min(this.n, FLOOR_N)): Promise<LatencyLine> {
    for (let i = 0; i < Math.min(FLOOR_WARMUP, n); i++) await this.client.call(kind);
    const c0 = await this.server.cpu();
    const samples = await timeSamples(n, () => this.client.call(kind));
    this.cpuUs[kind] += (await this.server.cpu()) - c0;
    this.samples[kind].push(...samples);
    const line = latencyLine(kind, samples);
    this.latest[kind] = line;
    return line;
  }

  /** The floors' own single-client lines, from every sample taken in the run. */
  lines(): LatencyLine[] {
    return (['floor-read', 'floor-write'] as const)
      .filter((k) => this.samples[k].length > 0)
      .map((k) => ({ ...latencyLine(k, this.samples[k]), serverCpuUsPerOp: round(this.cpuUs[k] / this.samples[k].length, 1) }));
  }

  /** The floors' own @64 lines. */
  lines64(concurrency: number): ThroughputLine[] {
    return (['floor-read', 'floor-write'] as const)
      .filter((k) => this.at64[k].rates.length > 0)
      .map((k) => {
        const t = this.at64[k];
        const ops = t.rates.reduce((s, r) => s + r.ops, 0);
        const rate = Math.round(perSecond(t.rates));
        return { op: `${k}@${concurrency}`, opsPerSec: rate, baseline: `${k}@${concurrency}`, baselineOpsPerSec: rate, ratio: 1, serverCpuUsPerOp: round(t.cpuUs / Math.max(1, ops), 1) };
      });
  }

  /**
   * Adds the floor fields to a line measured elsewhere (quota, summary,
   * client lines): the latest floor measured, or the floor's rate at 64.
   */
  annotate(line: LatencyLine | ThroughputLine): LatencyLine | ThroughputLine {
    if ('p50Us' in line) {
      if (line.floor !== undefined || line.op.startsWith('floor-')) return line;
      const kind = floorOf(line.op);
      const f = this.latest[kind];
      return f === undefined ? line : { ...line, floor: kind, p50Ratio: round(line.p50Us / f.p50Us, 3), meanRatio: round(line.usPerOp / f.usPerOp, 3) };
    }
    if (line.baseline.startsWith('floor-') || line.op.startsWith('floor-') || line.replicas !== undefined) return line;
    const at = line.op.indexOf('@');
    if (at < 0) return line;
    const concurrency = line.op.slice(at + 1).split('-')[0];
    const kind = floorOf(line.op);
    const rates = this.at64[kind].rates;
    if (rates.length === 0) return line;
    const floorRate = perSecond(rates);
    return { ...line, floor: `${kind}@${concurrency}`, floorRatio: round(line.opsPerSec / floorRate, 3) };
  }
}

/** CPU of the server process during the timed loop of the current line (set by the `around` hooks). */
let lineCpuUs: number | undefined;

/**
 * One single-client line: run (its timed loop's server CPU through the
 * `around` hooks), then its floor right after, then the line with `floor`,
 * `p50Ratio`, `meanRatio` and `serverCpuUsPerOp`.
 */
async function measureSingle(op: string, floors: Floors, run: () => Promise<LatencyLine>): Promise<void> {
  lineCpuUs = undefined;
  const line = await run();
  const cpuUs = lineCpuUs as number | undefined;
  const kind = floorOf(op);
  const f = await floors.measure(kind);
  emitLine({
    ...line,
    floor: kind,
    p50Ratio: round(line.p50Us / f.p50Us, 3),
    meanRatio: round(line.usPerOp / f.usPerOp, 3),
    ...(cpuUs === undefined ? {} : { serverCpuUsPerOp: round(cpuUs / line.n, 1) }),
  });
}

async function runLines(s: Session, p: Params, serverPid: number, database: string, lines: [string, LineRunner][], optional: boolean, floors: Floors): Promise<void> {
  for (const [op, run] of lines) {
    if (p.only.size > 0 && !p.only.has(op)) continue;
    try {
      const cpu = cpuShares(serverPid, database);
      await measureSingle(op, floors, () => run(s, p.single));
      warnIfBusy(op, cpu);
    } catch (err) {
      if (!optional || !isUnimplemented(err)) throw err;
      log(`${op}: skipped, ${(err as FsmetaError).method} is not implemented yet`);
    }
  }
}

async function bench(address: string, databaseUrl: string, server: ServerProcess, p: Params): Promise<void> {
  const database = new URL(databaseUrl).pathname.slice(1);
  const client = new MetaClient(address, { deadlineMs: CLIENT_DEADLINE_MS });
  const health = new HealthCheck(address);
  // The floor server: beside fsmeta, on the same database, with the same pool size.
  const floorServer = await startServerProcess(databaseUrl, p.poolSize, [...SERVER_NODE_FLAGS], 'floor-server.js');
  const floors = new Floors(new FloorClient(floorServer.address), floorServer, p.single.n);
  log(`floor server ${floorServer.address} (pool ${p.poolSize})`);
  const emit = (line: LatencyLine | ThroughputLine): void => emitLine(floors.annotate(line));
  const sessions: Session[] = [];
  let stopHeartbeats = (): void => undefined;
  try {
    const main = await client.newSession(ROOT_CALLER, { hostName: 'bench' });
    sessions.push(main);
    stopHeartbeats = heartbeats(sessions, main.opened?.heartbeatMs ?? 1000);

    const sqlStats = process.env.FSMETA_BENCH_SQL_STATS === '1';
    let sqlBefore: SqlStats = {};
    let cpuBefore = 0;
    // Around each line's timed loop: the server's CPU (and, on request, its SQL round trips).
    p.single.around = {
      before: async () => {
        if (sqlStats) sqlBefore = await server.sql();
        cpuBefore = await server.cpu();
      },
      after: async (op, n) => {
        lineCpuUs = (await server.cpu()) - cpuBefore;
        if (sqlStats) log(`${op}: ${describePerOp(sqlBefore, await server.sql(), n)}`);
      },
    };
    log(`single client: n=${p.single.n} (+${p.single.warmup} warm-up) per line`);
    if (p.only.size === 0 || p.only.has('noop')) {
      // A gRPC round trip that does nothing, on the fsmeta server.
      const cpu = cpuShares(server.pid, database);
      await measureSingle('noop', floors, () => timed(p.single, 'noop', () => health.call()));
      warnIfBusy('noop', cpu);
    }
    await runLines(main, p, server.pid, database, NAMESPACE_LINES, false, floors);
    await runLines(main, p, server.pid, database, DATA_LINES, true, floors);
    await runLines(main, p, server.pid, database, LOCK_LINES, true, floors);
    if (p.only.size === 0 || p.only.has('lock-handover')) {
      // The waiter is on a second replica: the hand-over crosses servers through NOTIFY.
      const second = await startServerProcess(databaseUrl, p.poolSize, p.serverNodeArgs);
      const otherClient = new MetaClient(second.address, { deadlineMs: CLIENT_DEADLINE_MS });
      let waiter: Session | undefined;
      try {
        waiter = await otherClient.newSession(ROOT_CALLER, { hostName: 'bench-waiter' });
        sessions.push(waiter);
        const cpu = cpuShares(server.pid, database);
        await measureSingle('lock-handover', floors, () => lockHandover(main, waiter!, client, p.single));
        warnIfBusy('lock-handover', cpu);
      } finally {
        if (waiter !== undefined) sessions.splice(sessions.indexOf(waiter), 1);
        otherClient.close();
        await second.stop();
      }
    }

    // A floor asked for by name (FSMETA_BENCH_ONLY) that no line measured yet.
    for (const kind of ['floor-read', 'floor-write'] as const) {
      if (p.only.has(kind) && floors.samples[kind].length === 0) await floors.measure(kind, p.single.n);
    }
    for (const line of floors.lines()) emitLine(line);

    if (p.only.size === 0 || [...p.only].some((o) => o.startsWith('mount-'))) await mountLines(client, address, p.only);

    const t = p.throughput;
    log(`throughput: ${t.concurrency} concurrent calls, ${t.seconds}s each (${t.rounds} rounds) after ${t.warmupSeconds}s warm-up; pool ${p.poolSize}`);
    // One session per worker, as 64 clients would have; made now so their heartbeats stay out of the single-client lines.
    const workers: Session[] = [];
    for (let w = 0; w < t.concurrency; w++) workers.push(await client.newSession(ROOT_CALLER, { hostName: `bench-${w}` }));
    sessions.push(...workers);
    for (const c of THROUGHPUT_CASES) {
      const op = `${c.op}@${t.concurrency}`;
      if (p.only.size > 0 && !p.only.has(op)) continue;
      let subject;
      try {
        subject = await c.prepare(workers);
      } catch (err) {
        if (!isUnimplemented(err)) throw err;
        log(`${op}: skipped, ${(err as FsmetaError).method} is not implemented yet`);
        continue;
      }
      const before = await server.retries();
      const cpu = cpuShares(server.pid, database);
      emit(
        await measureThroughput(c, subject, { floor: floors.client }, t, (side) => cpuSplit(side === 'subject' ? server.pid : floorServer.pid, database), { server: () => server.cpu(), floor: () => floorServer.cpu() }, floors.at64[c.baseline]),
      );
      warnIfBusy(op, cpu);
      log(`${op}: server transaction retries ${retryDelta(before, await server.retries())}`);
    }
    for (const kind of ['floor-read', 'floor-write'] as const) {
      const op = `${kind}@${t.concurrency}`;
      if (floors.at64[kind].rates.length === 0 && p.only.has(op)) {
        // Asked for by name without a subject: the floor alone.
        const c0 = await floorServer.cpu();
        const r = await runConcurrent(t.concurrency, t.seconds * 1000, (w) => floors.client.call(kind, w));
        floors.at64[kind].rates.push(r);
        floors.at64[kind].cpuUs += (await floorServer.cpu()) - c0;
      }
    }
    for (const line of floors.lines64(t.concurrency)) emitLine(line);
    // Space accounting: quotas and directory statistics against the same work without them.
    for (const c of QUOTA_THROUGHPUT) {
      const op = c.op === 'create-shared-dir-dirstats' ? `create-shared-dir@${t.concurrency}-dirstats` : `${c.op}@${t.concurrency}-quota`;
      if (p.only.size > 0 && !p.only.has(op)) continue;
      const before = await server.retries();
      const cpu = cpuShares(server.pid, database);
      emit(await c.run(workers, t));
      warnIfBusy(op, cpu);
      log(`${op}: server transaction retries ${retryDelta(before, await server.retries())}`);
    }
    for (const line of await summaryLines(main, databaseUrl, p.only)) emit(line);

    // Client caches and the change feed: a second replica, so changes cross servers.
    const clientOps = ['getattr-cached', 'lookup-cached', 'watch-invalidation', `create@${t.concurrency}-watch`];
    if (p.only.size === 0 || clientOps.some((op) => p.only.has(op))) {
      const second = await startServerProcess(databaseUrl, p.poolSize, p.serverNodeArgs);
      try {
        await clientBench({
          address,
          secondAddress: second.address,
          main,
          workers,
          n: p.single.n,
          throughput: t,
          wants: (op) => p.only.size === 0 || p.only.has(op),
          emit,
          ...(sqlStats ? { sql: () => server.sql() } : {}),
          serverCpu: async () => [await server.cpu(), await second.cpu()],
          cpuShares: () => cpuShares(server.pid, database),
        });
      } finally {
        await second.stop();
      }
    }

    // Throughput versus replicas: the same workers spread over 1, 2, 3 replicas on the one database.
    const replicaOps = REPLICA_CASES.map((op) => `${op}@${t.concurrency}-replicas`);
    if (p.replicas.length > 0 && (p.only.size === 0 || replicaOps.some((op) => p.only.has(op)))) {
      const extra: ServerProcess[] = [];
      try {
        for (let i = 1; i < Math.max(...p.replicas); i++) extra.push(await startServerProcess(databaseUrl, p.poolSize, p.serverNodeArgs));
        const replicas: Replica[] = [server, ...extra];
        await replicaLines({
          replicas,
          counts: p.replicas,
          caller: ROOT_CALLER,
          throughput: t,
          sessions,
          wants: (op) => p.only.size === 0 || p.only.has(op),
          emit,
          deadlineMs: CLIENT_DEADLINE_MS,
        });
      } finally {
        for (const x of extra) await x.stop();
      }
    }
  } finally {
    stopHeartbeats();
    health.close();
    client.close();
    floors.client.close();
    await floorServer.stop();
  }
}

async function main(): Promise<void> {
  const p = params();
  const started = Date.now();
  const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  log(`load average ${load()} on ${os.cpus().length} cores (other work on the machine skews every number)`);
  const found = await discoverDatabase();
  let server: ServerProcess | undefined;
  let db: { url: string; drop: () => Promise<void> } | undefined;
  let cleaned: Promise<void> | undefined;
  const cleanUp = (): Promise<void> =>
    (cleaned ??= (async () => {
      await server?.stop();
      await db?.drop();
      await found.stop?.();
    })());
  // Interrupted (Ctrl-C, a CI timeout): still stop the server and drop the database.
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await prepareTemplate(found.adminUrl);
    db = await createTestDatabase(found.adminUrl);
    server = await startServerProcess(db.url, p.poolSize, p.serverNodeArgs);
    log(`server ${server.address} (pool ${p.poolSize}), database ${new URL(db.url).pathname.slice(1)}${found.stop ? ' (embedded PostgreSQL)' : ''}`);
    await bench(server.address, db.url, server, p);
  } finally {
    await cleanUp();
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)}s; load average ${load()}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
