import { performance } from 'node:perf_hooks';

/** One single-client line: `n` timed operations, mean and percentiles in microseconds. */
export interface LatencyLine {
  op: string;
  n: number;
  usPerOp: number;
  p50Us: number;
  p99Us: number;
  /** The floor this line is measured against (docs/benchmarks.md, "Floors"). */
  floor?: 'floor-read' | 'floor-write';
  /** p50 / the floor's p50, and mean / the floor's mean, the floor measured right after the line. */
  p50Ratio?: number;
  meanRatio?: number;
  /** CPU time of the server process per timed call, in µs (user + system). */
  serverCpuUsPerOp?: number;
}

/** One throughput line: the subject against its baseline at the same concurrency, in the same run. */
export interface ThroughputLine {
  op: string;
  opsPerSec: number;
  baseline: string;
  baselineOpsPerSec: number;
  ratio: number;
  /** The server's CPU per completed call (µs) during the subject's rounds, and the baseline server's during its own. */
  serverCpuUsPerOp?: number;
  baselineServerCpuUsPerOp?: number;
  /** Lines with a baseline of their own (quota, watch): the matching floor at the same concurrency, and subject / floor. */
  floor?: string;
  floorRatio?: number;
  /** The throughput-versus-replicas lines: replicas serving the calls. */
  replicas?: number;
}

let stdoutError: Error | undefined;
// A reader that went away (`pnpm bench | head`) ends the run at the next line, through its clean-up.
process.stdout.on('error', (err: Error) => {
  stdoutError = err;
});

/** Results go to stdout, one JSON object per line; everything else goes to stderr. */
export function emit(line: LatencyLine | ThroughputLine | ({ op: string } & Record<string, string | number>)): void {
  if (stdoutError !== undefined) throw new Error(`stdout closed: ${stdoutError.message}`);
  console.log(JSON.stringify(line));
}

export function log(message: string): void {
  console.error(`[bench] ${message}`);
}

export function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Nearest-rank percentile of ascending `sorted`. */
function percentile(sorted: number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * Times `n` sequential calls of `op(i)`. `setup(i)`, when given, runs before
 * each call outside the timed span (as b.StopTimer in JuiceFS's rmdir/unlink
 * benchmarks). The mean counts only the timed spans.
 */
export async function timeSequential(
  name: string,
  n: number,
  op: (i: number) => Promise<unknown>,
  setup?: (i: number) => Promise<unknown>,
): Promise<LatencyLine> {
  return latencyLine(name, await timeSamples(n, op, setup));
}

/** `n` sequential timed calls (as timeSequential), their latencies in ms. */
export async function timeSamples(n: number, op: (i: number) => Promise<unknown>, setup?: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    if (setup !== undefined) await setup(i);
    const t0 = performance.now();
    await op(i);
    const dt = performance.now() - t0;
    samples[i] = dt;
  }
  return samples;
}

/** A single-client line from latencies in ms. */
export function latencyLine(name: string, latencies: number[]): LatencyLine {
  const samples = [...latencies].sort((a, b) => a - b);
  const n = samples.length;
  const total = samples.reduce((a, b) => a + b, 0);
  return {
    op: name,
    n,
    usPerOp: round((total / n) * 1000, 1),
    p50Us: round(percentile(samples, 50) * 1000, 1),
    p99Us: round(percentile(samples, 99) * 1000, 1),
  };
}

/** Completed calls over a measured span. */
export interface Rate {
  ops: number;
  ms: number;
}

/**
 * Keeps `concurrency` calls in flight for `ms`: each worker issues
 * `op(worker, seq)` back to back until the deadline. Every call that
 * completes is counted, and the span runs until the last one completes.
 */
export async function runConcurrent(
  concurrency: number,
  ms: number,
  op: (worker: number, seq: number) => Promise<unknown>,
): Promise<Rate> {
  const start = performance.now();
  const deadline = start + ms;
  let ops = 0;
  const workers = Array.from({ length: concurrency }, async (_, w) => {
    for (let seq = 0; performance.now() < deadline; seq++) {
      await op(w, seq);
      ops++;
    }
  });
  await Promise.all(workers);
  return { ops, ms: performance.now() - start };
}

export function perSecond(rates: Rate[]): number {
  const ops = rates.reduce((s, r) => s + r.ops, 0);
  const ms = rates.reduce((s, r) => s + r.ms, 0);
  return ms === 0 ? 0 : (ops * 1000) / ms;
}

export function throughputLine(op: string, subject: Rate[], baseline: string, base: Rate[]): ThroughputLine {
  const opsPerSec = perSecond(subject);
  const baselineOpsPerSec = perSecond(base);
  return {
    op,
    opsPerSec: Math.round(opsPerSec),
    baseline,
    baselineOpsPerSec: Math.round(baselineOpsPerSec),
    ratio: round(baselineOpsPerSec === 0 ? 0 : opsPerSec / baselineOpsPerSec, 3),
  };
}
