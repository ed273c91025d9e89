import {
  deleteSession,
  deleteSessionOpens,
  expiredSessions,
  insertSession,
  listSessions,
  lockSession,
  refreshSession,
  sessionOpenInodes,
  sessionOwner,
} from '../store/sessions';
import type { Tx } from '../store/db';
import { listLocks, type LockKind } from '../store/locks';
import type { LockRecord } from './lock-ranges';
import type { MetaDeps } from './deps';
import { ResourceExhausted, fail } from './errors';
import { releaseUnlinked } from './release';

export interface SessionInfo {
  version: string;
  hostName: string;
  ipAddrs: string[];
  mountPoint: string;
  processId: number;
}

export interface SessionView {
  sessionId: bigint;
  info: SessionInfo;
  createdNs: bigint;
  expireNs: bigint;
  readOnly: boolean;
  openFiles: number;
  /** The identity that created it; null when opened without authentication. */
  owner: string | null;
  /** With `withLocks`: its locks and queued lock requests. */
  locks: SessionLockView[];
}

export interface SessionLockView {
  inode: bigint;
  owner: bigint;
  kind: LockKind;
  record: LockRecord;
  waiting: boolean;
}

/** Client sessions: the scope of request ids, open files and locks (JuiceFS NewSession / CleanStaleSessions). */
export class Sessions {
  constructor(private readonly deps: MetaDeps) {}

  /**
   * A new session owned by `owner` (the caller's identity); with `skipTrash` its
   * removals bypass the trash (JuiceFS's per-mount skip-trash).
   */
  async open(info: SessionInfo, readOnly: boolean, owner: string | null = null, skipTrash = false): Promise<bigint> {
    const { db, options } = this.deps;
    const sid = await db.transaction((tx) => insertSession(tx, info, readOnly, options.sessionTtlMs, owner, skipTrash, options.maxSessions ?? 0));
    if (sid === undefined) throw new ResourceExhausted(`the volume has ${options.maxSessions} live sessions, its limit`);
    return sid;
  }

  /** Who owns a session; undefined when there is no such session (any more). */
  owner(sid: bigint): Promise<{ owner: string | null } | undefined> {
    return sessionOwner(this.deps.db.reader, sid);
  }

  /** ESTALE once the session has expired or closed: its opens and locks are gone, the client must start over. */
  async heartbeat(sid: bigint): Promise<bigint> {
    const { db, options } = this.deps;
    const expire = await db.transaction((tx) => refreshSession(tx, sid, options.sessionTtlMs));
    if (expire === undefined) fail('ESTALE', 'session is unknown or expired');
    return expire;
  }

  /** Idempotent: closing a session that is already gone (closed, expired, or a retry after a lost reply) succeeds. */
  async close(sid: bigint): Promise<void> {
    await this.deps.db.transaction(async (tx) => this.cleanup(tx, sid));
  }

  /** Every session; with `withLocks` also the locks each holds and waits for (as `juicefs status --session`). */
  async list(withLocks = false): Promise<SessionView[]> {
    const [rows, locks] = await Promise.all([listSessions(this.deps.db.reader), withLocks ? listLocks(this.deps.db.reader) : []]);
    const bySession = new Map<bigint, SessionLockView[]>();
    for (const l of locks) {
      let list = bySession.get(l.sid);
      if (list === undefined) bySession.set(l.sid, (list = []));
      list.push({ inode: l.inode, owner: l.owner, kind: l.kind, record: l.record, waiting: l.waiting });
    }
    return rows.map((r) => ({
      sessionId: r.sid,
      info: r.info as SessionInfo,
      createdNs: r.created_ns,
      expireNs: r.expire_ns,
      readOnly: r.read_only,
      openFiles: Number(r.open_files),
      owner: r.owner,
      locks: bySession.get(r.sid) ?? [],
    }));
  }

  /** Cleans up to `limit` expired sessions; any replica may run it, SKIP LOCKED keeps them apart. */
  async cleanExpired(limit: number): Promise<number> {
    return this.deps.db.transaction(async (tx) => {
      const sids = await expiredSessions(tx, limit);
      for (const sid of sids) await this.cleanup(tx, sid);
      return sids.length;
    });
  }

  /** Drops the session's opens (deleting files only it kept alive), then the session and its request log. */
  private async cleanup(tx: Tx, sid: bigint): Promise<boolean> {
    if ((await lockSession(tx, sid)) === undefined) return false;
    const inodes = await sessionOpenInodes(tx, sid);
    await deleteSessionOpens(tx, sid);
    await releaseUnlinked(tx, inodes);
    await deleteSession(tx, sid);
    return true;
  }
}
