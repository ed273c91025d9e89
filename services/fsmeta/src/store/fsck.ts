import { rebuildDirStats } from './dir-stats';
import { QUOTA_DRIFT_SQL, repairQuotaUsage, resyncVolumeGrants } from './quotas';
import type { Tx } from './db';
import { CHUNK_SLICES_SQL, TRASH_INODE_MIN } from './dump';

/**
 * Consistency checks over the whole volume (`fsmeta fsck`) and the repairs
 * that are safe while replicas keep serving. Each check is one set-based
 * statement that returns its findings (at most `limit` examples and the total);
 * each repair is one transaction that locks what it changes first, so a
 * concurrent mutation either committed before (and is recounted) or waits and
 * applies its own delta after.
 */

export interface Finding {
  /** One line naming the object: "inode 12: nlink 3, entries 2". */
  text: string;
}

export interface CheckResult {
  count: number;
  examples: string[];
}

async function collect(q: Tx, sql: string, params: unknown[], limit: number, line: (r: Record<string, unknown>) => string): Promise<CheckResult> {
  const rows = await q.query<Record<string, unknown> & { total: bigint }>(
    `with found as (${sql}) select *, count(*) over () as total from found limit $${params.length + 1}`,
    [...params, limit],
  );
  return { count: rows.length === 0 ? 0 : Number(rows[0]!.total), examples: rows.map(line) };
}

/** JuiceFS's TrashInode: the trash's root, like the root no entry names it and it is not counted; trash directories keep nlink 2. */
const TRASH = TRASH_INODE_MIN.toString();

const hex = (b: unknown) => (Buffer.isBuffer(b) ? b.toString('hex') : String(b));

// Directory link counts: 2 + subdirectories; anything else: its entries (0 only while open).
const NLINK_SQL = `
  select n.inode, n.type, n.nlink, coalesce(l.links, 0) as links, coalesce(s.subdirs, 0) as subdirs
    from node n
    left join (select inode, count(*) as links from edge group by inode) l on l.inode = n.inode
    left join (select parent, count(*) as subdirs from edge where type = 2 group by parent) s on s.parent = n.inode
   where case when n.type = 2 then n.inode < ${TRASH} and n.nlink <> 2 + coalesce(s.subdirs, 0)
              else n.nlink <> coalesce(l.links, 0) end`;

// The parent column: a directory's or single-linked node's entry parent; 0 once hard-linked.
const PARENT_SQL = `
  select n.inode, n.parent, l.links, l.parent as entry_parent
    from node n join (select inode, count(*) as links, min(parent) as parent from edge group by inode) l on l.inode = n.inode
   where n.inode <> 1 and n.parent <> case when l.links > 1 and n.type <> 2 then 0 else l.parent end`;

const ORPHAN_SQL = `
  select n.inode, n.type, n.nlink from node n
   where n.inode <> 1 and n.inode <> ${TRASH} and not exists (select 1 from edge e where e.inode = n.inode)
     and not exists (select 1 from open_file o where o.inode = n.inode)`;

const UNREACHABLE_SQL = `
  with recursive r (inode) as (select unnest(array[1, ${TRASH}]::bigint[]) union select e.inode from r join edge e on e.parent = r.inode)
  select n.inode, n.type from node n
   where n.inode <> 1 and exists (select 1 from edge e where e.inode = n.inode)
     and not exists (select 1 from r where r.inode = n.inode)`;

const DANGLING_SQL = `
  select e.parent, e.name, e.inode from edge e where not exists (select 1 from node n where n.inode = e.inode)`;

const BAD_PARENT_SQL = `
  select e.parent, e.name, e.inode from edge e left join node p on p.inode = e.parent where p.inode is null or p.type <> 2`;

const EDGE_TYPE_SQL = `
  select e.parent, e.name, e.inode, e.type, n.type as node_type from edge e join node n on n.inode = e.inode where e.type <> n.type`;

const SLICE_REFS_SQL = `
  select coalesce(c.id, r.id) as id, coalesce(r.refs, 0) as refs, coalesce(c.n, 0) as counted, coalesce(c.size, r.size) as size
    from (select id, count(*) as n, max(size) as size from (${CHUNK_SLICES_SQL}) s where id <> 0 group by id) c
    full join slice_ref r on r.id = c.id
   where coalesce(r.refs, 0) <> coalesce(c.n, 0)`;

const CORRUPT_CHUNK_SQL = `select inode, indx, length(slices) as bytes from chunk where length(slices) % 24 <> 0`;

const LOST_CHUNKS_SQL = `
  select distinct c.inode from chunk c
   where not exists (select 1 from node n where n.inode = c.inode)
     and not exists (select 1 from file_release f where f.inode = c.inode)`;

const SYMLINK_SQL = `
  select n.inode, 'no target' as what from node n where n.type = 3 and not exists (select 1 from symlink s where s.inode = n.inode)
  union all
  select s.inode, 'target of a missing or non-symlink node' from symlink s left join node n on n.inode = s.inode where n.inode is null or n.type <> 3`;

const STRAY_ROWS_SQL = `
  select x.inode, 'xattr' as what from xattr x where not exists (select 1 from node n where n.inode = x.inode)
  union all
  select o.inode, 'open file of session ' || o.sid from open_file o
   where not exists (select 1 from node n where n.inode = o.inode) or not exists (select 1 from session s where s.sid = o.sid)`;

const USAGE_SQL = `
  select u.space, u.inodes, c.space as counted_space, c.inodes as counted_inodes
    from (select coalesce(sum(space), 0)::bigint as space, coalesce(sum(inodes), 0)::bigint as inodes from usage_shard) u,
         (select coalesce(sum(case when type = 1 then greatest(4096, (length + 4095) / 4096 * 4096) else 4096 end), 0)::bigint as space,
                 count(*)::bigint as inodes from node where inode <> 1 and inode <> ${TRASH}) c
   where u.space <> c.space or u.inodes <> c.inodes`;

const STUCK_SQL = `
  select 'file release of inode ' || inode || ' queued ' || queued_at as what from file_release where queued_at < now() - interval '1 hour'
  union all
  select 'compaction offer of inode ' || c.inode || ' chunk ' || c.indx || ' whose chunk is gone' from compaction c
   where not exists (select 1 from chunk k where k.inode = c.inode and k.indx = c.indx)
  union all
  select 'slice deletion of slice ' || id || ' queued ' || queued_at || ' and never acknowledged' from slice_deletion where queued_at < now() - interval '7 days'`;

// Directory statistics (when the volume keeps them): per directory, the sum of its stripes against its
// entries; while a build runs (store/dir-stats.ts), the directories it has yet to compute are skipped.
const DIR_STATS_SQL = `
  with kept as (select inode, sum(length)::bigint as length, sum(space)::bigint as space, sum(inodes)::bigint as inodes,
                       sum(symlinks)::bigint as symlinks from dir_stat group by inode),
       counted as (select e.parent as inode, coalesce(sum(case when n.type = 1 then n.length else 0 end), 0)::bigint as length,
                          coalesce(sum(case when n.type = 1 then greatest(4096, (n.length + 4095) / 4096 * 4096) else 4096 end), 0)::bigint as space,
                          count(*)::bigint as inodes, count(*) filter (where n.type = 3)::bigint as symlinks
                     from edge e join node n on n.inode = e.inode group by e.parent)
  select coalesce(k.inode, c.inode) as inode, k.length, k.space, k.inodes, k.symlinks,
         c.length as counted_length, c.space as counted_space, c.inodes as counted_inodes, c.symlinks as counted_symlinks
    from kept k full join counted c on c.inode = k.inode
   where fsmeta_dir_stats_on()
     and not exists (select 1 from setting b where b.name = 'dir_stats_build'
                        and coalesce(k.inode, c.inode) > (b.value->>'cursor')::bigint and coalesce(k.inode, c.inode) <= (b.value->>'until')::bigint)
     and (coalesce(k.length, 0) <> coalesce(c.length, 0) or coalesce(k.space, 0) <> coalesce(c.space, 0)
          or coalesce(k.inodes, 0) <> coalesce(c.inodes, 0) or coalesce(k.symlinks, 0) <> coalesce(c.symlinks, 0))`;

export interface Check {
  /** The quota-structure lock the repair needs (exclusive: no mutation in flight while quotas or statistics are rewritten). */
  exclusive?: boolean;
  name: string;
  description: string;
  run(q: Tx, limit: number): Promise<CheckResult>;
  /** Fixes what the check found, in one transaction; returns how many things it changed. Absent: report only. */
  repair?: (tx: Tx) => Promise<number>;
  repairText?: string;
}

export const CHECKS: Check[] = [
  {
    name: 'dangling-entries',
    description: 'entries pointing at inodes that do not exist',
    run: (q, limit) => collect(q, DANGLING_SQL, [], limit, (r) => `entry ${r.parent}/${hex(r.name)} -> missing inode ${r.inode}`),
    repairText: 'entry removed',
    repair: async (tx) => (await tx.query(`delete from edge e where not exists (select 1 from node n where n.inode = e.inode) returning 1`)).length,
  },
  {
    name: 'entries-outside-directories',
    description: 'entries whose parent is missing or not a directory',
    run: (q, limit) => collect(q, BAD_PARENT_SQL, [], limit, (r) => `entry ${r.parent}/${hex(r.name)} -> ${r.inode}: parent missing or not a directory`),
    repairText: 'entry removed (its inode is then an orphan, moved to /lost+found)',
    repair: async (tx) =>
      (await tx.query(`delete from edge e where not exists (select 1 from node p where p.inode = e.parent and p.type = 2) returning 1`)).length,
  },
  {
    name: 'entry-types',
    description: 'entries whose type differs from their inode',
    run: (q, limit) => collect(q, EDGE_TYPE_SQL, [], limit, (r) => `entry ${r.parent}/${hex(r.name)} -> ${r.inode}: type ${r.type}, inode type ${r.node_type}`),
    repairText: "entry type set to the inode's",
    repair: async (tx) => (await tx.query(`update edge e set type = n.type from node n where n.inode = e.inode and e.type <> n.type returning 1`)).length,
  },
  {
    name: 'orphans',
    description: 'inodes (not the root) with no entry that no session has open',
    run: (q, limit) => collect(q, ORPHAN_SQL, [], limit, (r) => `inode ${r.inode} (type ${r.type}, nlink ${r.nlink}): no entry, not open`),
    repairText: 'linked into /lost+found as its inode number',
    repair: async (tx) => {
      const orphans = await tx.query<{ inode: bigint; type: number }>(`${ORPHAN_SQL} order by inode for update of n`);
      if (orphans.length === 0) return 0;
      const lf = await lostAndFound(tx);
      await tx.query(
        `insert into edge (parent, name, inode, type) select $1, convert_to(t.inode::text, 'UTF8'), t.inode, t.type
           from unnest($2::bigint[], $3::smallint[]) as t(inode, type) on conflict do nothing`,
        [lf, orphans.map((o) => o.inode), orphans.map((o) => o.type)],
      );
      await tx.query('update node set parent = $1, nlink = 1 where inode = any($2::bigint[]) and type <> 2', [lf, orphans.map((o) => o.inode)]);
      await tx.query('update node set parent = $1 where inode = any($2::bigint[]) and type = 2', [lf, orphans.map((o) => o.inode)]);
      return orphans.length;
    },
  },
  {
    name: 'unreachable',
    description: 'inodes with entries that the root does not reach (a directory cycle)',
    run: (q, limit) => collect(q, UNREACHABLE_SQL, [], limit, (r) => `inode ${r.inode} (type ${r.type}): not reachable from the root`),
  },
  {
    name: 'nlink',
    description: 'link counts that differ from the entries (directories: 2 + subdirectories)',
    run: (q, limit) =>
      collect(q, NLINK_SQL, [], limit, (r) => `inode ${r.inode}: nlink ${r.nlink}, expected ${Number(r.type) === 2 ? 2n + (r.subdirs as bigint) : r.links}`),
    repairText: 'nlink set to the recount',
    repair: async (tx) => {
      const rows = await tx.query<{ inode: bigint }>(`select inode from (${NLINK_SQL}) x order by inode`);
      if (rows.length === 0) return 0;
      await tx.query('select 1 from node where inode = any($1::bigint[]) order by inode for update', [rows.map((r) => r.inode)]);
      return (
        await tx.query(
          `update node n set nlink = case when x.type = 2 then 2 + x.subdirs else x.links end
             from (${NLINK_SQL}) x where x.inode = n.inode returning 1`,
        )
      ).length;
    },
  },
  {
    name: 'parents',
    description: "parent fields that differ from the entries (0 for hard-linked files)",
    run: (q, limit) => collect(q, PARENT_SQL, [], limit, (r) => `inode ${r.inode}: parent ${r.parent}, entries ${r.links} in ${r.entry_parent}`),
    repairText: 'parent set from the entries',
    repair: async (tx) =>
      (
        await tx.query(
          `update node n set parent = case when x.links > 1 and n.type <> 2 then 0 else x.entry_parent end from (${PARENT_SQL}) x where x.inode = n.inode returning 1`,
        )
      ).length,
  },
  {
    name: 'symlinks',
    description: 'symlinks without a target, targets without a symlink',
    run: (q, limit) => collect(q, SYMLINK_SQL, [], limit, (r) => `inode ${r.inode}: ${r.what}`),
    repairText: 'stray targets removed (a symlink without a target is reported only)',
    repair: async (tx) =>
      (await tx.query(`delete from symlink s where not exists (select 1 from node n where n.inode = s.inode and n.type = 3) returning 1`)).length,
  },
  {
    name: 'stray-rows',
    description: 'xattrs and open files of inodes or sessions that do not exist',
    run: (q, limit) => collect(q, STRAY_ROWS_SQL, [], limit, (r) => `inode ${r.inode}: ${r.what}`),
    repairText: 'rows removed',
    repair: async (tx) =>
      (await tx.query(`delete from xattr x where not exists (select 1 from node n where n.inode = x.inode) returning 1`)).length +
      (
        await tx.query(
          `delete from open_file o where not exists (select 1 from node n where n.inode = o.inode)
              or not exists (select 1 from session s where s.sid = o.sid) returning 1`,
        )
      ).length,
  },
  {
    name: 'corrupt-chunks',
    description: 'chunk rows whose slice records are not whole 24-byte records',
    run: (q, limit) => collect(q, CORRUPT_CHUNK_SQL, [], limit, (r) => `inode ${r.inode} chunk ${r.indx}: ${r.bytes} bytes`),
  },
  {
    name: 'lost-chunks',
    description: 'chunks of inodes that no longer exist and are not queued for release',
    run: (q, limit) => collect(q, LOST_CHUNKS_SQL, [], limit, (r) => `inode ${r.inode}: chunks left behind`),
    repairText: 'queued for release (the release job drops the chunks and their slice references)',
    repair: async (tx) => (await tx.query(`insert into file_release (inode) ${LOST_CHUNKS_SQL} on conflict do nothing returning 1`)).length,
  },
  {
    name: 'slice-references',
    description: 'slice reference counts that differ from the chunk records',
    run: (q, limit) => collect(q, SLICE_REFS_SQL, [], limit, (r) => `slice ${r.id}: refs ${r.refs}, referenced ${r.counted} times`),
    repairText: 'reference counts set to the recount; slices referenced by nothing queued for deletion',
    repair: async (tx) => {
      // Writers add references with an upsert on slice_ref: lock the rows first, then recount.
      const ids = (await tx.query<{ id: bigint }>(`select id from (${SLICE_REFS_SQL}) x order by id`)).map((r) => r.id);
      if (ids.length === 0) return 0;
      await tx.query('select 1 from slice_ref where id = any($1::bigint[]) order by id for update', [ids]);
      const rows = await tx.query<{ id: bigint; counted: bigint; size: bigint }>(`select id, counted, size from (${SLICE_REFS_SQL}) x where id = any($1::bigint[])`, [ids]);
      const keep = rows.filter((r) => r.counted > 0n);
      const gone = rows.filter((r) => r.counted === 0n);
      if (keep.length > 0) {
        await tx.query(
          `insert into slice_ref (id, size, refs) select * from unnest($1::bigint[], $2::bigint[], $3::bigint[])
           on conflict (id) do update set refs = excluded.refs`,
          [keep.map((r) => r.id), keep.map((r) => r.size), keep.map((r) => r.counted)],
        );
      }
      if (gone.length > 0) {
        await tx.query(
          `with d as (delete from slice_ref where id = any($1::bigint[]) returning id, size)
           insert into slice_deletion (id, size) select id, size from d on conflict (id) do nothing`,
          [gone.map((r) => r.id)],
        );
      }
      return rows.length;
    },
  },
  {
    name: 'usage',
    description: 'used space and inode totals that differ from a recount',
    run: (q, limit) =>
      collect(q, USAGE_SQL, [], limit, (r) => `space ${r.space}, recounted ${r.counted_space}; inodes ${r.inodes}, recounted ${r.counted_inodes}`),
    repairText: 'totals set to the recount',
    repair: async (tx) => {
      // Every writer updates one shard: with all of them locked, the recount sees every committed change
      // and a mutation still in flight applies its delta after this commits.
      await tx.query('select 1 from usage_shard order by shard for update');
      const rows = await tx.query<{ counted_space: bigint; counted_inodes: bigint }>(USAGE_SQL);
      if (rows.length === 0) return 0;
      await tx.query('update usage_shard set space = case when shard = 0 then $1::bigint else 0 end, inodes = case when shard = 0 then $2::bigint else 0 end', [
        rows[0]!.counted_space,
        rows[0]!.counted_inodes,
      ]);
      await resyncVolumeGrants(tx);
      return 1;
    },
  },
  {
    name: 'quota-usage',
    description: 'directory, user and group quota usage that differs from a recount',
    run: (q, limit) =>
      collect(q, QUOTA_DRIFT_SQL, [null, null], limit, (r) => `${['', 'directory', 'user', 'group'][Number(r.kind)]} quota ${r.key}: used ${r.used_space} bytes / ${r.used_inodes} inodes, recounted ${r.counted_space} / ${r.counted_inodes}`),
    exclusive: true,
    repairText: 'usage set to the recount',
    repair: async (tx) => (await repairQuotaUsage(tx)).length,
  },
  {
    name: 'dir-stats',
    description: 'directory statistics (length, space, inodes, symlinks of the direct children) that differ from a recount',
    run: (q, limit) =>
      collect(q, DIR_STATS_SQL, [], limit, (r) =>
        `directory ${r.inode}: ${r.length ?? 0}/${r.space ?? 0}/${r.inodes ?? 0}/${r.symlinks ?? 0}, recounted ${r.counted_length ?? 0}/${r.counted_space ?? 0}/${r.counted_inodes ?? 0}/${r.counted_symlinks ?? 0}`),
    exclusive: true,
    repairText: 'statistics rebuilt from the entries',
    repair: async (tx) => {
      const n = (await tx.query(DIR_STATS_SQL)).length;
      if (n > 0) await rebuildDirStats(tx);
      return n;
    },
  },
  {
    name: 'stuck-queues',
    description: 'work-queue rows that should have been done long ago',
    run: (q, limit) => collect(q, STUCK_SQL, [], limit, (r) => String(r.what)),
  },
];

/** /lost+found (root-only, 0700), created on first use; returns its inode. */
async function lostAndFound(tx: Tx): Promise<bigint> {
  const name = Buffer.from('lost+found');
  const found = await tx.query<{ inode: bigint }>('select inode from edge where parent = 1 and name = $1', [name]);
  if (found[0] !== undefined) return found[0].inode;
  const now = BigInt(Date.now()) * 1_000_000n;
  const rows = await tx.query<{ inode: bigint }>(
    `with n as (insert into node (inode, type, mode, uid, gid, atime_ns, mtime_ns, ctime_ns, nlink, length, parent)
                values (nextval('inode_seq'), 2, $2, 0, 0, $3, $3, $3, 2, 4096, 1) returning inode),
          e as (insert into edge (parent, name, inode, type) select 1, $1, inode, 2 from n)
     select inode from n`,
    [name, 0o700, now],
  );
  // Charged like any mkdir in the root (volume limits, quotas over the root, statistics).
  await tx.query('select fsmeta_charge(0, 0, 4096, 1, array[1::bigint], 4096, 1, 0)');
  await tx.query('update node set nlink = nlink + 1 where inode = 1');
  return rows[0]!.inode;
}
