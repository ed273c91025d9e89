import type { Tx } from './db';

/**
 * Read-mostly SQL for the admin CLI (status, info, summary, sessions): nothing
 * here is on a request path. Reads are autocommit statements; the few writes
 * run in the caller's transaction.
 */

export interface QueueDepths {
  /** Files whose data waits to be released (file_release). */
  fileRelease: bigint;
  /** Slices waiting for a storage node to delete their objects, how many of those are leased now, and how many wait out the trash (compaction's delayed slices). */
  sliceDeletion: bigint;
  sliceDeletionLeased: bigint;
  sliceDeletionDelayed: bigint;
  /** Chunks offered for compaction, and how many a storage node holds a claim on. */
  compaction: bigint;
  compactionClaimed: bigint;
  /** Remembered mutation outcomes (request_log rows). */
  requestLog: bigint;
}

export async function queueDepths(q: Tx): Promise<QueueDepths> {
  const rows = await q.query<{ fr: bigint; sd: bigint; sdl: bigint; sdd: bigint; co: bigint; coc: bigint; rl: bigint }>(
    `select (select count(*) from file_release) as fr,
            (select count(*) from slice_deletion) as sd,
            (select count(*) from slice_deletion where lease_until > now() and queued_at <= now()) as sdl,
            (select count(*) from slice_deletion where queued_at > now()) as sdd,
            (select count(*) from compaction) as co,
            (select count(*) from compaction where lease_until > now()) as coc,
            (select count(*) from request_log) as rl`,
  );
  const r = rows[0]!;
  return { fileRelease: r.fr, sliceDeletion: r.sd, sliceDeletionLeased: r.sdl, sliceDeletionDelayed: r.sdd, compaction: r.co, compactionClaimed: r.coc, requestLog: r.rl };
}

export interface NodeCounts {
  files: bigint;
  directories: bigint;
  symlinks: bigint;
  others: bigint;
  slices: bigint;
  sliceBytes: bigint;
}

export async function nodeCounts(q: Tx): Promise<NodeCounts> {
  const rows = await q.query<{ f: bigint; d: bigint; s: bigint; o: bigint; sl: bigint; sb: bigint }>(
    `select count(*) filter (where type = 1) as f, count(*) filter (where type = 2) as d,
            count(*) filter (where type = 3) as s, count(*) filter (where type > 3) as o,
            (select count(*) from slice_ref) as sl, (select coalesce(sum(size), 0)::bigint from slice_ref) as sb
       from node`,
  );
  const r = rows[0]!;
  return { files: r.f, directories: r.d, symlinks: r.s, others: r.o, slices: r.sl, sliceBytes: r.sb };
}

/** The entries that name `inode`: (parent, name) pairs. */
export async function entriesOf(q: Tx, inode: bigint): Promise<{ parent: bigint; name: Buffer }[]> {
  return q.query<{ parent: bigint; name: Buffer }>('select parent, name from edge where inode = $1 order by parent, name', [inode]);
}

/**
 * Every path of `inode` from the root (one per hard link), at most `limit`;
 * names as bytes. Walks up through edges in one recursive statement (a
 * directory has exactly one entry, so only the last step branches).
 */
export async function pathsOf(q: Tx, inode: bigint, limit: number): Promise<Buffer[][]> {
  const rows = await q.query<{ names: Buffer[] }>(
    `with recursive up (inode, names, depth) as (
         select e.parent, array[e.name], 1 from edge e where e.inode = $1
       union all
         select e.parent, e.name || up.names, up.depth + 1 from up join edge e on e.inode = up.inode
          where up.inode <> 1 and up.depth < 4096
     )
     select names from up where inode = 1 limit $2`,
    [inode, limit],
  );
  return rows.map((r) => r.names);
}

/** Resolves a path of names from the root; undefined when a component is missing. */
export async function resolvePath(q: Tx, names: Buffer[]): Promise<bigint | undefined> {
  let inode = 1n;
  for (const name of names) {
    const rows = await q.query<{ inode: bigint }>('select inode from edge where parent = $1 and name = $2', [inode, name]);
    if (rows[0] === undefined) return undefined;
    inode = rows[0].inode;
  }
  return inode;
}

export interface TreeSummary {
  files: bigint;
  directories: bigint;
  symlinks: bigint;
  others: bigint;
  /** Sum of file lengths. */
  length: bigint;
  /** Space as accounted (4 KiB units, at least one per inode). */
  space: bigint;
  /** Slice records under the tree. */
  slices: bigint;
}

/** Counts everything below (and including) directory `inode`, one recursive statement (as JuiceFS GetSummary). */
export async function treeSummary(q: Tx, inode: bigint): Promise<TreeSummary> {
  const rows = await q.query<{ f: bigint; d: bigint; s: bigint; o: bigint; len: bigint; sp: bigint; sl: bigint }>(
    `with recursive tree (inode) as (
         select $1::bigint
       union
         select e.inode from tree t join edge e on e.parent = t.inode
     )
     select count(*) filter (where n.type = 1) as f, count(*) filter (where n.type = 2) as d,
            count(*) filter (where n.type = 3) as s, count(*) filter (where n.type > 3) as o,
            coalesce(sum(n.length) filter (where n.type = 1), 0)::bigint as len,
            coalesce(sum(case when n.type = 1 then greatest(4096, (n.length + 4095) / 4096 * 4096) else 4096 end), 0)::bigint as sp,
            coalesce((select sum(length(c.slices) / 24) from chunk c where c.inode in (select inode from tree)), 0)::bigint as sl
       from tree t join node n on n.inode = t.inode`,
    [inode],
  );
  const r = rows[0]!;
  return { files: r.f, directories: r.d, symlinks: r.s, others: r.o, length: r.len, space: r.sp, slices: r.sl };
}

export interface ChunkSummary {
  indx: bigint;
  slices: Buffer;
}

export async function chunksOf(q: Tx, inode: bigint): Promise<ChunkSummary[]> {
  return q.query<ChunkSummary>('select indx, slices from chunk where inode = $1 order by indx', [inode]);
}

export async function xattrNames(q: Tx, inode: bigint): Promise<Buffer[]> {
  const rows = await q.query<{ name: Buffer }>('select name from xattr where inode = $1 order by name', [inode]);
  return rows.map((r) => r.name);
}

export async function openCount(q: Tx, inode: bigint): Promise<bigint> {
  const rows = await q.query<{ n: bigint }>('select coalesce(sum(refs), 0)::bigint as n from open_file where inode = $1', [inode]);
  return rows[0]!.n;
}

/** Locks held per session: flock and POSIX record-lock rows (each row one owner's locks on one inode). */
export async function locksBySession(q: Tx): Promise<Map<bigint, { flocks: bigint; plocks: bigint }>> {
  const rows = await q.query<{ sid: bigint; flocks: bigint; plocks: bigint }>(
    `select sid, sum(f)::bigint as flocks, sum(p)::bigint as plocks from (
       select sid, 1 as f, 0 as p from flock union all select sid, 0, 1 from plock) l group by sid`,
  );
  return new Map(rows.map((r) => [r.sid, { flocks: r.flocks, plocks: r.plocks }]));
}

export interface VolumeGauges {
  sessions: bigint;
  openFiles: bigint;
  fileRelease: bigint;
  sliceDeletion: bigint;
  compaction: bigint;
  trash: bigint;
  lockWaiters: bigint;
  requestLog: bigint;
  /** Backends of fsmeta waiting for a row or advisory lock right now, and the longest such wait. */
  dbLockWaiters: bigint;
  dbLockWaitSeconds: number;
}

/** Everything the metrics endpoint reports about the volume, in one statement (volume-wide: every replica sees the same). */
export async function volumeGauges(q: Tx): Promise<VolumeGauges> {
  const rows = await q.query<{
    s: bigint; o: bigint; fr: bigint; sd: bigint; co: bigint; tr: bigint; lw: bigint; rl: bigint; dw: bigint; dws: number;
  }>(
    `select (select count(*) from session where expire_at > now()) as s,
            (select count(*) from open_file) as o,
            (select count(*) from file_release) as fr,
            (select count(*) from slice_deletion) as sd,
            (select count(*) from compaction) as co,
            (select count(*) from edge where parent in (select inode from edge where parent = 9223372032828243968)) as tr,
            (select count(*) from lock_waiter where lease_until > now()) as lw,
            (select count(*) from request_log) as rl,
            (select count(*) from pg_stat_activity where wait_event_type = 'Lock' and application_name = 'fsmeta') as dw,
            (select coalesce(extract(epoch from max(now() - query_start)), 0)::float8 from pg_stat_activity
              where wait_event_type = 'Lock' and application_name = 'fsmeta') as dws`,
  );
  const r = rows[0]!;
  return {
    sessions: r.s, openFiles: r.o, fileRelease: r.fr, sliceDeletion: r.sd, compaction: r.co, trash: r.tr, lockWaiters: r.lw,
    requestLog: r.rl, dbLockWaiters: r.dw, dbLockWaitSeconds: Number(r.dws),
  };
}
