import type { Tx } from './db';

/**
 * Change-feed SQL (migration 0008). A position is a PostgreSQL snapshot in its
 * text form "xmin:xmax:xip,...": it stands for "every change visible in that
 * snapshot". Reading from position P at statement snapshot S returns the rows
 * visible in S but not in P; the reader then stands at S. Snapshots taken later
 * see everything earlier ones saw, so positions only move forward, and a
 * transaction is delivered with the first read whose snapshot sees its commit:
 * changes arrive in commit order (a batch holds the transactions that committed
 * between two positions), whatever order their ids were assigned in.
 */

export const CHANGE_ATTR = 1;
export const CHANGE_ENTRY = 2;
export const CHANGE_REMOVED = 3;
export const CHANGE_CHUNK = 4;
export const CHANGE_XATTR = 5;
export type ChangeKind = 1 | 2 | 3 | 4 | 5;

export interface ChangeRow {
  xid: bigint;
  kind: ChangeKind;
  inode: bigint;
  parent: bigint;
  name: Buffer | null;
  indx: bigint | null;
  /** The mutation that recorded it (its request_log row), when there is one. */
  originSid: bigint | null;
  originRequest: string | null;
}

/** A pg_snapshot: transactions below xmin are finished, from xmax on not yet started, xip were running. */
export interface Snapshot {
  xmin: bigint;
  xmax: bigint;
  xip: bigint[];
}

const SNAPSHOT_RE = /^(\d{1,20}):(\d{1,20}):((?:\d{1,20})(?:,\d{1,20})*)?$/;
const MAX_XID8 = (1n << 64n) - 1n;
/** pg_snapshot holds at most one running transaction per backend; bound what a client may send. */
const MAX_XIP = 100_000;
/** Deepest parent walk for subtree filters (a guard against a corrupt cycle, not a limit of the namespace). */
const MAX_DEPTH = 100_000;

/** Parses a snapshot's text form; undefined when it is not one (callers name the field). */
export function parseSnapshot(text: string): Snapshot | undefined {
  const m = SNAPSHOT_RE.exec(text);
  if (m === null) return undefined;
  const xmin = BigInt(m[1]!);
  const xmax = BigInt(m[2]!);
  const xip = m[3] === undefined ? [] : m[3].split(',').map((x) => BigInt(x));
  if (xmax > MAX_XID8 || xmin > xmax || xip.length > MAX_XIP) return undefined;
  for (let i = 0; i < xip.length; i++) {
    if (xip[i]! < xmin || xip[i]! >= xmax || (i > 0 && xip[i]! <= xip[i - 1]!)) return undefined;
  }
  return { xmin, xmax, xip };
}

export function formatSnapshot(s: Snapshot): string {
  return `${s.xmin}:${s.xmax}:${s.xip.join(',')}`;
}

/** Whether a committed transaction `xid` is visible in `s` (pg_visible_in_snapshot). */
export function visibleIn(xid: bigint, s: Snapshot): boolean {
  if (xid < s.xmin) return true;
  if (xid >= s.xmax) return false;
  return !s.xip.includes(xid);
}

/**
 * Whether everything visible in `a` is visible in `b` (b was taken no earlier than a).
 * Sufficient, and exact for real snapshots, which are taken in time order.
 */
export function covers(b: Snapshot, a: Snapshot): boolean {
  if (a.xmax > b.xmax) return false;
  const inA = new Set(a.xip);
  return b.xip.every((x) => x >= a.xmax || inA.has(x));
}

/**
 * The position after delivering, of the rows visible in `to` but not in `from`,
 * those of transactions up to `upto`: visible are xids <= upto visible in `to`,
 * and xids > upto visible in `from`.
 */
export function partialSnapshot(from: Snapshot, to: Snapshot, upto: bigint): Snapshot {
  const xmax = from.xmax > upto + 1n ? from.xmax : upto + 1n;
  const xip = [...to.xip.filter((x) => x <= upto), ...from.xip.filter((x) => x > upto && x < xmax)].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0));
  const unique = xip.filter((x, i) => i === 0 || x !== xip[i - 1]);
  return { xmin: unique[0] ?? xmax, xmax, xip: unique };
}

/** The position of a watcher that has seen everything visible in `a` and everything visible in `b`. */
export function unionSnapshot(a: Snapshot, b: Snapshot): Snapshot {
  const xmax = a.xmax > b.xmax ? a.xmax : b.xmax;
  const xip = [...a.xip.filter((x) => !visibleIn(x, b)), ...b.xip.filter((x) => !visibleIn(x, a))].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0));
  const unique = xip.filter((x, i) => i === 0 || x !== xip[i - 1]);
  return { xmin: unique[0] ?? xmax, xmax, xip: unique };
}

export interface ChangeRead {
  /** The statement's snapshot: where the reader stands after these rows (if all were read). */
  snapshot: Snapshot;
  /** Changes older than this transaction id may be gone (retention). */
  below: bigint;
  rows: ChangeRow[];
}

interface RawRow {
  snap: string;
  below: string;
  xid: string | null;
  kind: number | null;
  inode: bigint | null;
  parent: bigint | null;
  name: Buffer | null;
  indx: bigint | null;
  origin_sid: bigint | null;
  origin_request: string | null;
}

/** The origin of each change row `r` (one request_log row per mutation transaction). */
const ORIGIN_JOIN = `left join lateral (select rl.sid as origin_sid, rl.request_id as origin_request from request_log rl where rl.xid = r.xid limit 1) o on true`;

/**
 * Rows visible now (or, with `to`, in `to`) and not in `from`, in xid order,
 * at most `limit`; in one statement with its snapshot and the retention
 * horizon, so all three agree.
 */
export async function readChanges(q: Tx, from: Snapshot, opts: { to?: Snapshot; limit: number }): Promise<ChangeRead> {
  const rows = await q.query<RawRow>(
    `with s as (select pg_current_snapshot()::text as snap, (select below::text from change_horizon) as below),
          r as (select * from (
                  (select c.xid, c.kind, c.inode, c.parent, c.name, c.indx from change_log c
                    where c.xid >= $1::xid8 and ($3::pg_snapshot is null or pg_visible_in_snapshot(c.xid, $3::pg_snapshot))
                    order by c.xid limit $4)
                  union all
                  (select c.xid, c.kind, c.inode, c.parent, c.name, c.indx from change_log c
                    where c.xid = any ($2::xid8[]) and ($3::pg_snapshot is null or pg_visible_in_snapshot(c.xid, $3::pg_snapshot)))
                ) u order by xid limit $4)
     select s.snap, s.below, r.xid::text as xid, r.kind, r.inode, r.parent, r.name, r.indx, o.origin_sid, o.origin_request
       from s left join r on true ${ORIGIN_JOIN}`,
    [
      from.xmax.toString(),
      from.xip.map(String),
      opts.to === undefined ? null : formatSnapshot(opts.to),
      opts.limit,
    ],
    'read-changes',
  );
  const first = rows[0]!;
  const snapshot = parseSnapshot(first.snap)!;
  return {
    snapshot,
    below: BigInt(first.below),
    rows: rows
      .filter((r) => r.xid !== null)
      .map((r) => ({
        xid: BigInt(r.xid!),
        kind: r.kind as ChangeKind,
        inode: r.inode!,
        parent: r.parent!,
        name: r.name,
        indx: r.indx,
        originSid: r.origin_sid,
        originRequest: r.origin_request,
      })),
  };
}

/** Every row of one committed transaction (a batch cut never splits a transaction). */
export async function readTransactionChanges(q: Tx, xid: bigint): Promise<ChangeRow[]> {
  const rows = await q.query<{ kind: number; inode: bigint; parent: bigint; name: Buffer | null; indx: bigint | null; origin_sid: bigint | null; origin_request: string | null }>(
    `select r.kind, r.inode, r.parent, r.name, r.indx, o.origin_sid, o.origin_request from change_log r ${ORIGIN_JOIN} where r.xid = $1::xid8`,
    [xid.toString()],
    'read-transaction-changes',
  );
  return rows.map((r) => ({
    xid,
    kind: r.kind as ChangeKind,
    inode: r.inode,
    parent: r.parent,
    name: r.name,
    indx: r.indx,
    originSid: r.origin_sid,
    originRequest: r.origin_request,
  }));
}

/** The current snapshot and retention horizon. */
export async function currentPosition(q: Tx): Promise<{ snapshot: Snapshot; below: bigint }> {
  const rows = await q.query<{ snap: string; below: string }>(
    'select pg_current_snapshot()::text as snap, (select below::text from change_horizon) as below',
    [],
    'current-position',
  );
  return { snapshot: parseSnapshot(rows[0]!.snap)!, below: BigInt(rows[0]!.below) };
}

/** An inode's ancestors (itself first), and whether the walk reached the root (false for a hard-linked file). */
export interface Ancestry {
  ancestors: Set<bigint>;
  complete: boolean;
}

/**
 * The ancestry of each inode, following parent links up to the root; inodes
 * that no longer exist are absent from the result.
 */
export async function ancestries(q: Tx, inodes: bigint[]): Promise<Map<bigint, Ancestry>> {
  const rows = await q.query<{ start: bigint; up: string[]; complete: boolean }>(
    `with recursive up (start, cur, depth) as (
       select n.inode, n.inode, 0 from node n where n.inode = any ($1::bigint[])
       union all
       select up.start, n.parent, up.depth + 1 from up join node n on n.inode = up.cur
        where up.cur <> 1 and n.parent <> 0 and up.depth < ${MAX_DEPTH})
     select start, array_agg(cur::text) as up, bool_or(cur = 1) as complete from up group by start`,
    [inodes],
    'change-ancestries',
  );
  return new Map(rows.map((r) => [r.start, { ancestors: new Set(r.up.map((x) => BigInt(x))), complete: r.complete }]));
}

/** One retention mark: the oldest transaction still running now. */
export async function markChanges(tx: Tx): Promise<void> {
  await tx.query('insert into change_mark (oldest) values (pg_snapshot_xmin(pg_current_snapshot()))', [], 'mark-changes');
}

/**
 * Deletes up to `limit` changes older than the newest mark past `retentionMs`,
 * raising the horizon to that mark first (in the same transaction), and drops
 * marks no longer needed. Returns how many changes were deleted.
 */
export async function pruneChanges(tx: Tx, retentionMs: number, limit: number): Promise<number> {
  const rows = await tx.query<{ deleted: string }>(
    `with m as (select max(oldest) as cut from change_mark where at < now() - make_interval(secs => $1::double precision / 1000)),
          h as (update change_horizon set below = m.cut from m where m.cut is not null and m.cut > below returning below),
          d as (delete from change_log where ctid = any (array(
                  select c.ctid from change_log c, m where c.xid < m.cut limit $2)) returning 1),
          old as (delete from change_mark where at < now() - make_interval(secs => $1::double precision / 1000)
                    and oldest < (select cut from m) returning 1)
     select (select count(*) from d)::text as deleted`,
    [retentionMs, limit],
    'prune-changes',
  );
  return Number(rows[0]!.deleted);
}
