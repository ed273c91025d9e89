import { MAX_OFFSET, decodeLockRecords, encodeLockRecords, type LockMode, type LockRecord, type OwnerLocks } from '../meta/lock-ranges';
import { sqlState, type Tx } from './db';
import { runWrite, type OutcomeLog, type SessionCheck } from './requests';

/** Lock tables (flock, plock, lock_waiter) SQL. See docs/locking.md for what each statement locks. */

export type LockKind = 'flock' | 'posix';

/** The channel the lock tables' triggers notify, with the inode as payload. */
export const LOCKS_CHANNEL = 'fsmeta_locks';

/**
 * Key space of the two-key advisory locks that serialise lock changes of one
 * inode (`pg_advisory_xact_lock(LOCKS_ADVISORY_SPACE, hashint8(inode))`). The
 * two-key form never meets the one-key locks (directory inodes, fixed keys);
 * two inodes sharing a hash only share the (short) critical section.
 */
export const LOCKS_ADVISORY_SPACE = 0x6c6b; // 'lk'

const KIND_CODE: Record<LockKind, string> = { flock: 'F', posix: 'P' };
/** SQLSTATE of a row whose session was deleted under it. */
const FOREIGN_KEY_VIOLATION = '23503';
const TWO_64 = 1n << 64n;
const TWO_63 = 1n << 63n;

/** Lock owners are u64 on the wire, int8 in the tables (two's complement, as JuiceFS stores them). */
export function ownerToDb(owner: bigint): bigint {
  return owner >= TWO_63 ? owner - TWO_64 : owner;
}

function ownerFromDb(owner: bigint): bigint {
  return owner < 0n ? owner + TWO_64 : owner;
}

function flockRecord(ltype: string): LockRecord {
  return { type: ltype === 'W' ? 'W' : 'R', pid: 0, start: 0n, end: MAX_OFFSET };
}

export interface InodeLockCheck {
  /** The session exists. */
  session: boolean;
  exists: boolean;
}

/**
 * Takes the inode's lock-change advisory lock (held to commit), then the
 * owner's row of `kind` FOR UPDATE if it has one, and says whether the
 * session and the inode exist. Later statements of the transaction see every
 * lock change committed before the locks were granted. The row lock keeps
 * the deletes that do not take the advisory lock (Close, session end) from
 * slipping between this transaction's read of the owner's records and its
 * write: they wait, or they went first and the read sees it.
 */
export async function lockInodeLocks(tx: Tx, kind: LockKind, sid: bigint, inode: bigint, owner: bigint): Promise<InodeLockCheck> {
  const table = kind === 'flock' ? 'flock' : 'plock';
  const rows = await tx.query<InodeLockCheck>(
    `select exists (select 1 from session where sid = $2) as session,
            exists (select 1 from node where inode = $1) as exists,
            (select 1 from ${table} where inode = $1 and sid = $2 and owner = $4 for update) as mine
       from pg_advisory_xact_lock($3, hashint8($1))`,
    [inode, sid, LOCKS_ADVISORY_SPACE, ownerToDb(owner)],
    `lock-inode-locks-${kind}`,
  );
  return rows[0]!;
}

/** A queued blocked request. */
export interface Waiter extends OwnerLocks {
  id: bigint;
}

export interface LockState {
  holders: OwnerLocks[];
  /** Live waiters (lease not passed) older than the asking waiter (all of them for a new request), oldest first. */
  waiters: Waiter[];
  /** The asking waiter's own queue entry still exists (false when its session ended). */
  queued: boolean;
}

/** Every lock of one kind on the inode and the live queue before `before` (undefined: the whole queue; 0: none of it). */
export async function loadLockState(tx: Tx, kind: LockKind, inode: bigint, before: bigint | undefined): Promise<LockState> {
  const held =
    kind === 'flock'
      ? `select 0 as w, null::bigint as id, sid, owner, null::bytea as data, ltype from flock where inode = $1`
      : `select 0 as w, null::bigint as id, sid, owner, records as data, null::"char" as ltype from plock where inode = $1`;
  const rows = await tx.query<{ w: number; id: bigint | null; sid: bigint; owner: bigint; data: Buffer | null; ltype: string | null }>(
    `${held}
     union all
     select 1, id, sid, owner, request, null from lock_waiter
      where inode = $1 and kind = $2 and lease_until > now() and ($3::bigint is null or id < $3)
     union all
     select 2, id, sid, owner, request, null from lock_waiter where id = $3
     order by w, id`,
    [inode, KIND_CODE[kind], before ?? null],
    `load-locks-${kind}`,
  );
  const state: LockState = { holders: [], waiters: [], queued: false };
  for (const r of rows) {
    const who = { sid: r.sid, owner: ownerFromDb(r.owner) };
    if (r.w === 2) state.queued = true;
    else if (r.w === 1) state.waiters.push({ ...who, id: r.id!, records: decodeLockRecords(r.data!) });
    else state.holders.push({ ...who, records: r.ltype !== null ? [flockRecord(r.ltype)] : decodeLockRecords(r.data!) });
  }
  return state;
}

/** An owner's POSIX records, locked FOR UPDATE (an unlock's read); empty when it holds none. */
export async function lockOwnerRecords(tx: Tx, sid: bigint, inode: bigint, owner: bigint): Promise<LockRecord[] | undefined> {
  const rows = await tx.query<{ records: Buffer }>(
    'select records from plock where inode = $1 and sid = $2 and owner = $3 for update',
    [inode, sid, ownerToDb(owner)],
    'lock-owner-plock',
  );
  return rows[0] === undefined ? undefined : decodeLockRecords(rows[0].records);
}

/**
 * Writes an owner's new state of one kind in one statement that also carries
 * the request's outcome: a flock type or POSIX records (undefined / empty:
 * the row goes), and the consumed waiter row of a blocked request.
 */
export async function writeOwnerLocks(
  tx: Tx,
  kind: LockKind,
  sid: bigint,
  inode: bigint,
  owner: bigint,
  state: LockMode | LockRecord[] | undefined,
  waiterId: bigint | undefined,
  log: OutcomeLog,
): Promise<SessionCheck | undefined> {
  const params: unknown[] = [inode, sid, ownerToDb(owner), waiterId ?? null];
  const waiter = `wd as (delete from lock_waiter where id = $4)`;
  let ctes: string;
  const empty = state === undefined || (Array.isArray(state) && state.length === 0);
  if (kind === 'flock') {
    if (empty) ctes = `d as (delete from flock where inode = $1 and sid = $2 and owner = $3)`;
    else {
      params.push(state);
      ctes = `u as (insert into flock (inode, sid, owner, ltype) values ($1, $2, $3, $5)
                    on conflict (inode, sid, owner) do update set ltype = excluded.ltype
                    where flock.ltype <> excluded.ltype)`;
    }
  } else if (empty) ctes = `d as (delete from plock where inode = $1 and sid = $2 and owner = $3)`;
  else {
    params.push(encodeLockRecords(state as LockRecord[]));
    ctes = `u as (insert into plock (inode, sid, owner, records) values ($1, $2, $3, $5)
                  on conflict (inode, sid, owner) do update set records = excluded.records
                  where plock.records <> excluded.records)`;
  }
  const name = `write-${kind}-${empty ? 'delete' : 'upsert'}`;
  try {
    return (await runWrite(tx, name, `${ctes}, ${waiter}`, params, log)).check;
  } catch (err) {
    // The session was deleted (closed, expired) while this transaction ran: its new row has no session.
    if (sqlState(err) === FOREIGN_KEY_VIOLATION) return 'missing';
    throw err;
  }
}

/** Queues a blocked request (its own transaction); undefined when the session is gone. */
export async function insertWaiter(
  tx: Tx,
  kind: LockKind,
  sid: bigint,
  inode: bigint,
  owner: bigint,
  request: LockRecord,
  leaseMs: number,
): Promise<bigint | undefined> {
  const rows = await tx
    .query<{ id: bigint }>(
      `insert into lock_waiter (inode, kind, sid, owner, request, lease_until)
       select $1, $2, sid, $4, $5, now() + make_interval(secs => $6::double precision / 1000) from session where sid = $3
       returning id`,
      [inode, KIND_CODE[kind], sid, ownerToDb(owner), encodeLockRecords([request]), leaseMs],
      'insert-lock-waiter',
    )
    // The session was deleted while this ran.
    .catch((err: unknown) => {
      if (sqlState(err) === FOREIGN_KEY_VIOLATION) return [];
      throw err;
    });
  return rows[0]?.id;
}

/** Extends a waiter's lease; false when its row is gone (its session ended). */
export async function renewWaiter(tx: Tx, id: bigint, leaseMs: number): Promise<boolean> {
  const rows = await tx.query(
    'update lock_waiter set lease_until = now() + make_interval(secs => $2::double precision / 1000) where id = $1 returning 1',
    [id, leaseMs],
    'renew-lock-waiter',
  );
  return rows.length > 0;
}

export async function deleteWaiter(tx: Tx, id: bigint): Promise<void> {
  await tx.query('delete from lock_waiter where id = $1', [id], 'delete-lock-waiter');
}

/** Waiters whose lease passed long ago (their replica is gone); the lock tables' own rows go with their sessions. */
export async function deleteLapsedWaiters(tx: Tx, graceMs: number, limit: number): Promise<number> {
  const rows = await tx.query(
    `delete from lock_waiter where id = any (array(
       select id from lock_waiter where lease_until < now() - make_interval(secs => $1::double precision / 1000)
        order by lease_until limit $2 for update skip locked))
     returning 1`,
    [graceMs, limit],
  );
  return rows.length;
}

export interface SessionLock {
  sid: bigint;
  inode: bigint;
  owner: bigint;
  kind: LockKind;
  record: LockRecord;
  waiting: boolean;
}

/** Every lock and live queued request, by session (operator view, ListSessions with_locks). */
export async function listLocks(q: Tx): Promise<SessionLock[]> {
  const rows = await q.query<{ sid: bigint; inode: bigint; owner: bigint; kind: string; data: Buffer | null; ltype: string | null; waiting: boolean }>(
    `select sid, inode, owner, 'F'::"char" as kind, null::bytea as data, ltype, false as waiting from flock
     union all
     select sid, inode, owner, 'P'::"char", records, null, false from plock
     union all
     select sid, inode, owner, kind, request, null, true from lock_waiter where lease_until > now()
     order by sid, inode, kind, owner, waiting`,
  );
  const out: SessionLock[] = [];
  for (const r of rows) {
    const kind: LockKind = r.kind === 'F' ? 'flock' : 'posix';
    const records = r.ltype !== null ? [flockRecord(r.ltype)] : decodeLockRecords(r.data!);
    for (const record of records) out.push({ sid: r.sid, inode: r.inode, owner: ownerFromDb(r.owner), kind, record, waiting: r.waiting });
  }
  return out;
}
