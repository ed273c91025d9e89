import { CHUNK_SIZE, type Attr } from '../meta/types';
import type { Tx } from './db';
import { attrOutcomeJson, modeGrantsSql, nodeColumns, nodeResult, resultAttr, rowToAttr, NODE_COLUMNS, type NodeRow } from './nodes';
import { runWrite, type OutcomeLog, type SessionCheck } from './requests';

/**
 * Chunk, slice-reference, data-release, slice-deletion and compaction SQL.
 * A chunk row's `slices` is append-only: every change appends records, except
 * a compaction commit, which replaces a prefix it verified under the row lock.
 */

const RECORD_BYTES = 24;

/** SQL for baseMeta's align4K of a length expression: 4 KiB for 0, else rounded up to 4 KiB. */
const align4K = (x: string): string => `(case when ${x} <= 0 then 4096 else ((${x} + 4095) / 4096) * 4096 end)`;

/** SQL for the directories a node's entries are in (meta/quotas.ts entryDirs) from a node row `alias`. */
const entryDirsSql = (alias: string): string =>
  `case when ${alias}.nlink = 0 then null when ${alias}.parent <> 0 then array[${alias}.parent]
        else array(select e.parent from edge e where e.inode = ${alias}.inode) end`;

export async function queueFileRelease(tx: Tx, inode: bigint): Promise<void> {
  await tx.query('insert into file_release (inode) values ($1) on conflict do nothing', [inode], 'queue-file-release');
}

/**
 * A node and one of its chunk blobs in one round trip (Read's hot path);
 * undefined when the node is gone, `slices` null when the chunk has no row.
 */
export async function getNodeAndChunk(q: Tx, inode: bigint, indx: number): Promise<{ attr: Attr; slices: Buffer | null } | undefined> {
  const rows = await q.query<NodeRow & { slices: Buffer | null }>(
    `select n.inode, n.type, n.flags, n.mode, n.uid, n.gid, n.rdev, n.atime_ns, n.mtime_ns, n.ctime_ns, n.nlink, n.length, n.parent, c.slices
       from node n left join chunk c on c.inode = n.inode and c.indx = $2
      where n.inode = $1`,
    [inode, indx],
    'read-chunk',
  );
  const r = rows[0];
  return r && { attr: rowToAttr(r), slices: r.slices };
}

/** One chunk blob, optionally locked FOR UPDATE (a compaction commit verifying its claimed prefix). */
export async function getChunk(q: Tx, inode: bigint, indx: number, forUpdate: boolean): Promise<Buffer | undefined> {
  const rows = await q.query<{ slices: Buffer }>(
    `select slices from chunk where inode = $1 and indx = $2${forUpdate ? ' for update' : ''}`,
    [inode, indx],
    forUpdate ? 'get-chunk-u' : 'get-chunk',
  );
  return rows[0]?.slices;
}

/** Chunk rows of `inode` with index in [lo, hi], locked FOR UPDATE in index order (CopyFileRange's source). */
export async function lockChunkRange(tx: Tx, inode: bigint, lo: number, hi: number): Promise<Map<number, Buffer>> {
  const rows = await tx.query<{ indx: bigint; slices: Buffer }>(
    'select indx, slices from chunk where inode = $1 and indx between $2 and $3 order by indx for update',
    [inode, lo, hi],
    'lock-chunk-range',
  );
  return new Map(rows.map((r) => [Number(r.indx), r.slices]));
}

export interface WriteUpdate {
  inode: bigint;
  indx: number;
  record: Buffer;
  sliceId: bigint;
  sliceSize: number;
  /** The file's length grows to at least this. */
  end: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  /** Offer the chunk for compaction when its record count reaches `always`, or is `every` - 1 modulo `every`. */
  compactAt: { always: number; every: number };
}

/**
 * All of Write in one statement: locks the node FOR UPDATE (the only row lock
 * Write takes on a node, so the ascending-order rule holds trivially) if it is
 * a regular file, appends the record to the chunk (creating the row), takes a
 * reference on the slice, grows the length and sets the times, moves the
 * 4 KiB-aligned growth (fsmeta_charge: volume limit and usage, quotas,
 * directory statistics; see store/quotas.ts), and offers the chunk for compaction when its record count calls for
 * it. Returns the new attributes and the chunk's record count, or undefined
 * when the inode is missing or not a regular file (nothing was written).
 */
export async function applyWrite(
  tx: Tx,
  w: WriteUpdate,
  log?: OutcomeLog,
): Promise<{ result?: { attr: Attr; sliceCount: number }; check?: SessionCheck }> {
  const { rows, check } = await runWrite<NodeRow & { n: number | null; inode: bigint | null }>(
    tx,
    'apply-write',
    `o as (select inode, length, uid, gid, nlink, parent from node where inode = $1 and type = 1 for update),
     nd as (update node set length = greatest(node.length, $6), mtime_ns = $7, ctime_ns = $8
              from o where node.inode = o.inode
              returning node.inode, node.type, node.flags, node.mode, node.uid, node.gid, node.rdev, node.atime_ns,
                        node.mtime_ns, node.ctime_ns, node.nlink, node.length, node.parent),
     c as (insert into chunk (inode, indx, slices) select $1, $2, $3 from o
           on conflict (inode, indx) do update set slices = chunk.slices || excluded.slices
           returning octet_length(slices) / ${RECORD_BYTES} as n),
     r as (insert into slice_ref (id, size, refs) select $4, $5, 1 from o
           on conflict (id) do update set refs = slice_ref.refs + 1),
     g as (select ${align4K('$6::bigint')} - ${align4K('o.length')} as ds, $6::bigint - o.length as dl, o.uid, o.gid, ${entryDirsSql('o')} as dirs
             from o where o.length < $6::bigint),
     u as (select fsmeta_charge(g.uid, g.gid, g.ds, 0, g.dirs, g.ds, 0, g.dl) as c from g),
     k as (insert into compaction (inode, indx) select $1, $2 from c where c.n >= $9 or c.n % $10 = $10 - 1 on conflict do nothing)`,
    [w.inode, w.indx, w.record, w.sliceId, w.sliceSize, w.end, w.mtimeNs, w.ctimeNs, w.compactAt.always, w.compactAt.every],
    // Nothing to record when nothing was written: the caller fails the request, which records the errno instead.
    log,
    {
      // Referencing u runs the charge (usage, limits, quotas, directory statistics: store/quotas.ts).
      select: 'nd.*, (select n from c) as n, (select count(*) from u) as charged',
      // Always one row, so the log's session check comes back even when nothing was written.
      from: '(select 1) as one left join nd on true',
      finalIf: 'exists (select 1 from nd)',
      outcomeSql: `(select convert_to(jsonb_build_object('ok', jsonb_build_object('attr', ${attrOutcomeJson('nd')}, 'sliceCount', c.n))::text, 'UTF8') from nd, c)`,
    },
  );
  // Without a node row the statement still answers one row of nulls when it carries a log.
  const r = rows[0];
  if (r === undefined || r.inode === null) return { check };
  return { result: { attr: rowToAttr(r), sliceCount: Number(r.n) }, check };
}

/** What Truncate's one-statement plain case needs to know besides the new length. */
export interface FastTruncate {
  inode: bigint;
  length: bigint;
  now: bigint;
  /** Nodes whose parent is above this are in the trash. */
  trashInode: bigint;
  /** Flags that refuse a truncate (immutable, append-only). */
  refuseFlags: number;
  trusted: boolean;
  uid: number;
  gids: number[];
}

/**
 * Truncate's plain case in one statement (doTruncate): the inode FOR UPDATE
 * and, when it is a regular file outside the trash, neither immutable nor
 * append-only, without an ACL, writable by the caller by its mode bits, and
 * its length really changes with the old and new lengths in the same or in
 * adjacent chunks: the hole records over [min, max) of the two (one per chunk
 * the range touches), the length charge (fsmeta_charge), the new length and
 * times, and the outcome (the node). Anything else writes nothing and
 * declines (Tx.fast) to the ordinary path, which also zeroes whole chunks
 * between.
 */
export async function truncateFast(tx: Tx, f: FastTruncate, log: OutcomeLog): Promise<{ attr?: Attr; check?: SessionCheck }> {
  const hole = (pos: string, len: string) => `int4send(${pos}::int) || int8send(0::bigint) || int4send(0) || int4send(0) || int4send(${len}::int)`;
  const { rows, check } = await runWrite<NodeRow & { inode: bigint | null }>(
    tx,
    'truncate-fast',
    `o as (select ${NODE_COLUMNS}, access_acl_id, default_acl_id from node where inode = $1 for update),
     ok as (select o.*, least(o.length, $2::bigint) as lo, greatest(o.length, $2::bigint) as hi from o
             where o.type = 1 and (o.flags & $5) = 0 and o.parent <= $4 and o.length <> $2::bigint
               and coalesce(o.access_acl_id, 0) = 0 and coalesce(o.default_acl_id, 0) = 0
               and ($6::boolean or ${modeGrantsSql('o', '$7', '$8', '2')})
               and greatest(o.length, $2::bigint) / ${CHUNK_SIZE} - least(o.length, $2::bigint) / ${CHUNK_SIZE} <= 1),
     h as (select ok.lo / ${CHUNK_SIZE} as li, ok.lo % ${CHUNK_SIZE} as lpos, ok.hi % ${CHUNK_SIZE} as hpos,
                  ok.hi > (ok.lo / ${CHUNK_SIZE} + 1) * ${CHUNK_SIZE} as crosses, ok.hi - ok.lo as n from ok),
     c as (insert into chunk (inode, indx, slices)
           select $1, x.indx, ${hole('x.pos', 'x.len')}
             from h cross join lateral (values (h.li, h.lpos, case when h.crosses then ${CHUNK_SIZE} - h.lpos else h.n end),
                                               (h.li + 1, 0, case when h.crosses then h.hpos end)) as x (indx, pos, len)
            where x.len is not null order by x.indx
           on conflict (inode, indx) do update set slices = chunk.slices || excluded.slices),
     nd as (update node set length = $2, mtime_ns = $3, ctime_ns = $3 from ok where node.inode = ok.inode
            returning ${nodeColumns('node')}),
     g as (select ${align4K('$2::bigint')} - ${align4K('ok.length')} as ds, $2::bigint - ok.length as dl, ok.uid, ok.gid, ${entryDirsSql('ok')} as dirs from ok),
     u as (select fsmeta_charge(g.uid, g.gid, g.ds, 0, g.dirs, g.ds, 0, g.dl) as c from g)`,
    [f.inode, f.length, f.now, f.trashInode, f.refuseFlags, f.trusted, f.uid, f.gids],
    log,
    // Referencing u runs the charge (usage, limits, quotas, directory statistics: store/quotas.ts).
    nodeResult('nd', 'nd.*, (select count(*) from u) as charged'),
  );
  return { attr: resultAttr(rows), check };
}

/** Appends records to several chunks of one file (at most one entry per index), creating rows as needed. */
export async function appendRecords(tx: Tx, inode: bigint, byIndex: Map<number, Buffer>): Promise<void> {
  if (byIndex.size === 0) return;
  const indexes = [...byIndex.keys()].sort((a, b) => a - b);
  await tx.send(
    `insert into chunk (inode, indx, slices)
     select $1, i, s from unnest($2::bigint[], $3::bytea[]) as t(i, s) order by i
     on conflict (inode, indx) do update set slices = chunk.slices || excluded.slices`,
    [inode, indexes, indexes.map((i) => byIndex.get(i)!)],
    'append-records',
  );
}

/** Appends `record` to every existing chunk row of `inode` strictly between `lo` and `hi` (doTruncate's zeroChunks). */
export async function appendToChunksBetween(tx: Tx, inode: bigint, lo: number, hi: number, record: Buffer): Promise<void> {
  await tx.send(
    'update chunk set slices = slices || $4 where inode = $1 and indx > $2 and indx < $3',
    [inode, lo, hi, record],
    'append-between',
  );
}

/** Appends `record` to every existing chunk row of `inode` whose index lies in one of the inclusive `ranges`. */
export async function appendToChunkRanges(tx: Tx, inode: bigint, ranges: [number, number][], record: Buffer): Promise<void> {
  if (ranges.length === 0) return;
  await tx.send(
    `update chunk set slices = slices || $4
      where inode = $1 and exists (select 1 from unnest($2::bigint[], $3::bigint[]) as r(lo, hi) where chunk.indx between r.lo and r.hi)`,
    [inode, ranges.map((r) => r[0]), ranges.map((r) => r[1]), record],
    'append-ranges',
  );
}

export async function setChunk(tx: Tx, inode: bigint, indx: number, slices: Buffer): Promise<void> {
  await tx.send('update chunk set slices = $3 where inode = $1 and indx = $2', [inode, indx, slices], 'set-chunk');
}

/** The first id of a fresh block of SLICE_ID_BLOCK slice ids (the sequence steps by the block size). */
export async function nextSliceBlock(tx: Tx): Promise<bigint> {
  const rows = await tx.query<{ id: bigint }>(`select nextval('slice_seq') as id`, [], 'next-slice-block');
  return rows[0]!.id;
}

/**
 * NewSlices' whole body in one statement: a block of ids drawn and the
 * outcome `{firstId, count}` recorded with it (in meta/mutation.ts's
 * encoding), so a fast attempt is one round trip.
 */
export async function newSliceBlockLogged(tx: Tx, count: number, log: OutcomeLog): Promise<{ firstId: bigint; check?: SessionCheck }> {
  const { rows, check } = await runWrite<{ id: bigint }>(tx, 'new-slice-block', `b as (select nextval('slice_seq') as id)`, [count], log, {
    select: '(select id from b) as id',
    outcomeSql: `(select convert_to(jsonb_build_object('ok', jsonb_build_object('firstId', jsonb_build_object('$bigint', b.id::text), 'count', $1::int))::text, 'UTF8') from b)`,
  });
  return { firstId: rows[0]!.id, check };
}

export interface SliceCount {
  id: bigint;
  size: number;
  n: number;
}

/** Adds references, creating slice_ref rows as needed; rows are touched in id order. */
export async function addSliceRefs(tx: Tx, refs: SliceCount[]): Promise<void> {
  if (refs.length === 0) return;
  const sorted = [...refs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  await tx.query(
    `insert into slice_ref (id, size, refs)
     select * from unnest($1::bigint[], $2::bigint[], $3::bigint[]) as t(id, size, n) order by id
     on conflict (id) do update set refs = slice_ref.refs + excluded.refs`,
    [sorted.map((r) => r.id), sorted.map((r) => r.size), sorted.map((r) => r.n)],
    'add-slice-refs',
  );
}

/**
 * Drops references; a slice left with none leaves slice_ref and enters the
 * deletion queue in the same transaction. With `delayDays` > 0 its deletion is
 * delayed that long (compaction while the trash is on, as JuiceFS's delayed
 * slices): the row is queued in the future (`queued_at` = `lease_until` = when it
 * may go), so no claim offers it before then. Returns how many were queued.
 */
export async function dropSliceRefs(tx: Tx, refs: Map<bigint, number>, delayDays = 0): Promise<number> {
  if (refs.size === 0) return 0;
  const ids = [...refs.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rows = await tx.query<{ id: bigint; refs: bigint }>(
    `update slice_ref s set refs = s.refs - d.n from unnest($1::bigint[], $2::bigint[]) as d(id, n)
      where s.id = d.id returning s.id, s.refs`,
    [ids, ids.map((id) => refs.get(id)!)],
    'drop-slice-refs',
  );
  const gone = rows.filter((r) => r.refs <= 0n).map((r) => r.id);
  if (gone.length === 0) return 0;
  if (delayDays > 0) {
    await tx.query(
      `with gone as (delete from slice_ref where id = any($1::bigint[]) and refs <= 0 returning id, size)
       insert into slice_deletion (id, size, lease_until, queued_at)
       select id, size, now() + make_interval(days => $2), now() + make_interval(days => $2) from gone on conflict (id) do nothing`,
      [gone, delayDaysSql(delayDays)],
      'unref-slices-delayed',
    );
    return gone.length;
  }
  await tx.query(
    `with gone as (delete from slice_ref where id = any($1::bigint[]) and refs <= 0 returning id, size)
     insert into slice_deletion (id, size) select id, size from gone on conflict (id) do nothing`,
    [gone],
    'unref-slices',
  );
  return gone.length;
}

/**
 * Ends the delay of delayed deletions (queued in the future by dropSliceRefs):
 * those delayed past `days` from now (the trash was shortened or turned off),
 * and, with `beforeNs`, those whose delay began before it (CleanupTrash; the
 * delay taken as `days`). A claimed row is never in the future, so no lease is cut.
 */
/**
 * trash_days as SQL interval arithmetic takes it: the volume accepts any u32, but
 * `make_interval` takes an int and a timestamp ends in year 294276. A million days
 * (about 2,700 years) is "never" for every purpose here.
 */
function delayDaysSql(days: number): number {
  return Math.min(days, 1_000_000);
}

export async function releaseDelayedDeletions(tx: Tx, days: number, beforeNs?: bigint): Promise<number> {
  const rows = await tx.query(
    `update slice_deletion set lease_until = '-infinity', queued_at = now()
      where queued_at > now()
        and (queued_at > now() + make_interval(days => $1)
             or ($2::bigint is not null and queued_at - make_interval(days => $1) < to_timestamp($2::bigint / 1e9)))
      returning id`,
    [delayDaysSql(days), beforeNs === undefined ? null : beforeNs.toString()],
    'release-delayed-deletions',
  );
  return rows.length;
}

/** Queues slices that nothing references (e.g. a wasted compaction result) for deletion. */
export async function queueSliceDeletion(tx: Tx, id: bigint, size: bigint): Promise<void> {
  await tx.query('insert into slice_deletion (id, size) values ($1, $2) on conflict (id) do nothing', [id, size], 'queue-slice-deletion');
}

/**
 * Files whose data is waiting to be released. `wait` false (the job): in no
 * particular order (an order would sort the whole backlog each batch), rows
 * another replica holds are skipped. `wait` true (a ClaimSliceDeletions about
 * to answer): rows another transaction is releasing are waited for, in inode
 * order, so that what it releases is visible to the claim that follows; rows
 * it deleted meanwhile drop out.
 */
export async function claimFileReleases(tx: Tx, limit: number, wait = false): Promise<bigint[]> {
  const rows = await tx.query<{ inode: bigint }>(
    wait
      ? 'select inode from file_release order by inode limit $1 for update'
      : 'select inode from file_release limit $1 for update skip locked',
    [limit],
    wait ? 'claim-file-releases-wait' : 'claim-file-releases',
  );
  return rows.map((r) => r.inode);
}

/**
 * Deletes every chunk of the given (deleted) files and their compaction offers,
 * then the queue rows. Returns the chunk blobs and the slices claimed for
 * compactions that will now never commit.
 */
export async function deleteFileData(tx: Tx, inodes: bigint[]): Promise<{ blobs: Buffer[]; unclaimed: { id: bigint; size: bigint }[] }> {
  const chunks = await tx.query<{ slices: Buffer }>('delete from chunk where inode = any($1::bigint[]) returning slices', [inodes], 'delete-file-chunks');
  const offers = await tx.query<{ id: bigint | null; size: bigint | null }>(
    'delete from compaction where inode = any($1::bigint[]) returning new_slice_id as id, merged_size as size',
    [inodes],
    'delete-file-offers',
  );
  await tx.query('delete from file_release where inode = any($1::bigint[])', [inodes], 'finish-file-releases');
  return {
    blobs: chunks.map((c) => c.slices),
    unclaimed: offers.filter((o) => o.id !== null).map((o) => ({ id: o.id!, size: o.size ?? 0n })),
  };
}

/** Leases up to `limit` queued slice deletions whose lease has run out. */
export async function claimSliceDeletions(tx: Tx, limit: number, leaseMs: number): Promise<{ id: bigint; size: bigint }[]> {
  return tx.query<{ id: bigint; size: bigint }>(
    `update slice_deletion set lease_until = now() + make_interval(secs => $2::double precision / 1000)
      where id in (select id from slice_deletion where lease_until < now() order by lease_until limit $1 for update skip locked)
      returning id, size`,
    [limit, leaseMs],
    'claim-slice-deletions',
  );
}

/** Removes acknowledged deletions; returns how many were still queued. */
export async function ackSliceDeletions(tx: Tx, ids: bigint[]): Promise<number> {
  const rows = await tx.query('delete from slice_deletion where id = any($1::bigint[]) returning id', [ids], 'ack-slice-deletions');
  return rows.length;
}

export interface CompactionRow {
  inode: bigint;
  indx: number;
  newSliceId: bigint | null;
  claimed: Buffer | null;
  mergedPos: number;
  mergedSize: bigint;
}

interface RawCompactionRow {
  inode: bigint;
  indx: bigint;
  new_slice_id: bigint | null;
  claimed: Buffer | null;
  merged_pos: bigint | null;
  merged_size: bigint | null;
}

function toCompactionRow(r: RawCompactionRow): CompactionRow {
  return {
    inode: r.inode,
    indx: Number(r.indx),
    newSliceId: r.new_slice_id,
    claimed: r.claimed,
    mergedPos: Number(r.merged_pos ?? 0n),
    mergedSize: r.merged_size ?? 0n,
  };
}

/** The offer whose lease ran out longest ago, locked; rows another transaction holds are skipped. */
export async function lockNextCompaction(tx: Tx): Promise<CompactionRow | undefined> {
  const rows = await tx.query<RawCompactionRow>(
    `select inode, indx, new_slice_id, claimed, merged_pos, merged_size from compaction
      where lease_until < now() order by lease_until limit 1 for update skip locked`,
    [],
    'lock-next-compaction',
  );
  return rows[0] && toCompactionRow(rows[0]);
}

export async function lockCompaction(tx: Tx, inode: bigint, indx: number): Promise<CompactionRow | undefined> {
  const rows = await tx.query<RawCompactionRow>(
    `select inode, indx, new_slice_id, claimed, merged_pos, merged_size from compaction
      where inode = $1 and indx = $2 for update`,
    [inode, indx],
    'lock-compaction',
  );
  return rows[0] && toCompactionRow(rows[0]);
}

export async function setCompactionClaim(
  tx: Tx,
  inode: bigint,
  indx: number,
  leaseMs: number,
  newSliceId: bigint,
  claimed: Buffer,
  mergedPos: number,
  mergedSize: number,
): Promise<void> {
  await tx.query(
    `update compaction set lease_until = now() + make_interval(secs => $3::double precision / 1000),
       new_slice_id = $4, claimed = $5, merged_pos = $6, merged_size = $7
      where inode = $1 and indx = $2`,
    [inode, indx, leaseMs, newSliceId, claimed, mergedPos, mergedSize],
    'set-compaction-claim',
  );
}

/** Makes the chunk an unclaimed offer again. */
export async function resetCompaction(tx: Tx, inode: bigint, indx: number): Promise<void> {
  await tx.query(
    `update compaction set lease_until = '-infinity', new_slice_id = null, claimed = null, merged_pos = null, merged_size = null
      where inode = $1 and indx = $2`,
    [inode, indx],
    'reset-compaction',
  );
}

export async function deleteCompaction(tx: Tx, inode: bigint, indx: number): Promise<void> {
  await tx.query('delete from compaction where inode = $1 and indx = $2', [inode, indx], 'delete-compaction');
}

/**
 * Claims whose lease ran out become plain offers again, and the slice each had
 * been given (possibly half uploaded) is queued for deletion. Returns how many.
 * Only claims have a finite lease_until, so the index scan skips the offers.
 */
export async function expireCompactionClaims(tx: Tx, limit: number): Promise<number> {
  const rows = await tx.query(
    `with x as (
       select inode, indx, new_slice_id, merged_size from compaction
        where lease_until > '-infinity' and lease_until < now() and new_slice_id is not null
        order by lease_until limit $1 for update skip locked),
     u as (
       update compaction c set lease_until = '-infinity', new_slice_id = null, claimed = null, merged_pos = null, merged_size = null
         from x where c.inode = x.inode and c.indx = x.indx)
     insert into slice_deletion (id, size) select new_slice_id, coalesce(merged_size, 0) from x
     on conflict (id) do nothing returning id`,
    [limit],
    'expire-compaction-claims',
  );
  return rows.length;
}
