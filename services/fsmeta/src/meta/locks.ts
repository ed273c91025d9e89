import { quiet, type Tx } from '../store/db';
import {
  LOCKS_CHANNEL,
  deleteLapsedWaiters,
  deleteWaiter,
  insertWaiter,
  loadLockState,
  lockInodeLocks,
  lockOwnerRecords,
  renewWaiter,
  writeOwnerLocks,
  type LockKind,
  type LockState,
} from '../store/locks';
import type { MetaDeps } from './deps';
import { Unavailable, fail } from './errors';
import {
  MAX_OFFSET,
  applyLock,
  conflicts,
  firstConflict,
  sameOwner,
  type LockMode,
  type LockOp,
  type LockOwner,
  type LockRecord,
} from './lock-ranges';
import { mutate } from './mutation';
import type { OpContext } from './types';

/** How long a blocking request may wait: until `deadline` (ms since the epoch; Infinity: none) or `signal` aborts. */
export interface WaitOptions {
  deadline: number;
  signal?: AbortSignal;
}

/**
 * A blocked wait gives up this long before the call's deadline, so the caller
 * gets EINTR rather than its own DEADLINE_EXCEEDED.
 */
export const WAIT_MARGIN_MS = 500;
/** A waiter re-checks at least this often even without a notification (a safety net, not the wake-up path). */
const DEFAULT_WAIT_POLL_MS = 1000;
/** A waiter's queue entry lives this long unless renewed (its replica renews it every WAITER_RENEW_MS). */
const WAITER_LEASE_MS = 10_000;
const WAITER_RENEW_MS = 3000;
/** Queue entries whose lease passed this long ago are deleted by the cleanup job. */
const LAPSED_WAITER_GRACE_MS = 60_000;

/** A lock request refused by a conflict. Not an FsError: mutate records nothing, a retry or a wake-up tries again. */
class LockConflict extends Error {
  constructor() {
    super('lock conflict');
    this.name = 'LockConflict';
  }
}

interface LockRequest {
  kind: LockKind;
  inode: bigint;
  owner: bigint;
  record: LockRecord;
}

/** One waiting call's wake-up: set by a notification for its inode, consumed by `wait`. */
class Wakeup {
  private pending = false;
  private resolve: (() => void) | undefined;

  wake(): void {
    this.pending = true;
    this.resolve?.();
  }

  /**
   * Resolves at the next wake-up (at once if one came since the last wait),
   * after `ms`, or when `signal` aborts; true when woken.
   */
  async wait(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (!this.pending && !(signal?.aborted ?? false)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done(): void {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        }
        this.resolve = done;
        signal?.addEventListener('abort', done);
      });
      this.resolve = undefined;
    }
    const woken = this.pending;
    this.pending = false;
    return woken;
  }
}

/**
 * File locks, as JuiceFS baseMeta + the SQL engine (sql_lock.go): flock(2)
 * locks and fcntl(2) record locks per (inode, session, owner), across every
 * replica. Blocking requests wait in-process for a notification from the lock
 * tables (PostgreSQL NOTIFY through the replica's one LISTEN connection),
 * holding no database connection or transaction while they wait, and queue in
 * lock_waiter so a stream of shared locks cannot starve an exclusive waiter.
 */
export class Locks {
  private readonly waiting = new Map<bigint, Set<Wakeup>>();
  private readonly interrupts = new Set<AbortController>();
  private unlisten: (() => void) | undefined;
  private stopping = false;

  constructor(private readonly deps: MetaDeps) {}

  /** Subscribes to the lock tables' notifications (before the server takes calls). */
  async start(): Promise<void> {
    const listener = this.deps.listener;
    if (listener === undefined || this.unlisten !== undefined) return;
    this.unlisten = await listener.listen(LOCKS_CHANNEL, (payload) => {
      // undefined: notifications may have been missed while the listener reconnected; everyone looks again.
      if (payload === undefined) {
        for (const set of this.waiting.values()) for (const w of set) w.wake();
        return;
      }
      let inode: bigint;
      try {
        inode = BigInt(payload);
      } catch {
        return;
      }
      for (const w of this.waiting.get(inode) ?? []) w.wake();
    });
  }

  /** Ends every wait with UNAVAILABLE (the client retries elsewhere) and unsubscribes. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const c of this.interrupts) c.abort();
    this.unlisten?.();
    this.unlisten = undefined;
  }

  /** Blocked calls waiting on this replica now. */
  get waiters(): number {
    let n = 0;
    for (const set of this.waiting.values()) n += set.size;
    return n;
  }

  /**
   * flock(2) as baseMeta.Flock: shared (R) or exclusive (W) for (inode,
   * session, owner), converting a lock the owner holds in place; U releases
   * it. A read lock conflicts with another owner's write lock, a write lock
   * with any other owner's lock: EAGAIN, or with `block` a wait (EINTR when
   * the deadline passes or the call is cancelled).
   */
  async flock(ctx: OpContext, inode: bigint, owner: bigint, op: LockOp, block: boolean, wait: WaitOptions): Promise<void> {
    if (op === 'U') {
      await mutate(
        this.deps.db,
        ctx,
        async (tx, scope) => scope.logged(await writeOwnerLocks(tx, 'flock', ctx.sessionId, inode, owner, undefined, undefined, scope.log(undefined))),
        { allowReadOnly: true },
      );
      return;
    }
    await this.acquire(ctx, { kind: 'flock', inode, owner, record: { type: op, pid: 0, start: 0n, end: MAX_OFFSET } }, block, wait);
  }

  /**
   * F_SETLK / F_SETLKW as baseMeta.Setlk: the owner's records over [start, end]
   * become `op` (U: unlocked), merged and split as the kernel does
   * (applyLock). A lock conflicts with another owner's overlapping record
   * when either is a write lock.
   */
  async setlk(
    ctx: OpContext,
    inode: bigint,
    owner: bigint,
    op: LockOp,
    start: bigint,
    end: bigint,
    pid: number,
    block: boolean,
    wait: WaitOptions,
  ): Promise<void> {
    if (start > end) fail('EINVAL', 'start is past end');
    if (op !== 'U') {
      await this.acquire(ctx, { kind: 'posix', inode, owner, record: { type: op, pid, start, end } }, block, wait);
      return;
    }
    await mutate(
      this.deps.db,
      ctx,
      async (tx, scope) => {
        const checking = quiet(lockInodeLocks(tx, 'posix', ctx.sessionId, inode, owner));
        // Right behind the advisory lock's statement (one round trip where the transaction pipelines).
        const holding = quiet(lockOwnerRecords(tx, ctx.sessionId, inode, owner));
        const check = await checking;
        if (!check.session) fail('ESTALE', 'session is unknown or expired');
        if (!check.exists) fail('ENOENT');
        const held = await holding;
        if (held === undefined) return;
        const next = applyLock(held, 'U', pid, start, end);
        if (next.length === held.length && next.every((r, i) => sameRecord(r, held[i]!))) return;
        scope.logged(await writeOwnerLocks(tx, 'posix', ctx.sessionId, inode, owner, next, undefined, scope.log(undefined)));
      },
      { allowReadOnly: true },
    );
  }

  /**
   * F_GETLK as baseMeta.Getlk: the first lock of another owner that conflicts
   * with [start, end] for `op`, or U when none does (and for a U request).
   * The pid is reported for a lock of the caller's own session only: another
   * storage node's pid means nothing here. Waiters are not locks: not reported.
   */
  async getlk(ctx: OpContext, inode: bigint, owner: bigint, op: LockOp, start: bigint, end: bigint): Promise<{ type: LockOp; start: bigint; end: bigint; pid: number }> {
    const none = { type: 'U' as const, start: 0n, end: 0n, pid: 0 };
    if (op === 'U') return none;
    if (start > end) fail('EINVAL', 'start is past end');
    const state = await loadLockState(this.deps.db.reader, 'posix', inode, 0n);
    const hit = firstConflict(state.holders, { sid: ctx.sessionId, owner }, { type: op, start, end });
    if (hit === undefined) return none;
    const { record, holder } = hit;
    return { type: record.type, start: record.start, end: record.end, pid: holder.sid === ctx.sessionId ? record.pid : 0 };
  }

  /** Deletes queue entries left by replicas that died while waiting. */
  async cleanLapsedWaiters(limit: number): Promise<number> {
    return this.deps.db.transaction((tx) => deleteLapsedWaiters(tx, LAPSED_WAITER_GRACE_MS, limit));
  }

  private async acquire(ctx: OpContext, req: LockRequest, block: boolean, wait: WaitOptions): Promise<void> {
    try {
      await this.attempt(ctx, req, undefined);
      return;
    } catch (err) {
      if (!(err instanceof LockConflict)) throw err;
    }
    if (!block) fail('EAGAIN', 'the lock is held by another owner');
    await this.waitFor(ctx, req, wait);
  }

  /**
   * One try, one transaction: the inode's lock-change advisory lock, the
   * inode's locks of this kind and the live queue, then the owner's new state
   * together with the request's outcome. A request yields to another owner's
   * conflicting lock and, unless the owner already holds a lock of this kind
   * on the inode (it could be what the queue waits for), to an older queued
   * request it conflicts with.
   */
  private attempt(ctx: OpContext, req: LockRequest, waiterId: bigint | undefined): Promise<void> {
    const { kind, inode, owner, record } = req;
    const me = { sid: ctx.sessionId, owner };
    return mutate(
      this.deps.db,
      ctx,
      async (tx, scope) => {
        // The read goes right behind the advisory lock's statement (one round trip where the transaction pipelines).
        const checking = quiet(this.checkTarget(tx, ctx, kind, inode, owner));
        const loading = quiet(loadLockState(tx, kind, inode, waiterId));
        await checking;
        const state = await loading;
        if (mustYield(state, me, record)) throw new LockConflict();
        const mine = state.holders.find((h) => sameOwner(h, me));
        const next: LockMode | LockRecord[] = kind === 'flock' ? record.type : applyLock(mine?.records ?? [], record.type, record.pid, record.start, record.end);
        scope.logged(await writeOwnerLocks(tx, kind, ctx.sessionId, inode, owner, next, waiterId, scope.log(undefined)));
      },
      { allowReadOnly: true },
    );
  }

  /**
   * ESTALE without the session, ENOENT without the inode. Like baseMeta, no
   * open is required: whether the caller's descriptor is valid (JuiceFS VFS:
   * EBADF without a file handle) is the storage node's to say, and
   * directories, which storage nodes open without fsmeta, take flocks too.
   */
  private async checkTarget(tx: Tx, ctx: OpContext, kind: LockKind, inode: bigint, owner: bigint): Promise<void> {
    const check = await lockInodeLocks(tx, kind, ctx.sessionId, inode, owner);
    if (!check.session) fail('ESTALE', 'session is unknown or expired');
    if (!check.exists) fail('ENOENT');
  }

  /**
   * A blocked request: queued in lock_waiter, then tried again whenever the
   * inode's locks change (a notification), at least every `lockPollMs`, until
   * granted, the deadline (less WAIT_MARGIN_MS) passes or the call is
   * cancelled: EINTR, as baseMeta for a cancelled context. Between tries it
   * holds no connection and no transaction; the queue entry goes when the
   * wait ends however it ends (in the granting transaction when granted).
   */
  private async waitFor(ctx: OpContext, req: LockRequest, wait: WaitOptions): Promise<void> {
    const { db } = this.deps;
    const until = wait.deadline - WAIT_MARGIN_MS;
    const interrupted = (): never => fail('EINTR', 'the wait for the lock ended: deadline or cancellation');
    if (Date.now() >= until || wait.signal?.aborted === true) interrupted();
    if (this.stopping) throw new Unavailable('the server is shutting down');

    const interrupt = new AbortController();
    const onAbort = (): void => interrupt.abort();
    wait.signal?.addEventListener('abort', onAbort);
    this.interrupts.add(interrupt);
    const wakeup = new Wakeup();
    let set = this.waiting.get(req.inode);
    if (set === undefined) this.waiting.set(req.inode, (set = new Set()));
    set.add(wakeup);

    let waiterId: bigint | undefined;
    let granted = false;
    try {
      waiterId = await db.transaction((tx) => insertWaiter(tx, req.kind, ctx.sessionId, req.inode, req.owner, req.record, WAITER_LEASE_MS));
      if (waiterId === undefined) fail('ESTALE', 'session is unknown or expired');
      const id = waiterId;
      const me = { sid: ctx.sessionId, owner: req.owner };
      let renewAt = Date.now() + WAITER_RENEW_MS;
      for (let first = true; ; first = false) {
        // Every waiter of the inode wakes on every change: when this replica has several, each looks
        // with one autocommit read first, and only those it finds free (or no longer queued) go on
        // to the serialised attempt. A lone waiter goes straight to it (one round trip less).
        const peek = first || set.size < 2 ? undefined : await loadLockState(db.reader, req.kind, req.inode, id);
        if (peek === undefined || !peek.queued || !mustYield(peek, me, req.record)) {
          try {
            await this.attempt(ctx, req, id);
            granted = true;
            return;
          } catch (err) {
            if (!(err instanceof LockConflict)) throw err;
          }
        }
        // Sleep until a notification, the poll interval or the deadline; renewing the lease is no reason to try again.
        const pollAt = Date.now() + (this.deps.options.lockPollMs ?? DEFAULT_WAIT_POLL_MS);
        for (;;) {
          const now = Date.now();
          if (this.stopping) throw new Unavailable('the server is shutting down');
          if (now >= until || interrupt.signal.aborted) interrupted();
          const woken = await wakeup.wait(Math.min(until, pollAt, renewAt) - now, interrupt.signal);
          if (this.stopping) throw new Unavailable('the server is shutting down');
          if (interrupt.signal.aborted) interrupted();
          if (Date.now() >= renewAt) {
            if (!(await db.transaction((tx) => renewWaiter(tx, id, WAITER_LEASE_MS)))) fail('ESTALE', 'session is unknown or expired');
            renewAt = Date.now() + WAITER_RENEW_MS;
          }
          if (woken || Date.now() >= pollAt) break;
        }
      }
    } finally {
      wait.signal?.removeEventListener('abort', onAbort);
      this.interrupts.delete(interrupt);
      set.delete(wakeup);
      if (set.size === 0 && this.waiting.get(req.inode) === set) this.waiting.delete(req.inode);
      if (waiterId !== undefined && !granted) {
        const id = waiterId;
        await db.transaction((tx) => deleteWaiter(tx, id)).catch((err: unknown) => {
          this.deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'lock waiter not removed; its lease will lapse');
        });
      }
    }
  }
}

/**
 * Whether a request must yield: to another owner's conflicting lock, or,
 * unless the owner already holds a lock of this kind on the inode (the queue
 * may be waiting for that very owner), to an older queued request it
 * conflicts with.
 */
function mustYield(state: LockState, me: LockOwner, record: LockRecord): boolean {
  if (firstConflict(state.holders, me, record) !== undefined) return true;
  if (state.holders.some((h) => sameOwner(h, me))) return false;
  return state.waiters.some((w) => !sameOwner(w, me) && w.records.some((r) => conflicts(r, record)));
}

function sameRecord(a: LockRecord, b: LockRecord): boolean {
  return a.type === b.type && a.pid === b.pid && a.start === b.start && a.end === b.end;
}
