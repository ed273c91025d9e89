import type { Attr } from '../meta/types';
import type { Tx } from './db';
import { ownerToDb } from './locks';
import { NODE_COLUMNS, lockNodeForCloseAhead, modeGrantsSql, nodeColumns, nodeResult, resultAttr, type NodeRow } from './nodes';
import { runWrite, type OutcomeLog, type SessionCheck } from './requests';

/** Session and open-file SQL. */

export interface SessionRow {
  sid: bigint;
  info: unknown;
  read_only: boolean;
  created_ns: bigint;
  expire_ns: bigint;
  open_files: bigint;
  owner: string | null;
}

/**
 * Inserts a session; undefined when `maxSessions` (> 0) live sessions exist
 * already (concurrent inserts may overshoot by the number racing: a soft limit).
 */
export async function insertSession(
  tx: Tx,
  info: unknown,
  readOnly: boolean,
  ttlMs: number,
  owner: string | null,
  skipTrash = false,
  maxSessions = 0,
): Promise<bigint | undefined> {
  const rows = await tx.query<{ sid: bigint }>(
    `insert into session (sid, info, read_only, expire_at, owner, skip_trash)
     select nextval('session_seq'), $1, $2, now() + make_interval(secs => $3::double precision / 1000), $4, $5
      where $6::integer <= 0 or (select count(*) from session where expire_at > now()) < $6::integer
     returning sid`,
    [JSON.stringify(info), readOnly, ttlMs, owner, skipTrash, maxSessions],
  );
  return rows[0]?.sid;
}

/** Extends a live session; returns its new expiry (ns), or undefined if it is gone. */
export async function refreshSession(tx: Tx, sid: bigint, ttlMs: number): Promise<bigint | undefined> {
  const rows = await tx.query<{ expire_ns: bigint }>(
    `update session set expire_at = now() + make_interval(secs => $2::double precision / 1000)
      where sid = $1 and expire_at > now()
      returning (extract(epoch from expire_at) * 1e9)::bigint as expire_ns`,
    [sid, ttlMs],
    'refresh-session',
  );
  return rows[0]?.expire_ns;
}

export async function listSessions(q: Tx): Promise<SessionRow[]> {
  return q.query<SessionRow>(
    `select s.sid, s.info, s.read_only, s.owner,
            (extract(epoch from s.created_at) * 1e9)::bigint as created_ns,
            (extract(epoch from s.expire_at) * 1e9)::bigint as expire_ns,
            (select count(*) from open_file o where o.sid = s.sid) as open_files
       from session s order by s.sid`,
  );
}

/** The identity that created a session (null: none); undefined when the session does not exist. */
export async function sessionOwner(q: Tx, sid: bigint): Promise<{ owner: string | null } | undefined> {
  const rows = await q.query<{ owner: string | null }>('select owner from session where sid = $1', [sid], 'session-owner');
  return rows[0];
}

/** Locks a session row for cleanup; undefined if already gone. */
export async function lockSession(tx: Tx, sid: bigint): Promise<{ sid: bigint } | undefined> {
  const rows = await tx.query<{ sid: bigint }>('select sid from session where sid = $1 for update', [sid]);
  return rows[0];
}

export async function deleteSession(tx: Tx, sid: bigint): Promise<void> {
  await tx.query('delete from session where sid = $1', [sid]);
}

/** Advisory key of the session-expiry job: one replica cleans at a time (negative: positive keys are inodes). */
const EXPIRY_LOCK_KEY = -7362847128;

/**
 * Sessions past their expiry, oldest first, locked FOR UPDATE, when this
 * transaction won the expiry job's advisory lock (else none: another replica
 * is cleaning). The rows are waited for, not skipped: every mutation holds its
 * session row FOR KEY SHARE (the request log's foreign key) until it commits,
 * so SKIP LOCKED would pass over a busy session forever. The wait is short: a
 * session past its expiry admits no new mutation (requests.ts), so only those
 * already in flight finish, and lock_timeout bounds it.
 */
export async function expiredSessions(tx: Tx, limit: number): Promise<bigint[]> {
  const won = await tx.query<{ won: boolean }>('select pg_try_advisory_xact_lock($1) as won', [EXPIRY_LOCK_KEY], 'expiry-lock');
  if (won[0]?.won !== true) return [];
  const rows = await tx.query<{ sid: bigint }>(
    'select sid from session where expire_at < now() order by expire_at limit $1 for update',
    [limit],
    'expired-sessions',
  );
  return rows.map((r) => r.sid);
}

export async function sessionOpenInodes(tx: Tx, sid: bigint): Promise<bigint[]> {
  const rows = await tx.query<{ inode: bigint }>('select inode from open_file where sid = $1 order by inode', [sid]);
  return rows.map((r) => r.inode);
}

export async function deleteSessionOpens(tx: Tx, sid: bigint): Promise<void> {
  await tx.query('delete from open_file where sid = $1', [sid]);
}

export async function addOpen(tx: Tx, sid: bigint, inode: bigint): Promise<void> {
  await tx.send(
    `insert into open_file (sid, inode, refs) values ($1, $2, 1)
     on conflict (sid, inode) do update set refs = open_file.refs + 1`,
    [sid, inode],
    'add-open',
  );
}

/** True when any session has the inode open. */
export async function isOpen(q: Tx, inode: bigint): Promise<boolean> {
  const rows = await q.query('select 1 from open_file where inode = $1 limit 1', [inode], 'is-open');
  return rows.length > 0;
}

/** True when the session exists and is read-only (Open's EROFS takes precedence over its other errors). */
export async function isReadOnlySession(q: Tx, sid: bigint): Promise<boolean> {
  const rows = await q.query<{ read_only: boolean }>('select read_only from session where sid = $1', [sid], 'session-read-only');
  return rows[0]?.read_only === true;
}

/**
 * Drops one open reference in one statement (the row goes with its last
 * reference); false if there was none. The same statement releases file
 * locks: those of `lockOwner` (if given) on the inode, and all of the
 * session's on it when its last reference goes.
 */
export async function closeOpen(tx: Tx, sid: bigint, inode: bigint, lockOwner?: bigint): Promise<boolean> {
  const rows = await tx.query<{ dropped: boolean }>(CLOSE_OPEN_SQL, [sid, inode, lockOwner === undefined ? null : ownerToDb(lockOwner)], 'close-open');
  return rows[0]!.dropped;
}

/** closeOpen when the caller does not need to know whether a reference went (sent without waiting where the transaction pipelines). */
export async function dropOpen(tx: Tx, sid: bigint, inode: bigint, lockOwner?: bigint): Promise<void> {
  await tx.send(CLOSE_OPEN_SQL, [sid, inode, lockOwner === undefined ? null : ownerToDb(lockOwner)], 'close-open');
}

const CLOSE_OPEN_SQL = `with d as (delete from open_file where sid = $1 and inode = $2 and refs <= 1 returning 1),
          u as (update open_file set refs = refs - 1 where sid = $1 and inode = $2 and refs > 1 returning 1),
          fl as (delete from flock where inode = $2 and sid = $1 and (owner = $3 or exists (select 1 from d))),
          pl as (delete from plock where inode = $2 and sid = $1 and (owner = $3 or exists (select 1 from d)))
     select exists (select 1 from d) or exists (select 1 from u) as dropped`;

/** What openFast checks, as SQL can: the access bits by mode (no ACL) or a trusted caller, and refusing flags. */
export interface FastOpen {
  sid: bigint;
  inode: bigint;
  /** The rwx bits the open needs. */
  mask: number;
  trusted: boolean;
  uid: number;
  /** The caller's groups (primary first). */
  gids: number[];
  /** Node flags the statement leaves to the ordinary path (immutable, append-only). */
  refuseFlags: number;
  /** The open writes: refused in the trash (a node whose parent is above the trash inode). */
  writes: boolean;
  trashInode: bigint;
}

/**
 * Open's whole body in one statement, for the plain case only: the inode
 * FOR KEY SHARE, and when it has no ACL and no refusing flag, the access
 * bits allow the open (or the caller is trusted) and a writing open is not
 * in the trash, its open reference and the outcome (the node). Anything else
 * records nothing and declines (Tx.fast): the ordinary path decides.
 */
export async function openFast(tx: Tx, f: FastOpen, log: OutcomeLog): Promise<{ attr?: Attr; check?: SessionCheck }> {
  const { rows, check } = await runWrite<NodeRow & { inode: bigint | null }>(
    tx,
    'add-open-fast',
    `n as (select ${NODE_COLUMNS}, access_acl_id, default_acl_id from node where inode = $2 for key share),
          ok as (select n.* from n
                  where (n.flags & $7) = 0 and coalesce(n.access_acl_id, 0) = 0 and coalesce(n.default_acl_id, 0) = 0
                    and (not $8::boolean or n.parent <= $9)
                    and ($4::boolean or ${modeGrantsSql('n', '$5', '$6', '$3')})),
          o as (insert into open_file (sid, inode, refs) select $1, $2, 1 from ok on conflict (sid, inode) do update set refs = open_file.refs + 1)`,
    [f.sid, f.inode, f.mask, f.trusted, f.uid, f.gids, f.refuseFlags, f.writes, f.trashInode],
    log,
    nodeResult('ok', nodeColumns('ok')),
  );
  return { attr: resultAttr(rows), check };
}

/**
 * Close's whole body in one round trip when the file still has links: the
 * statement of lockNodeForClose (the inode FOR KEY SHARE and its file-lock
 * advisory lock, shared), then, in a statement of its own behind it (so it
 * sees every lock change committed before), what closeOpen does and the
 * outcome. An unlinked or missing inode records nothing and declines
 * (Tx.fast) to the ordinary path, which may delete it.
 */
export async function closeFast(tx: Tx, sid: bigint, inode: bigint, lockOwner: bigint | undefined, log: OutcomeLog): Promise<SessionCheck | undefined> {
  await lockNodeForCloseAhead(tx, inode);
  const { check } = await runWrite(
    tx,
    'close-open-fast',
    `n as (select 1 from node where inode = $2 and nlink <> 0),
          d as (delete from open_file where sid = $1 and inode = $2 and refs <= 1 and exists (select 1 from n) returning 1),
          u as (update open_file set refs = refs - 1 where sid = $1 and inode = $2 and refs > 1 and exists (select 1 from n) returning 1),
          fl as (delete from flock where inode = $2 and sid = $1 and exists (select 1 from n) and (owner = $3 or exists (select 1 from d))),
          pl as (delete from plock where inode = $2 and sid = $1 and exists (select 1 from n) and (owner = $3 or exists (select 1 from d)))`,
    [sid, inode, lockOwner === undefined ? null : ownerToDb(lockOwner)],
    log,
    { finalIf: 'exists (select 1 from n)' },
  );
  return check;
}
