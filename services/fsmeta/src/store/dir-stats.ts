import type { Tx } from './db';
import { getSetting, putSetting } from './settings';

/**
 * Directory statistics (Format dir_stats): per directory, the length, space, inode and symlink
 * count of its direct children, exact at commit. Mutations change them inside fsmeta_charge / fsmeta_move
 * (migration 0005), on one of 16 stripes per directory picked by backend, so concurrent creates in
 * one directory do not queue on one row. A directory's statistics are the sum of its stripes.
 */

export interface DirStat {
  length: bigint;
  space: bigint;
  inodes: bigint;
}

export async function getDirStat(q: Tx, inode: bigint): Promise<DirStat> {
  const rows = await q.query<{ length: bigint; space: bigint; inodes: bigint }>(
    `select coalesce(sum(length), 0)::bigint as length, coalesce(sum(space), 0)::bigint as space, coalesce(sum(inodes), 0)::bigint as inodes
       from dir_stat where inode = $1`,
    [inode],
    'get-dir-stat',
  );
  const r = rows[0];
  return { length: r?.length ?? 0n, space: r?.space ?? 0n, inodes: r?.inodes ?? 0n };
}

/** A recount of the statistics of the directories `where` picks (by e.parent), each on stripe 0. */
function recountSql(where: string): string {
  return `insert into dir_stat (inode, shard, length, space, inodes, symlinks)
     select e.parent, 0,
            coalesce(sum(case when n.type = 1 then n.length else 0 end), 0),
            coalesce(sum(case when n.type = 1 then (case when n.length <= 0 then 4096 else ((n.length + 4095) / 4096) * 4096 end) else 4096 end), 0),
            count(*), count(*) filter (where n.type = 3)
       from edge e join node n on n.inode = e.inode
      where ${where}
      group by e.parent`;
}

/** The setting row of a build in progress (store/settings.ts); absent when there is none. */
const BUILD_SETTING = 'dir_stats_build';

/**
 * Recomputes every directory's statistics from its entries in one statement (a load, an fsck
 * repair, a new volume), ending any batched build. Run under the exclusive structure lock, so
 * nothing changes meanwhile. Returns how many directories have entries.
 */
export async function rebuildDirStats(tx: Tx): Promise<number> {
  await tx.query('delete from dir_stat', [], 'clear-dir-stats');
  await tx.query('delete from setting where name = $1', [BUILD_SETTING], 'end-dir-stats-build');
  return (await tx.query(`${recountSql('true')} returning inode`, [], 'rebuild-dir-stats')).length;
}

/** Progress of a batched build: directories computed, of those there were when it started. */
export interface DirStatsBuild {
  done: bigint;
  total: bigint;
}

interface StoredBuild {
  /** Every directory up to this inode is computed (or was created after the start: exact from birth). */
  cursor: string;
  /** The largest inode when the build started: no directory that existed then is above it. */
  until: string;
  done: string;
  total: string;
}

/**
 * Starts the batched build of every directory's statistics (dir_stats turned on for a volume with
 * directories), in the transaction that turns them on, under the exclusive structure lock. From
 * its commit every mutation keeps the statistics of the directories it changes, computed or not;
 * dirStatsBuildStep then recounts the directories that existed, in inode order. Readers use the
 * statistics only once the build is done (dirStatsReady).
 */
export async function startDirStatsBuild(tx: Tx): Promise<DirStatsBuild> {
  const rows = await tx.query<{ until: bigint; total: bigint }>(
    `select coalesce((select max(inode) from node), 0)::bigint as until, (select count(*) from node where type = 2)::bigint as total`,
    [],
    'start-dir-stats-build',
  );
  const { until, total } = rows[0]!;
  const build: StoredBuild = { cursor: '0', until: until.toString(), done: '0', total: total.toString() };
  await putSetting(tx, BUILD_SETTING, build);
  return { done: 0n, total };
}

/** Drops a build in progress (dir_stats turned off). */
export async function stopDirStatsBuild(tx: Tx): Promise<void> {
  await tx.query('delete from setting where name = $1', [BUILD_SETTING], 'end-dir-stats-build');
}

export async function dirStatsBuild(q: Tx): Promise<DirStatsBuild | undefined> {
  const b = await getSetting<StoredBuild>(q, BUILD_SETTING);
  return b && { done: BigInt(b.done), total: BigInt(b.total) };
}

/** Where the next batch of a build ends, planned outside any lock (dirStatsBuildStep checks it still applies). */
export interface BuildPlan {
  cursor: bigint;
  last: bigint;
}

/**
 * Plans the next batch: directories after the cursor, in inode order, until they hold `entries`
 * entries (each directory costs at least one; a directory bigger than that is a batch of its own),
 * so a batch's recount is bounded by entries, not directories. One statement that walks the
 * directories one index probe at a time and counts each one's entries only up to the bound.
 * Undefined when there is no build.
 */
export async function planDirStatsBatch(q: Tx, entries: number): Promise<BuildPlan | undefined> {
  const rows = await q.query<{ cursor: bigint; until: bigint; inode: bigint | null; total: bigint | null }>(
    `with recursive b as (select (value->>'cursor')::bigint as cursor, (value->>'until')::bigint as until from setting where name = $2),
          w (inode, cost, before) as (
            select x.inode, greatest(1, (select count(*) from (select 1 from edge e where e.parent = x.inode limit $1) c)), 0::bigint
              from b, lateral (select n.inode from node n where n.inode > b.cursor and n.inode <= b.until and n.type = 2 order by n.inode limit 1) x
            union all
            select x.inode, greatest(1, (select count(*) from (select 1 from edge e where e.parent = x.inode limit $1) c)), w.before + w.cost
              from w, b, lateral (select n.inode from node n where n.inode > w.inode and n.inode <= b.until and n.type = 2 order by n.inode limit 1) x
             where w.before + w.cost < $1
          ),
          tail as (select inode, before + cost as total from w order by inode desc limit 1)
     select b.cursor, b.until, tail.inode, tail.total from b left join tail on true`,
    [entries, BUILD_SETTING],
    'plan-dir-stats-batch',
  );
  const r = rows[0];
  if (r === undefined) return undefined;
  // Out of directories before the bound: the batch runs to the end of the build.
  const last = r.inode === null || r.total === null || r.total < BigInt(entries) ? r.until : r.inode;
  return { cursor: r.cursor, last };
}

/**
 * One batch of the build, as planned: the directories after the cursor up to `plan.last` get their
 * statistics recounted from their entries, replacing whatever their stripes held (deltas of
 * mutations since the start included: the recount sees them). Run under the exclusive structure
 * lock, so no mutation is in flight and every later one adds its delta to the recount. Directories
 * created after the start (above `until`, or wherever the cursor has passed) were exact from birth.
 * A plan whose cursor has moved (another replica ran the batch) does nothing. Returns how many
 * directories it computed and the progress after it (undefined once every directory is done and
 * the build row is gone); undefined when there was no build.
 */
export async function dirStatsBuildStep(tx: Tx, plan: BuildPlan): Promise<{ computed: number; progress?: DirStatsBuild } | undefined> {
  const rows = await tx.query<{ value: StoredBuild }>(`select value from setting where name = $1 for update`, [BUILD_SETTING], 'lock-dir-stats-build');
  const b = rows[0]?.value;
  if (b === undefined) return undefined;
  const cursor = BigInt(b.cursor);
  const until = BigInt(b.until);
  if (cursor !== plan.cursor) return { computed: 0, progress: { done: BigInt(b.done), total: BigInt(b.total) } };
  const last = plan.last < until ? plan.last : until;
  // Every row in the range goes (stale rows of an earlier time dir_stats was on included); every
  // directory in it is recounted (one created since the plan too: it is there now).
  await tx.query('delete from dir_stat where inode > $1 and inode <= $2', [cursor, last], 'clear-dir-stats-batch');
  const inRange = 'select inode from node where inode > $1 and inode <= $2 and type = 2';
  await tx.query(recountSql(`e.parent in (${inRange})`), [cursor, last], 'recount-dir-stats-batch');
  const dirs = (await tx.query<{ n: number }>(`select count(*)::integer as n from (${inRange}) d`, [cursor, last], 'count-dir-stats-batch'))[0]!.n;
  const done = BigInt(b.done) + BigInt(dirs);
  if (last >= until) {
    await stopDirStatsBuild(tx);
    return { computed: dirs };
  }
  await putSetting(tx, BUILD_SETTING, { ...b, cursor: last.toString(), done: done.toString() } satisfies StoredBuild);
  return { computed: dirs, progress: { done, total: BigInt(b.total) } };
}

export interface Summary {
  length: bigint;
  size: bigint;
  /** Everything but directories, as JuiceFS counts files (symlinks included). */
  files: bigint;
  dirs: bigint;
  /** How many of `files` are symlinks. */
  symlinks: bigint;
}

const ALIGNED = '(case when n.length <= 0 then 4096 else ((n.length + 4095) / 4096) * 4096 end)';

/**
 * What is under a directory (itself not included), per entry, by visiting every entry: direct
 * children only, or the whole subtree when `recursive`.
 */
export async function scanSummary(q: Tx, dir: bigint, recursive: boolean): Promise<Summary> {
  const rows = await q.query<{ length: bigint; size: bigint; files: bigint; dirs: bigint; symlinks: bigint }>(
    `with recursive t (inode) as (
       select $1::bigint
       union all
       select e.inode from t join edge e on e.parent = t.inode where $2::boolean and e.type = 2
     )
     select coalesce(sum(case when n.type = 1 then n.length else 0 end), 0)::bigint as length,
            coalesce(sum(case when n.type = 1 then ${ALIGNED} else 4096 end), 0)::bigint as size,
            count(*) filter (where n.type <> 2)::bigint as files,
            count(*) filter (where n.type = 2)::bigint as dirs,
            count(*) filter (where n.type = 3)::bigint as symlinks
       from t join edge e on e.parent = t.inode join node n on n.inode = e.inode`,
    [dir, recursive],
    'scan-summary',
  );
  const r = rows[0]!;
  return { length: r.length, size: r.size, files: r.files, dirs: r.dirs, symlinks: r.symlinks };
}

/**
 * scanSummary from directory statistics: only directories are visited (their statistics give
 * the entries below them), so a tree of many files costs what its directories cost. A volume
 * without statistics must use scanSummary.
 */
export async function statsSummary(q: Tx, dir: bigint, recursive: boolean): Promise<Summary> {
  const rows = await q.query<{ length: bigint; size: bigint; entries: bigint; dirs: bigint; symlinks: bigint }>(
    `with recursive t (inode, depth) as (
       select $1::bigint, 0
       union all
       select e.inode, t.depth + 1 from t join edge e on e.parent = t.inode where e.type = 2 and ($2::boolean or t.depth = 0)
     ),
     visited as (select inode from t where $2::boolean or depth = 0)
     select coalesce((select sum(s.length) from visited v join dir_stat s on s.inode = v.inode), 0)::bigint as length,
            coalesce((select sum(s.space) from visited v join dir_stat s on s.inode = v.inode), 0)::bigint as size,
            coalesce((select sum(s.inodes) from visited v join dir_stat s on s.inode = v.inode), 0)::bigint as entries,
            coalesce((select sum(s.symlinks) from visited v join dir_stat s on s.inode = v.inode), 0)::bigint as symlinks,
            (select count(*) from t where depth > 0)::bigint as dirs`,
    [dir, recursive],
    'stats-summary',
  );
  const r = rows[0]!;
  return { length: r.length, size: r.size, files: r.entries - r.dirs, dirs: r.dirs, symlinks: r.symlinks };
}

/** Whether the volume keeps directory statistics (Format dir_stats), computed or not. */
export async function dirStatsOn(q: Tx): Promise<boolean> {
  const rows = await q.query<{ on: boolean }>('select fsmeta_dir_stats_on() as on', [], 'dir-stats-on');
  return rows[0]?.on === true;
}

/** Whether readers may use the statistics: the volume keeps them and no build is in progress. */
export async function dirStatsReady(q: Tx): Promise<boolean> {
  const rows = await q.query<{ on: boolean }>(
    'select fsmeta_dir_stats_on() and not exists (select 1 from setting where name = $1) as on',
    [BUILD_SETTING],
    'dir-stats-ready',
  );
  return rows[0]?.on === true;
}

export interface ChildEntry {
  inode: bigint;
  name: Buffer;
  type: number;
  length: bigint;
}

/** Every entry of a directory with its node's type and length (the tree form of GetSummary). */
export async function listChildren(q: Tx, dir: bigint): Promise<ChildEntry[]> {
  return q.query<ChildEntry>(
    'select e.inode, e.name, n.type, n.length from edge e join node n on n.inode = e.inode where e.parent = $1 order by e.name',
    [dir],
    'list-children',
  );
}
