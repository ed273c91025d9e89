import type { Attr, FileType } from '../meta/types';
import type { Tx } from './db';
import { rowToAttr } from './nodes';
import { runWrite, type OutcomeLog, type SessionCheck } from './requests';

/** Trash SQL: hour directories under the trash inode, moves into the trash, and expiry. */

export interface TrashState {
  /** Format trash_days (0: off). */
  days: number;
  /** The session opened with skip_trash. */
  skip: boolean;
  /** The hour directory of `hourName`, if it exists (its advisory lock is then held shared). */
  hour?: bigint;
}

/**
 * In one round trip: the volume's trash_days, whether the session skips the
 * trash, and the current hour directory. The hour directory's advisory lock is
 * taken shared, as creates take their parent's: removing an hour directory
 * (expiry) takes it exclusively, so an entry never lands in a removed one.
 */
export async function getTrashState(tx: Tx, trashInode: bigint, sid: bigint, hourName: Buffer): Promise<TrashState> {
  const rows = await tx.query<{ days: bigint | null; skip: boolean | null; hour: bigint | null }>(
    // bigint: trash_days is any u32.
    `select (select (value->>'trashDays')::bigint from setting where name = 'format') as days,
            (select skip_trash from session where sid = $1) as skip,
            (select inode from edge where parent = $2 and name = $3 and pg_advisory_xact_lock_shared(inode) is not null) as hour`,
    [sid, trashInode, hourName],
    'trash-state',
  );
  const r = rows[0]!;
  return { days: r.days === null ? 0 : Number(r.days), skip: r.skip === true, hour: r.hour ?? undefined };
}

/**
 * Creates the hour directory `name` (mode 0555, root's, as JuiceFS checkTrash)
 * at trash inode + nextval(trash_seq); it counts 4 KiB and one inode. When a
 * concurrent transaction created it first, returns that one.
 */
export async function ensureHourDir(tx: Tx, trashInode: bigint, name: Buffer, now: bigint): Promise<bigint> {
  const created = await tx.query<{ inode: bigint }>(
    `with e as (insert into edge (parent, name, inode, type) values ($1, $2, $1 + nextval('trash_seq'), 2)
                on conflict do nothing returning inode),
          n as (insert into node (inode, type, flags, mode, uid, gid, rdev, atime_ns, mtime_ns, ctime_ns, nlink, length, parent)
                select inode, 2, 0, 365, 0, 0, 0, $3, $3, $3, 2, 4096, $1 from e),
          u as (select fsmeta_hour_dir(1, $1, inode) as c from e)
     select inode from e where (select count(*) from u) >= 0`,
    [trashInode, name, now],
    'create-hour-dir',
  );
  if (created[0] !== undefined) return created[0].inode;
  const found = await tx.query<{ inode: bigint }>(
    'select inode from edge where parent = $1 and name = $2 and pg_advisory_xact_lock_shared(inode) is not null',
    [trashInode, name],
    'get-hour-dir',
  );
  if (found[0] === undefined) throw Object.assign(new Error('hour directory vanished'), { code: '40001' });
  return found[0].inode;
}

/** Whether a name is taken in a directory. */
export async function edgeExists(q: Tx, parent: bigint, name: Buffer): Promise<boolean> {
  return (await q.query('select 1 from edge where parent = $1 and name = $2', [parent, name], 'edge-exists')).length > 0;
}

export interface TrashMove {
  /** The directory the entry leaves (its nlink changes by parentNlinkDelta, times coalesced by skipNs). */
  parent: bigint;
  name: Buffer;
  node: Attr;
  hour: bigint;
  trashName: Buffer;
  now: bigint;
  parentNlinkDelta: number;
  skipNs: bigint;
}

/**
 * Unlink's and Rmdir's writes when the entry goes to the trash, in one
 * statement (as doUnlink / doRmdir with trash): the entry moves to the hour
 * directory under its trash name, the node keeps its nlink and its space,
 * gets ctime = now and, unless hard-linked (parent 0), the hour directory as
 * parent; the old parent's nlink and (coalesced) times change.
 */
export async function moveToTrash(tx: Tx, m: TrashMove, log?: OutcomeLog): Promise<SessionCheck | undefined> {
  return (
    await runWrite(
      tx,
      'move-to-trash',
      `de as (delete from edge where parent = $1 and name = $2),
          te as (insert into edge (parent, name, inode, type) values ($3, $4, $5, $6)),
          mn as (update node set parent = case when parent = 0 then 0 else $3 end, ctime_ns = $7 where inode = $5),
          p as (update node set nlink = nlink + $8, mtime_ns = greatest(mtime_ns, $7), ctime_ns = greatest(ctime_ns, $7)
                 where inode = $1 and ($8::bigint <> 0 or mtime_ns < $7::bigint - $9::bigint)),
          qa as (select fsmeta_move($1, $3, $5, true) as ok)`,
      [m.parent, m.name, m.hour, m.trashName, m.node.inode, m.node.type, m.now, m.parentNlinkDelta, m.skipNs],
      log,
      // The entry leaves its parent's quotas and statistics for the hour directory's statistics
      // (fsmeta_move; no recount: a file, or a directory Rmdir found empty).
      { select: '(select ok from qa) as accounted' },
    )
  ).check;
}

/** A replaced Rename target going to the trash: its new trash entry and parent (the old entry is rewritten by the rename). */
export async function trashVictim(tx: Tx, victim: Attr, hour: bigint, trashName: Buffer, now: bigint): Promise<void> {
  await tx.query(
    `with te as (insert into edge (parent, name, inode, type) values ($1, $2, $3, $4))
     update node set parent = case when parent = 0 then 0 else $1 end, ctime_ns = $5 where inode = $3`,
    [hour, trashName, victim.inode, victim.type, now],
    'trash-victim',
  );
}

/** Hour directories (name, inode) of the trash, oldest first. */
export async function listHourDirs(q: Tx, trashInode: bigint): Promise<{ name: Buffer; inode: bigint }[]> {
  return q.query<{ name: Buffer; inode: bigint }>(
    'select name, inode from edge where parent = $1 and type = 2 order by name',
    [trashInode],
    'list-hour-dirs',
  );
}

export interface TrashLeaf {
  parent: bigint;
  name: Buffer;
  attr: Attr;
}

const N_COLS = 'n.inode, n.type, n.flags, n.mode, n.uid, n.gid, n.rdev, n.atime_ns, n.mtime_ns, n.ctime_ns, n.nlink, n.length, n.parent';

/**
 * Up to `limit` entries below the given hour directories that have no entries
 * of their own (files, and directories already emptied), their nodes locked
 * FOR UPDATE SKIP LOCKED in ascending inode order, so replicas running the
 * expiry at once take disjoint batches and never wait on each other. Entries
 * are read again after the lock: one that moved or gained children meanwhile
 * (a restore) is left out.
 */
export async function lockTrashLeaves(tx: Tx, hours: bigint[], limit: number): Promise<TrashLeaf[]> {
  const candidates = await tx.query<{ parent: bigint; name: Buffer; inode: bigint }>(
    `with recursive t (parent, name, inode, type) as (
       select parent, name, inode, type from edge where parent = any($1::bigint[])
       union all
       select e.parent, e.name, e.inode, e.type from edge e join t on e.parent = t.inode where t.type = 2
     )
     select t.parent, t.name, t.inode from t
      where not exists (select 1 from edge c where c.parent = t.inode)
      limit $2`,
    [hours, limit],
    'trash-leaves',
  );
  if (candidates.length === 0) return [];
  const ids = [...new Set(candidates.map((c) => c.inode))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const locked = await tx.query<Parameters<typeof rowToAttr>[0]>(
    `select ${N_COLS} from node n where n.inode = any($1::bigint[]) order by n.inode for update skip locked`,
    [ids],
    'lock-trash-leaves',
  );
  const attrs = new Map(locked.map((r) => [r.inode, rowToAttr(r)]));
  const still = await tx.query<{ parent: bigint; name: Buffer }>(
    `select e.parent, e.name from edge e
      where (e.parent, e.name, e.inode) in (select * from unnest($1::bigint[], $2::bytea[], $3::bigint[]))
        and not exists (select 1 from edge c where c.parent = e.inode)`,
    [candidates.map((c) => c.parent), candidates.map((c) => c.name), candidates.map((c) => c.inode)],
    'recheck-trash-leaves',
  );
  const stable = new Set(still.map((r) => `${r.parent}/${r.name.toString('hex')}`));
  const out: TrashLeaf[] = [];
  for (const c of candidates) {
    const attr = attrs.get(c.inode);
    if (attr !== undefined && stable.has(`${c.parent}/${c.name.toString('hex')}`)) out.push({ parent: c.parent, name: c.name, attr });
  }
  return out;
}

/**
 * Removes an empty hour directory if no one holds its advisory lock (a removal
 * into it holds it shared): its entry, node and the 4 KiB and inode it counted.
 * Returns whether it went.
 */
export async function removeEmptyHourDir(tx: Tx, trashInode: bigint, hour: bigint): Promise<boolean> {
  const rows = await tx.query<{ inode: bigint }>(
    `with l as (select pg_try_advisory_xact_lock($2) as got),
          d as (delete from node n using l where n.inode = $2 and l.got and not exists (select 1 from edge c where c.parent = $2)
                returning n.inode),
          e as (delete from edge where parent = $1 and inode in (select inode from d)),
          x as (delete from xattr where inode in (select inode from d)),
          u as (select fsmeta_hour_dir(-1, $1, inode) as c from d)
     select inode from d where (select count(*) from u) >= 0`,
    [trashInode, hour],
    'remove-hour-dir',
  );
  return rows.length > 0;
}

/** Trash entries of one directory (RestoreTrash), in name order. */
export async function listEntries(q: Tx, dir: bigint, limit: number): Promise<{ name: Buffer; inode: bigint; type: FileType }[]> {
  return q.query<{ name: Buffer; inode: bigint; type: FileType }>(
    'select name, inode, type from edge where parent = $1 order by name limit $2',
    [dir, limit],
    'list-trash-entries',
  );
}
