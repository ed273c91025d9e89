import type { Session } from '@fsmeta/client';
import type { HealthCheck, PgWriteBaseline } from './baselines';
import { log, runConcurrent, throughputLine, type Rate, type ThroughputLine } from './measure';
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
  health: HealthCheck;
  pgWrite: PgWriteBaseline;
}

type WorkerOp = (worker: number) => Promise<unknown>;

/** One throughput line: what the subject needs prepared, and the call each worker repeats. */
export interface ThroughputCase {
  op: string;
  baseline: 'health' | 'pg-write';
  /** Given one session per worker; returns the worker's call. */
  prepare(sessions: Session[]): Promise<WorkerOp>;
}

const ROOT = '1';
const MODE_DIR = 0o755;
const MODE_FILE = 0o644;
const UMASK = 0o022;
const BASELINE_NAMES = { health: 'grpc.health.v1.Health/Check', 'pg-write': 'pg:begin+update+insert+commit' } as const;

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
    baseline: 'health',
    async prepare(sessions) {
      const { inodes } = await filePerWorker(sessions, 'tp-getattr');
      return (w) => sessions[w]!.call('GetAttr', { inode: inodes[w]! });
    },
  },
  {
    op: 'lookup',
    baseline: 'health',
    async prepare(sessions) {
      const { parent } = await filePerWorker(sessions, 'tp-lookup');
      const names = sessions.map((_, w) => name(`f${w}`));
      return (w) => sessions[w]!.call('Lookup', { parent, name: names[w]! });
    },
  },
  {
    op: 'create-private-dirs',
    baseline: 'pg-write',
    async prepare(sessions) {
      const top = await mkdir(sessions[0]!, ROOT, 'tp-create-private');
      const dirs = await Promise.all(sessions.map((s, w) => mkdir(s, top, `w${w}`)));
      const seq = sessions.map(() => 0);
      return (w) => create(sessions[w]!, dirs[w]!, `f${seq[w]!++}`);
    },
  },
  {
    op: 'create-shared-dir',
    baseline: 'pg-write',
    async prepare(sessions) {
      const dir = await mkdir(sessions[0]!, ROOT, 'tp-create-shared');
      const seq = sessions.map(() => 0);
      return (w) => create(sessions[w]!, dir, `w${w}-${seq[w]!++}`);
    },
  },
  {
    // Each worker appends 1 KiB slices to a file of its own, as parallel writers of different files do.
    op: 'write',
    baseline: 'pg-write',
    async prepare(sessions) {
      const { inodes } = await filePerWorker(sessions, 'tp-write');
      const writers = sessions.map((s, w) => new Appender(s, inodes[w]!));
      // Each writer's first batch of slice ids is fetched before timing.
      await Promise.all(writers.map((a) => a.write()));
      return (w) => writers[w]!.write();
    },
  },
];

/**
 * Warms up baseline and subject, then alternates them `rounds` times for
 * seconds/rounds each, and reports the subject's rate over the baseline's.
 */
export async function measureThroughput(
  c: ThroughputCase,
  subject: WorkerOp,
  baselines: Baselines,
  p: ThroughputParams,
  cpu?: () => () => string,
): Promise<ThroughputLine> {
  const base: WorkerOp = c.baseline === 'health' ? () => baselines.health.call() : (w) => baselines.pgWrite.call(w);
  const warmMs = p.warmupSeconds * 1000;
  const sliceMs = (p.seconds * 1000) / p.rounds;
  await runConcurrent(p.concurrency, warmMs, base);
  await runConcurrent(p.concurrency, warmMs, subject);
  const baseRates: Rate[] = [];
  const subjectRates: Rate[] = [];
  const splits: string[] = [];
  for (let r = 0; r < p.rounds; r++) {
    // The last round's CPU split says what each side was limited by.
    const last = r === p.rounds - 1 ? cpu : undefined;
    let split = last?.();
    baseRates.push(await runConcurrent(p.concurrency, sliceMs, base));
    if (split !== undefined) splits.push(`baseline ${split()}`);
    split = last?.();
    subjectRates.push(await runConcurrent(p.concurrency, sliceMs, subject));
    if (split !== undefined) splits.push(`subject ${split()}`);
  }
  const fmt = (rates: Rate[]): string => rates.map((x) => Math.round((x.ops * 1000) / x.ms)).join(', ');
  log(`${c.op}@${p.concurrency}: rounds subject [${fmt(subjectRates)}] baseline [${fmt(baseRates)}] ops/s`);
  for (const line of splits) log(`${c.op}@${p.concurrency}: ${line}`);
  return throughputLine(`${c.op}@${p.concurrency}`, subjectRates, BASELINE_NAMES[c.baseline], baseRates);
}
