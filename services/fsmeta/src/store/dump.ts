import { dirStatsOn, rebuildDirStats } from './dir-stats';
import { resyncVolumeGrants } from './quotas';
import type { Tx } from './db';
import { N_COLS, type NodeRow } from './nodes';

/**
 * SQL for `fsmeta dump` and `fsmeta load`: paged reads of a consistent snapshot
 * (the dump runs in one REPEATABLE READ READ ONLY transaction) and batched
 * inserts into an empty volume (the load runs in one transaction, so a failed
 * load leaves nothing behind). Memory stays bounded by the page and batch sizes.
 */

/** Every table that holds the volume, emptied by `load --replace`. */
const VOLUME_TABLES = [
  'node', 'edge', 'symlink', 'xattr', 'chunk', 'slice_ref', 'file_release', 'slice_deletion', 'compaction',
  'open_file', 'flock', 'plock', 'lock_waiter', 'request_log', 'session', 'setting', 'quota_shard', 'quota', 'dir_stat',
  'change_log', 'acl',
];

/** A node row as dumps read it (store/nodes.ts NodeRow); the ACL ids are always selected here (0: none). */
export interface NodeRecord extends NodeRow {
  access_acl_id?: bigint;
  default_acl_id?: bigint;
}

export interface DirEntryRecord extends NodeRecord {
  name: Buffer;
  target: Buffer | null;
}


/** A POSIX ACL rule set as JuiceFS keeps it (jfs_acl): mask 0xFFFF is "no mask"; named entries 6 bytes each (id u32, perm u16), big-endian. */
export interface AclRow {
  id: bigint;
  owner: number;
  grp: number;
  mask: number;
  other: number;
  named_users: Buffer;
  named_groups: Buffer;
}

export async function aclRows(q: Tx, ids: bigint[]): Promise<AclRow[]> {
  if (ids.length === 0) return [];
  return q.query<AclRow>('select id, owner, grp, mask, other, named_users, named_groups from acl where id = any($1::bigint[])', [ids]);
}

/** Quotas as stored (limits only: usage is recounted on load). */
export async function quotaLimits(q: Tx): Promise<{ kind: number; key: bigint; max_space: bigint; max_inodes: bigint }[]> {
  return q.query('select kind, key, max_space, max_inodes from quota order by kind, key');
}

/** Whether `inode` lies in the tree under `root` (itself included). */
export async function inTree(q: Tx, root: bigint, inode: bigint): Promise<boolean> {
  const rows = await q.query<{ yes: boolean }>(
    `with recursive up (inode, depth) as (
         select $2::bigint, 0
       union all
         select e.parent, up.depth + 1 from up join edge e on e.inode = up.inode where up.inode <> $1 and up.inode <> 1 and up.depth < 100000
     )
     select exists (select 1 from up where inode = $1) as yes`,
    [root, inode],
  );
  return rows[0]!.yes;
}

export async function nodeWithTarget(q: Tx, inode: bigint): Promise<(NodeRecord & { target: Buffer | null }) | undefined> {
  const rows = await q.query<NodeRecord & { target: Buffer | null }>(
    `select ${N_COLS}, s.target from node n left join symlink s on s.inode = n.inode where n.inode = $1`,
    [inode],
  );
  return rows[0];
}

/** Entries of `parent` after `after` in byte order, with their nodes (an entry whose node is missing is left out). */
export async function dirPage(q: Tx, parent: bigint, after: Buffer | undefined, limit: number): Promise<DirEntryRecord[]> {
  return q.query<DirEntryRecord>(
    `select e.name, ${N_COLS}, s.target
       from edge e join node n on n.inode = e.inode left join symlink s on s.inode = n.inode
      where e.parent = $1 and ($2::bytea is null or e.name > $2)
      order by e.name limit $3`,
    [parent, after ?? null, limit],
  );
}

export async function xattrsOf(q: Tx, inodes: bigint[]): Promise<{ inode: bigint; name: Buffer; value: Buffer }[]> {
  if (inodes.length === 0) return [];
  return q.query('select inode, name, value from xattr where inode = any($1::bigint[]) order by inode, name', [inodes]);
}

export async function chunksOfMany(q: Tx, inodes: bigint[]): Promise<{ inode: bigint; indx: bigint; slices: Buffer }[]> {
  if (inodes.length === 0) return [];
  return q.query('select inode, indx, slices from chunk where inode = any($1::bigint[]) order by inode, indx', [inodes]);
}

export interface Counters {
  nextTrash: bigint;
  usedSpace: bigint;
  usedInodes: bigint;
  nextInode: bigint;
  nextSlice: bigint;
  nextSession: bigint;
}

/** Sequence values as "the next id to hand out" (JuiceFS nextInode / nextChunk / nextSession). */
export async function counters(q: Tx): Promise<Counters> {
  const rows = await q.query<{ space: bigint; inodes: bigint; ni: bigint; ns: bigint; nse: bigint; nt: bigint }>(
    `select (select case when is_called then last_value else last_value - 1 end from trash_seq) as nt, (select coalesce(sum(space), 0)::bigint from usage_shard) as space,
            (select coalesce(sum(inodes), 0)::bigint from usage_shard) as inodes,
            (select case when is_called then last_value + 1 else last_value end from inode_seq) as ni,
            (select case when is_called then last_value + 4096 else last_value end from slice_seq) as ns,
            (select case when is_called then last_value + 1 else last_value end from session_seq) as nse`,
  );
  const r = rows[0]!;
  return { usedSpace: r.space, usedInodes: r.inodes, nextInode: r.ni, nextSlice: r.ns, nextSession: r.nse, nextTrash: r.nt };
}

export async function pendingReleases(q: Tx): Promise<{ inode: bigint; queued_s: bigint }[]> {
  return q.query('select inode, extract(epoch from queued_at)::bigint as queued_s from file_release order by inode');
}

/** Files kept only by open references (nlink 0), by session: JuiceFS's "Sustained". */
export async function sustained(q: Tx): Promise<{ sid: bigint; inodes: bigint[] }[]> {
  return q.query(
    `select o.sid, array_agg(o.inode order by o.inode) as inodes
       from open_file o join node n on n.inode = o.inode where n.nlink = 0 group by o.sid order by o.sid`,
  );
}

export async function allSettings(q: Tx): Promise<Map<string, unknown>> {
  const rows = await q.query<{ name: string; value: unknown }>('select name, value from setting');
  return new Map(rows.map((r) => [r.name, r.value]));
}

// ---- load ----

/** True when the database already holds a volume (a format or any node). */
export async function hasVolume(q: Tx): Promise<boolean> {
  const rows = await q.query<{ yes: boolean }>(
    `select exists (select 1 from setting where name = 'format') or exists (select 1 from node) as yes`,
  );
  return rows[0]!.yes;
}

/** Empties every volume table (load --replace), in the load's transaction. */
export async function clearVolume(tx: Tx): Promise<void> {
  // cascade: tables added later that reference these (by session, say) go too.
  await tx.query(`truncate ${VOLUME_TABLES.join(', ')} cascade`);
  await tx.query('update usage_shard set space = 0, inodes = 0');
}

/** Rows waiting to be inserted; flushed as one statement per table. */
export class LoadBatch {
  nodes: NodeRecord[] = [];
  edges: { parent: bigint; name: Buffer; inode: bigint; type: number }[] = [];
  symlinks: { inode: bigint; target: Buffer }[] = [];
  xattrs: { inode: bigint; name: Buffer; value: Buffer }[] = [];
  chunks: { inode: bigint; indx: bigint; slices: Buffer }[] = [];
  releases: { inode: bigint; queuedS: bigint }[] = [];
  acls: { inode: bigint; access?: AclInput; default?: AclInput }[] = [];

  get size(): number {
    return this.nodes.length + this.edges.length + this.symlinks.length + this.xattrs.length + this.chunks.length + this.releases.length + this.acls.length;
  }

  /**
   * Inserts everything buffered and empties the buffers. A node, symlink, xattr
   * or chunk seen again (a hard link appears once per name in a dump) is kept
   * from its first appearance.
   */
  async flush(tx: Tx): Promise<void> {
    const n = this.nodes;
    if (n.length > 0) {
      const col = <K extends keyof NodeRecord>(k: K) => n.map((r) => r[k]);
      await tx.query(
        `insert into node (inode, type, flags, mode, uid, gid, rdev, atime_ns, mtime_ns, ctime_ns, nlink, length, parent)
         select * from unnest($1::bigint[], $2::smallint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[],
                              $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[])
         on conflict (inode) do nothing`,
        [col('inode'), col('type'), col('flags'), col('mode'), col('uid'), col('gid'), col('rdev'), col('atime_ns'), col('mtime_ns'),
          col('ctime_ns'), col('nlink'), col('length'), col('parent')],
      );
    }
    if (this.edges.length > 0) {
      const e = this.edges;
      await tx.query(
        'insert into edge (parent, name, inode, type) select * from unnest($1::bigint[], $2::bytea[], $3::bigint[], $4::smallint[])',
        [e.map((r) => r.parent), e.map((r) => r.name), e.map((r) => r.inode), e.map((r) => r.type)],
      );
    }
    if (this.symlinks.length > 0) {
      const s = this.symlinks;
      await tx.query('insert into symlink (inode, target) select * from unnest($1::bigint[], $2::bytea[]) on conflict do nothing', [
        s.map((r) => r.inode), s.map((r) => r.target),
      ]);
    }
    if (this.xattrs.length > 0) {
      const x = this.xattrs;
      await tx.query('insert into xattr (inode, name, value) select * from unnest($1::bigint[], $2::bytea[], $3::bytea[]) on conflict do nothing', [
        x.map((r) => r.inode), x.map((r) => r.name), x.map((r) => r.value),
      ]);
    }
    if (this.chunks.length > 0) {
      const c = this.chunks;
      await tx.query('insert into chunk (inode, indx, slices) select * from unnest($1::bigint[], $2::bigint[], $3::bytea[]) on conflict do nothing', [
        c.map((r) => r.inode), c.map((r) => r.indx), c.map((r) => r.slices),
      ]);
    }
    if (this.releases.length > 0) {
      const r = this.releases;
      await tx.query(
        'insert into file_release (inode, queued_at) select i, to_timestamp(s) from unnest($1::bigint[], $2::bigint[]) as t(i, s) on conflict do nothing',
        [r.map((x) => x.inode), r.map((x) => x.queuedS)],
      );
    }
    for (const a of this.acls) {
      const access = a.access === undefined ? 0n : await aclId(tx, a.access);
      const def = a.default === undefined ? 0n : await aclId(tx, a.default);
      await tx.query('update node set access_acl_id = $2, default_acl_id = $3 where inode = $1', [a.inode, access, def]);
    }
    this.acls = [];
    this.nodes = [];
    this.edges = [];
    this.symlinks = [];
    this.xattrs = [];
    this.chunks = [];
    this.releases = [];
  }
}

export type AclInput = Omit<AclRow, 'id'>;

/** The id of a rule set, inserted on first use (rule sets are shared, never changed). */
async function aclId(tx: Tx, a: AclInput): Promise<bigint> {
  const rows = await tx.query<{ id: bigint }>(
    `with i as (insert into acl (owner, grp, mask, other, named_users, named_groups) values ($1, $2, $3, $4, $5, $6)
                on conflict (owner, grp, mask, other, named_users, named_groups) do nothing returning id)
     select id from i union all
     select id from acl where owner = $1 and grp = $2 and mask = $3 and other = $4 and named_users = $5 and named_groups = $6`,
    [a.owner, a.grp, a.mask, a.other, a.named_users, a.named_groups],
  );
  return rows[0]!.id;
}

/** The slice records of every chunk as (id, size) rows, in SQL: 24-byte big-endian records (pos u32, id u64, size u32, off u32, len u32). */
export const CHUNK_SLICES_SQL = `
  select c.inode, c.indx,
         ('x' || encode(substring(c.slices from g * 24 + 5 for 8), 'hex'))::bit(64)::bigint as id,
         ('x00000000' || encode(substring(c.slices from g * 24 + 13 for 4), 'hex'))::bit(64)::bigint as size
    from chunk c, generate_series(0, length(c.slices) / 24 - 1) g`;

export interface LoadTotals {
  space: bigint;
  inodes: bigint;
  slices: bigint;
}

/**
 * After the last batch: link counts and parents from the entries (a directory
 * 2 + its subdirectories, anything else its entries; parent 0 when hard-linked),
 * directory and symlink lengths as fsmeta keeps them, used space and inodes
 * recounted (as JuiceFS load rebuilds its counters), slice reference counts from
 * the chunk records, and the id sequences past every id in use.
 */
export async function finishLoad(tx: Tx, dirLength: bigint, next: { inode: bigint; slice: bigint; session: bigint; trash: bigint }): Promise<LoadTotals> {
  await tx.query(
    `update node n set nlink = c.links, parent = case when c.links > 1 then 0 else c.parent end
       from (select inode, count(*) as links, min(parent) as parent from edge group by inode) c
      where c.inode = n.inode and n.type <> 2 and (n.nlink <> c.links or n.parent <> case when c.links > 1 then 0 else c.parent end)`,
  );
  await tx.query(
    `update node n set nlink = case when n.inode >= $2 then n.nlink else 2 + coalesce(d.subdirs, 0) end, length = $1
       from node m left join (select parent, count(*) as subdirs from edge where type = 2 group by parent) d on d.parent = m.inode
      where m.inode = n.inode and n.type = 2`,
    [dirLength, TRASH_INODE_MIN],
  );
  await tx.query('update node n set length = length(s.target) from symlink s where s.inode = n.inode and n.type = 3');
  const usage = await tx.query<{ space: bigint; inodes: bigint }>(
    `select coalesce(sum(case when type = 1 then greatest(4096, (length + 4095) / 4096 * 4096) else 4096 end), 0)::bigint as space,
            count(*)::bigint as inodes
       from node where inode <> 1 and inode <> $1`,
    [TRASH_INODE_MIN],
  );
  const { space, inodes } = usage[0]!;
  await tx.query('update usage_shard set space = case when shard = 0 then $1::bigint else 0 end, inodes = case when shard = 0 then $2::bigint else 0 end', [
    space, inodes,
  ]);
  await resyncVolumeGrants(tx);
  // Directory statistics are rebuilt from the loaded entries.
  if (await dirStatsOn(tx)) await rebuildDirStats(tx);
  const refs = await tx.query<{ n: bigint }>(
    `with ins as (
       insert into slice_ref (id, size, refs)
       select id, max(size), count(*) from (${CHUNK_SLICES_SQL}) s where id <> 0 group by id
       returning 1)
     select count(*)::bigint as n from ins`,
  );
  await tx.query(
    `select setval('inode_seq', greatest($1::bigint, (select coalesce(max(inode), 1) + 1 from node where inode < $4::bigint), 2), false),
            setval('slice_seq', greatest($2::bigint, (select coalesce(max(id), 0) + 1 from slice_ref), 1), false),
            setval('session_seq', greatest($3::bigint, 1), false),
            setval('trash_seq', greatest($5::bigint, (select coalesce(max(inode) - $4::bigint, 0) from node where inode >= $4::bigint)) + 1, false)`,
    [next.inode, next.slice, next.session, TRASH_INODE_MIN, next.trash],
  );
  return { space, inodes, slices: refs[0]!.n };
}

/** JuiceFS TrashInode: inodes from here up are the trash's, outside the inode sequence. */
export const TRASH_INODE_MIN = 0x7fffffff10000000n;
