import type { Session } from '@fsmeta/client';
import { Client } from 'pg';
import { log, runConcurrent, throughputLine, timeSequential, type LatencyLine, type Rate, type ThroughputLine } from './measure';
import { Appender, name } from './single-client';
import type { ThroughputParams } from './throughput';

/**
 * Space-accounting lines (docs/benchmarks.md): create@64 and write@64 in a directory under a
 * quota, each against the same work outside any quota in the same run (`ratio` = quota / none,
 * alternating rounds as every throughput line does), and GetSummary of a 100,000-inode tree.
 */

const ROOT = '1';
const MODE_DIR = 0o755;
/** Limits high enough never to be reached: the allowances are what is measured. */
const BIG_SPACE = String(1n << 50n);
const BIG_INODES = String(1n << 40n);

type WorkerOp = (worker: number) => Promise<unknown>;

async function mkdir(s: Session, parent: string, dir: string): Promise<string> {
  return (await s.call('Mkdir', { parent, name: name(dir), mode: MODE_DIR, umask: 0 })).attr!.inode;
}

async function quotaDir(s: Session, dir: string): Promise<string> {
  const inode = await mkdir(s, ROOT, dir);
  await s.call('SetQuota', { quota: { kind: 'QUOTA_KIND_DIRECTORY', key: inode, maxSpace: BIG_SPACE, maxInodes: BIG_INODES } });
  return inode;
}

/** Creates in a directory of each worker's own below `top` (the create-private-dirs shape). */
async function creates(sessions: Session[], top: string, tag: string): Promise<WorkerOp> {
  const dirs = await Promise.all(sessions.map((s, w) => mkdir(s, top, `w${w}`)));
  const seq = sessions.map(() => 0);
  return (w) => sessions[w]!.call('Create', { parent: dirs[w]!, name: name(`${tag}${seq[w]!++}`), mode: 0o644, umask: 0o022, flags: 0 });
}

/** Appends 1 KiB slices to a file of each worker's own below `top` (the write@64 shape). */
async function writes(sessions: Session[], top: string): Promise<WorkerOp> {
  const inodes = await Promise.all(
    sessions.map(async (s, w) => (await s.call('Create', { parent: top, name: name(`f${w}`), mode: 0o644, umask: 0o022, flags: 0 })).attr!.inode),
  );
  const writers = sessions.map((s, w) => new Appender(s, inodes[w]!));
  await Promise.all(writers.map((a) => a.write()));
  return (w) => writers[w]!.write();
}

/** Warms both up, then alternates them `rounds` times; the quota run over the plain one. */
async function compare(op: string, plain: WorkerOp, quota: WorkerOp, p: ThroughputParams): Promise<ThroughputLine> {
  const warmMs = p.warmupSeconds * 1000;
  const sliceMs = (p.seconds * 1000) / p.rounds;
  await runConcurrent(p.concurrency, warmMs, plain);
  await runConcurrent(p.concurrency, warmMs, quota);
  const plainRates: Rate[] = [];
  const quotaRates: Rate[] = [];
  for (let r = 0; r < p.rounds; r++) {
    plainRates.push(await runConcurrent(p.concurrency, sliceMs, plain));
    quotaRates.push(await runConcurrent(p.concurrency, sliceMs, quota));
  }
  const fmt = (rates: Rate[]): string => rates.map((x) => Math.round((x.ops * 1000) / x.ms)).join(', ');
  log(`${op}: rounds quota [${fmt(quotaRates)}] no quota [${fmt(plainRates)}] ops/s`);
  return throughputLine(op, quotaRates, op.replace('-quota', ' (no quota)'), plainRates);
}

export const QUOTA_THROUGHPUT: { op: string; run: (sessions: Session[], p: ThroughputParams) => Promise<ThroughputLine> }[] = [
  {
    op: 'create',
    async run(sessions, p) {
      const plain = await creates(sessions, await mkdir(sessions[0]!, ROOT, 'tp-create-plain'), 'p');
      const quota = await creates(sessions, await quotaDir(sessions[0]!, 'tp-create-quota'), 'q');
      return compare(`create@${p.concurrency}-quota`, plain, quota, p);
    },
  },
  {
    op: 'write',
    async run(sessions, p) {
      const plain = await writes(sessions, await mkdir(sessions[0]!, ROOT, 'tp-write-plain'));
      const quota = await writes(sessions, await quotaDir(sessions[0]!, 'tp-write-quota'));
      return compare(`write@${p.concurrency}-quota`, plain, quota, p);
    },
  },
];

/**
 * `create-shared-dir@64-dirstats`: creates in one shared directory with directory statistics on,
 * against the same with them off, switching the volume's setting between rounds.
 */
async function sharedDirStats(sessions: Session[], p: ThroughputParams): Promise<ThroughputLine> {
  const s = sessions[0]!;
  const dir = await mkdir(s, ROOT, 'tp-create-shared-stats');
  const seq = sessions.map(() => 0);
  const op: WorkerOp = (w) => sessions[w]!.call('Create', { parent: dir, name: name(`w${w}-${seq[w]!++}`), mode: 0o644, umask: 0o022, flags: 0 });
  const warmMs = p.warmupSeconds * 1000;
  const sliceMs = (p.seconds * 1000) / p.rounds;
  const before = (await s.call('GetFormat', {})).format!.dirStats;
  const off: Rate[] = [];
  const on: Rate[] = [];
  try {
    await setDirStats(s, false);
    await runConcurrent(p.concurrency, warmMs, op);
    for (let r = 0; r < p.rounds; r++) {
      await setDirStats(s, false);
      off.push(await runConcurrent(p.concurrency, sliceMs, op));
      await setDirStats(s, true);
      on.push(await runConcurrent(p.concurrency, sliceMs, op));
    }
  } finally {
    await setDirStats(s, before);
  }
  return throughputLine(`create-shared-dir@${p.concurrency}-dirstats`, on, `create-shared-dir@${p.concurrency} (dir_stats off)`, off);
}

QUOTA_THROUGHPUT.push({ op: 'create-shared-dir-dirstats', run: sharedDirStats });

const TREE_DIRS = 100;
const FILES_PER_DIR = 999;
/** Summaries timed per line (each reads the whole tree's statistics or entries). */
const SUMMARY_N = 20;

/**
 * A tree of 100,000 inodes (100 directories of 999 files, plus the top) written straight to
 * PostgreSQL in three statements, with the volume's usage moved to match, so a setup that would
 * take minutes through Mknod takes seconds. Returns the top directory.
 */
async function buildTree(s: Session, databaseUrl: string): Promise<string> {
  const top = await mkdir(s, ROOT, 'bench-summary');
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    const now = BigInt(Date.now()) * 1_000_000n;
    await pg.query('begin');
    await pg.query(
      `with d as (insert into node (inode, type, mode, uid, gid, atime_ns, mtime_ns, ctime_ns, nlink, length, parent)
                  select nextval('inode_seq'), 2, 493, 0, 0, $2, $2, $2, 2, 4096, $1 from generate_series(1, $3) returning inode)
       insert into edge (parent, name, inode, type) select $1, convert_to('d' || inode, 'UTF8'), inode, 2 from d`,
      [top, now, TREE_DIRS],
    );
    await pg.query(
      `with f as (insert into node (inode, type, mode, uid, gid, atime_ns, mtime_ns, ctime_ns, nlink, length, parent)
                  select nextval('inode_seq'), 1, 420, 0, 0, $2, $2, $2, 1, g * 1000, e.inode
                    from edge e, generate_series(1, $3) g where e.parent = $1 returning inode, parent)
       insert into edge (parent, name, inode, type) select parent, convert_to('f' || inode, 'UTF8'), inode, 1 from f`,
      [top, now, FILES_PER_DIR],
    );
    await pg.query(
      `with t as (select coalesce(sum(case when n.type = 1 then greatest(4096, (n.length + 4095) / 4096 * 4096) else 4096 end), 0)::bigint as ts,
                         count(*)::bigint as ti
                    from edge e join node n on n.inode = e.inode where e.parent = $1 or e.parent in (select inode from edge where parent = $1))
       update usage_shard u set space = u.space + t.ts, inodes = u.inodes + t.ti,
              space_grant = u.space_grant + t.ts, inode_grant = u.inode_grant + t.ti
         from t where u.shard = 0`,
      [top],
    );
    await pg.query('update node set nlink = nlink + $2 where inode = $1', [top, TREE_DIRS]);
    await pg.query('commit');
  } finally {
    await pg.end();
  }
  return top;
}

async function setDirStats(s: Session, on: boolean): Promise<void> {
  const { format } = await s.call('GetFormat', {});
  if (format!.dirStats === on) return;
  const started = Date.now();
  let { dirStatsBuild } = await s.call('Format', { format: { ...format!, uuid: '', dirStats: on }, force: true });
  const total = dirStatsBuild?.total;
  // A volume of more than one batch of directories gets them from the replicas' background job.
  while (dirStatsBuild !== null) {
    await new Promise((r) => setTimeout(r, 50));
    ({ dirStatsBuild } = await s.call('GetFormat', {}));
  }
  log(`dir_stats ${on ? 'on' : 'off'} in ${Date.now() - started} ms${on ? ` (statistics computed for every directory${total === undefined ? '' : `, ${total} of them in batches`})` : ''}`);
}

/**
 * `summary_100k`: recursive GetSummary of the tree with directory statistics on (only the 101
 * directories are visited); `summary_100k_scan`: the same with statistics off (every entry).
 */
export async function summaryLines(s: Session, databaseUrl: string, only: Set<string>): Promise<LatencyLine[]> {
  if (only.size > 0 && !only.has('summary_100k') && !only.has('summary_100k_scan')) return [];
  const top = await buildTree(s, databaseUrl);
  const expectFiles = String(TREE_DIRS * FILES_PER_DIR);
  const summary = async (): Promise<void> => {
    const r = await s.call('GetSummary', { inode: top, recursive: true });
    if (r.files !== expectFiles) throw new Error(`summary counted ${r.files} files, expected ${expectFiles}`);
  };
  const lines: LatencyLine[] = [];
  const before = (await s.call('GetFormat', {})).format!.dirStats;
  try {
    if (only.size === 0 || only.has('summary_100k')) {
      await setDirStats(s, true);
      await summary();
      lines.push(await timeSequential('summary_100k', SUMMARY_N, summary));
    }
    if (only.size === 0 || only.has('summary_100k_scan')) {
      await setDirStats(s, false);
      await summary();
      lines.push(await timeSequential('summary_100k_scan', Math.max(1, SUMMARY_N / 4), summary));
    }
  } finally {
    await setDirStats(s, before);
  }
  return lines;
}
