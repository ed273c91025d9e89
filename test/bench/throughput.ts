import type { Session } from '@fsmeta/client';
import type { FloorClient, FloorKind } from './floor';
import { log, round, runConcurrent, throughputLine, type Rate, type ThroughputLine } from './measure';
import { Appender, name } from './single-client';

export interface ThroughputParams {
  concurrency: number;
  /** Measured time per subject (and per baseline), split over `rounds`. */
  seconds: number;
  warmupSeconds: number;
  /** Baseline and subject alternate this many times, so drift hits both alike. */
  rounds: number;
}

export interface Baselines {
  floor: FloorClient;
}

/** Process CPU clocks (µs) of the fsmeta server and of the floor server. */
export interface CpuClocks {
  server(): Promise<number>;
  floor(): Promise<number>;
}

/** What the floor did at 64 in flight across the cases measured against it (for its own line). */
export interface FloorTally {
  rates: Rate[];
  cpuUs: number;
}

type WorkerOp = (worker: number) => Promise<unknown>;

/** One throughput line: what the subject needs prepared, and the call each worker repeats. */
export interface ThroughputCase {
  op: string;
  baseline: FloorKind;
  /** Given one session per worker; returns the worker's call. `tag` keeps the names of a second preparation apart. */
  prepare(sessions: Session[], tag?: string): Promise<WorkerOp>;
}

const ROOT = '1';
const MODE_DIR = 0o755;
const MODE_FILE = 0o644;
const UMASK = 0o022;

async function mkdir(s: Session, parent: string, dir: string): Promise<string> {
  return (await s.call('Mkdir', { parent, name: name(dir), mode: MODE_DIR, umask: 0 })).attr!.inode;
}

async function create(s: Session, parent: string, file: string): Promise<string> {
  return (await s.call('Create', { parent, name: name(file), mode: MODE_FILE, umask: UMASK, flags: 0 })).attr!.inode;
}

/** A directory holding one file per worker; returns the directory and the files' inodes. */
async function filePerWorker(sessions: Session[], dir: string): Promise<{ parent: string; inodes: string[] }> {
  const parent = await mkdir(sessions[0]!, ROOT, dir);
  const inodes = await Promise.all(sessions.map((s, w) => create(s, parent, `f${w}`)));
  return { parent, inodes };
}

export const THROUGHPUT_CASES: ThroughputCase[] = [
  {
    op: 'getattr',
    baseline: 'floor-read',
    async prepare(sessions, tag = '') {
      const { inodes } = await filePerWorker(sessions, `tp-getattr${tag}`);
      return (w) => sessions[w]!.call('GetAttr', { inode: inodes[w]! });
    },
  },
  {
    op: 'lookup',
    baseline: 'floor-read',
    async prepare(sessions, tag = '') {
      const { parent } = await filePerWorker(sessions, `tp-lookup${tag}`);
      const names = sessions.map((_, w) => name(`f${w}`));
      return (w) => sessions[w]!.call('Lookup', { parent, name: names[w]! });
    },
  },
  {
    op: 'create-private-dirs',
    baseline: 'floor-write',
    async prepare(sessions, tag = '') {
      const top = await mkdir(sessions[0]!, ROOT, `tp-create-private${tag}`);
      const dirs = await Promise.all(sessions.map((s, w) => mkdir(s, top, `w${w}`)));
      const seq = sessions.map(() => 0);
      return (w) => create(sessions[w]!, dirs[w]!, `f${seq[w]!++}`);
    },
  },
  {
    op: 'create-shared-dir',
    baseline: 'floor-write',
    async prepare(sessions, tag = '') {
      const dir = await mkdir(sessions[0]!, ROOT, `tp-create-shared${tag}`);
      const seq = sessions.map(() => 0);
      return (w) => create(sessions[w]!, dir, `w${w}-${seq[w]!++}`);
    },
  },
  {
    // Each worker appends 1 KiB slices to a file of its own, as parallel writers of different files do.
    op: 'write',
    baseline: 'floor-write',
    async prepare(sessions, tag = '') {
      const { inodes } = await filePerWorker(sessions, `tp-write${tag}`);
      const writers = sessions.map((s, w) => new Appender(s, inodes[w]!));
      // Each writer's first batch of slice ids is fetched before timing.
      await Promise.all(writers.map((a) => a.write()));
      return (w) => writers[w]!.write();
    },
  },
];

/**
 * Warms up baseline (the matching floor) and subject, then alternates them
 * `rounds` times for seconds/rounds each, and reports the subject's rate over
 * the floor's; with `clocks`, each side's server CPU per call. The floor's
 * rounds are added to `tally` for the floor's own line.
 */
export async function measureThroughput(
  c: ThroughputCase,
  subject: WorkerOp,
  baselines: Baselines,
  p: ThroughputParams,
  /** The CPU split of a side's last round; "server" in it is the fsmeta server for the subject, the floor server for the baseline. */
  cpu?: (side: 'baseline' | 'subject') => () => string,
  clocks?: CpuClocks,
  tally?: FloorTally,
): Promise<ThroughputLine> {
  const base: WorkerOp = (w) => baselines.floor.call(c.baseline, w);
  const warmMs = p.warmupSeconds * 1000;
  const sliceMs = (p.seconds * 1000) / p.rounds;
  await runConcurrent(p.concurrency, warmMs, base);
  await runConcurrent(p.concurrency, warmMs, subject);
  const baseRates: Rate[] = [];
  const subjectRates: Rate[] = [];
  const splits: string[] = [];
  let subjectCpu = 0;
  let baseCpu = 0;
  for (let r = 0; r < p.rounds; r++) {
    // The last round's CPU split says what each side was limited by.
    const last = r === p.rounds - 1 ? cpu : undefined;
    let split = last?.('baseline');
    let t0 = await clocks?.floor();
    baseRates.push(await runConcurrent(p.concurrency, sliceMs, base));
    if (clocks !== undefined) baseCpu += (await clocks.floor()) - t0!;
    if (split !== undefined) splits.push(`baseline ${split()}`);
    split = last?.('subject');
    t0 = await clocks?.server();
    subjectRates.push(await runConcurrent(p.concurrency, sliceMs, subject));
    if (clocks !== undefined) subjectCpu += (await clocks.server()) - t0!;
    if (split !== undefined) splits.push(`subject ${split()}`);
  }
  const fmt = (rates: Rate[]): string => rates.map((x) => Math.round((x.ops * 1000) / x.ms)).join(', ');
  log(`${c.op}@${p.concurrency}: rounds subject [${fmt(subjectRates)}] baseline [${fmt(baseRates)}] ops/s`);
  for (const line of splits) log(`${c.op}@${p.concurrency}: ${line}`);
  tally?.rates.push(...baseRates);
  if (tally !== undefined) tally.cpuUs += baseCpu;
  const line = throughputLine(`${c.op}@${p.concurrency}`, subjectRates, `${c.baseline}@${p.concurrency}`, baseRates);
  if (clocks !== undefined) {
    const ops = (rates: Rate[]): number => rates.reduce((s, x) => s + x.ops, 0);
    line.serverCpuUsPerOp = round(subjectCpu / Math.max(1, ops(subjectRates)), 1);
    line.baselineServerCpuUsPerOp = round(baseCpu / Math.max(1, ops(baseRates)), 1);
  }
  return line;
}
