import type { Tx } from './db';

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

/**
 * Recomputes every directory's statistics from its entries (turning dir_stats on for a volume that
 * has files, or repairing them). Run under the exclusive structure lock, so nothing changes
 * meanwhile. Returns how many directories have entries.
 */
export async function rebuildDirStats(tx: Tx): Promise<number> {
  await tx.query('delete from dir_stat', [], 'clear-dir-stats');
  const rows = await tx.query(
    `insert into dir_stat (inode, shard, length, space, inodes, symlinks)
     select e.parent, 0,
            coalesce(sum(case when n.type = 1 then n.length else 0 end), 0),
            coalesce(sum(case when n.type = 1 then (case when n.length <= 0 then 4096 else ((n.length + 4095) / 4096) * 4096 end) else 4096 end), 0),
            count(*), count(*) filter (where n.type = 3)
       from edge e join node n on n.inode = e.inode
      group by e.parent
     returning inode`,
    [],
    'rebuild-dir-stats',
  );
  return rows.length;
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

/** Whether the volume keeps directory statistics (Format dir_stats). */
export async function dirStatsOn(q: Tx): Promise<boolean> {
  const rows = await q.query<{ on: boolean }>('select fsmeta_dir_stats_on() as on', [], 'dir-stats-on');
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
