import type { Logger } from 'pino';
import {
  CHANGE_CHUNK,
  CHANGE_ENTRY,
  CHANGE_REMOVED,
  CHANGE_XATTR,
  ancestries,
  covers,
  currentPosition,
  formatSnapshot,
  parseSnapshot,
  partialSnapshot,
  readChanges,
  readTransactionChanges,
  visibleIn,
  type Ancestry,
  type ChangeKind,
  type ChangeRow,
  type Snapshot,
  unionSnapshot,
} from '../store/changes';
import type { Db } from '../store/db';
import type { Listener } from '../store/listener';
import type { MetaDeps } from './deps';
import { InvalidArgument, fail } from './errors';
import { getNode } from '../store/nodes';
import { insideSubtree } from '../store/confine';
import { ROOT_INODE, TYPE_DIRECTORY } from './types';

export { CHANGE_ATTR, CHANGE_CHUNK, CHANGE_ENTRY, CHANGE_REMOVED, CHANGE_XATTR, type ChangeKind } from '../store/changes';

/** NOTIFY channel every replica listens on; the payload is empty (a wake-up, not data). */
export const CHANGES_CHANNEL = 'fsmeta_changes';
/** Rows per read; a batch never splits a transaction, so one large transaction may exceed it. */
export const WATCH_BATCH_ROWS = 1000;
/** Wake-ups (commits, notifications) this close together share one read, and one NOTIFY. */
const COALESCE_MS = 5;
/**
 * While changes keep coming, reads start at most this often: each
 * read costs a query and one message per subscriber whatever it carries, so
 * under load fewer, larger batches are cheaper for writers and watchers alike.
 * Bounds the extra delivery delay under load; an idle feed still wakes after
 * COALESCE_MS.
 */
const BUSY_GAP_MS = 20;
/**
 * And at least this many times as long as the last read took, up to
 * MAX_BUSY_GAP_MS: the feed's work stays a small share of the replica and the
 * database however slow a loaded machine makes each read (at a few creates per
 * read, the per-read cost dominated), while an idle machine keeps 20 ms.
 */
const BUSY_DUTY_FACTOR = 10;
const MAX_BUSY_GAP_MS = 200;

/** The pause before the next read of a busy feed, from when the last one started and how long it took. */
function busyWait(started: number, now: number): number {
  const gap = Math.min(MAX_BUSY_GAP_MS, Math.max(BUSY_GAP_MS, (now - started) * BUSY_DUTY_FACTOR));
  return started + gap - now;
}
/** A subscriber whose filter drops everything still hears its position this often. */
const PROGRESS_MS = 1000;

export interface Change {
  kind: ChangeKind;
  inode: bigint;
  /** Entry changes: the directory. Attribute changes and removals: the inode's parent (0 if hard-linked). */
  parent: bigint;
  name?: Buffer;
  chunkIndex?: number;
  /** The mutation that made it: its session and request id (absent when unknown). */
  origin?: { session: bigint; requestId: string };
}

/** One message to a watcher: changes that committed after the previous position, up to `position`. */
export interface WatchMessage {
  changes: Change[];
  position: string;
  /** Changes after the requested position were discarded (retention): drop every cache; `position` is now. */
  fellBehind: boolean;
}

export interface WatchFilter {
  /** Only changes to this directory and below (0: the whole volume). */
  subtree: bigint;
  /** Only changes to these inodes and to entries in these directories (empty: all). */
  inodes: Set<bigint>;
  /**
   * A confined identity's subdir: only changes provably inside it, by the rule
   * of confinement (a chain of links up to it, decided when the change is read);
   * unlike `subtree`, nothing doubtful is delivered.
   */
  confine?: bigint;
}

/** Where a subscription's messages go. `send` returns false when the watcher is not keeping up. */
export interface WatchSink {
  send(msg: WatchMessage): boolean;
  /** The feed is done with this subscriber (server stopping, or the watcher too slow: it resumes from its position). */
  end(reason: 'shutdown' | 'slow'): void;
}

class Subscriber {
  /** Joined live at a position newer than the feed's: skip what that position already saw. */
  floor?: Snapshot;
  lastSentMs = 0;
  closed = false;

  constructor(
    readonly filter: WatchFilter,
    readonly sink: WatchSink,
  ) {}

  get needsAncestry(): boolean {
    // A confined subscriber's own subdir is checked strictly (confine) already.
    return this.filter.subtree !== 0n && this.filter.subtree !== ROOT_INODE && this.filter.subtree !== this.filter.confine;
  }

  get unfiltered(): boolean {
    return this.filter.inodes.size === 0 && !this.needsAncestry && this.filter.confine === undefined;
  }

  /** Sends the rows this subscriber wants; a position-only message when none, at most every PROGRESS_MS. */
  deliver(batch: Batch, force = false): void {
    if (this.closed) return;
    let rows = batch.rows;
    let position = batch.positionText;
    const floor = this.floor;
    if (floor !== undefined) {
      // The rows its own position saw are dropped. A batch cut inside a long read has a position of
      // its own that may not cover the floor yet and still hold rows the floor never saw; the
      // watcher has seen both, so it stands at their union until a batch covers the floor.
      rows = rows.filter((r) => !visibleIn(r.xid, floor));
      if (covers(batch.position, floor)) this.floor = undefined;
      else position = formatSnapshot(unionSnapshot(batch.position, floor));
    }
    const own = floor !== undefined && (rows.length !== batch.rows.length || position !== batch.positionText);
    const now = Date.now();
    let msg: WatchMessage;
    if (this.unfiltered && !own) {
      // The common case (every client cache): one message object for all, so it is encoded once.
      if (rows.length === 0 && !force && now - this.lastSentMs < PROGRESS_MS) return;
      msg = batch.all();
    } else {
      const changes = rows.filter((r) => this.wants(r, batch)).map(toChange);
      if (changes.length === 0 && !force && now - this.lastSentMs < PROGRESS_MS) return;
      msg = { changes, position, fellBehind: false };
    }
    this.lastSentMs = now;
    if (!this.sink.send(msg)) {
      this.closed = true;
      this.sink.end('slow');
    }
  }

  fellBehind(position: Snapshot): void {
    if (this.closed) return;
    this.floor = undefined;
    this.lastSentMs = Date.now();
    if (!this.sink.send({ changes: [], position: formatSnapshot(position), fellBehind: true })) {
      this.closed = true;
      this.sink.end('slow');
    }
  }

  private wants(r: ChangeRow, batch: Batch): boolean {
    const { inodes, confine } = this.filter;
    const under = batch.under;
    if (inodes.size > 0 && !inodes.has(r.inode) && !(r.kind === CHANGE_ENTRY && inodes.has(r.parent))) return false;
    if (confine !== undefined && !(r.inode === confine && r.kind !== CHANGE_ENTRY) && batch.inside.get(confine)?.has(confinedProbe(r)) !== true) return false;
    if (!this.needsAncestry) return true;
    const root = this.filter.subtree;
    if (r.inode === root) return true;
    const a = under.get(probeOf(r));
    // Unknown (removed since) or not reaching the root (hard links): deliver; an extra invalidation is harmless.
    return a === undefined || !a.complete || a.ancestors.has(root);
  }
}

/**
 * The inode that must be inside a confined subscriber's subdir for it to see a
 * change: an entry's directory; a removed inode's last directory (it has no
 * links left); otherwise the inode itself (any of its links inside will do).
 */
function confinedProbe(r: ChangeRow): bigint {
  if (r.kind === CHANGE_ENTRY || (r.kind === CHANGE_REMOVED && r.parent !== 0n)) return r.parent;
  return r.inode;
}

/** The inode whose ancestry decides whether a change is under a subtree. */
function probeOf(r: ChangeRow): bigint {
  if (r.kind === CHANGE_CHUNK || r.kind === CHANGE_XATTR || r.parent === 0n) return r.inode;
  return r.parent;
}

/** One read's rows as delivered to every subscriber, with what they share. */
class Batch {
  readonly positionText: string;
  private everything?: WatchMessage;

  constructor(
    readonly rows: ChangeRow[],
    readonly position: Snapshot,
    readonly under: Map<bigint, Ancestry>,
    /** Per confined subdir: the probes (confinedProbe) inside it. */
    readonly inside = new Map<bigint, Set<bigint>>(),
  ) {
    this.positionText = formatSnapshot(position);
  }

  /** The message of an unfiltered subscriber: every row. */
  all(): WatchMessage {
    return (this.everything ??= { changes: this.rows.map(toChange), position: this.positionText, fellBehind: false });
  }
}

function toChange(r: ChangeRow): Change {
  const c: Change = { kind: r.kind, inode: r.inode, parent: r.parent };
  if (r.name !== null) c.name = r.name;
  if (r.indx !== null) c.chunkIndex = Number(r.indx);
  if (r.originSid !== null && r.originRequest !== null) c.origin = { session: r.originSid, requestId: r.originRequest };
  return c;
}

/**
 * The change feed of one replica. One reader per replica follows the change
 * log for all its live subscribers (one query per wake, whatever their number),
 * woken by NOTIFY from any replica's commits, by this replica's own commits,
 * and by a slow poll as a safety net. No connection is held between reads.
 * A subscriber resuming from an older position first catches up with reads of
 * its own, then joins the live reader without gap or overlap.
 */
export class ChangeFeed {
  private position?: Snapshot;
  private readonly live = new Set<Subscriber>();
  private reading?: Promise<void>;
  private again = false;
  private pollTimer?: NodeJS.Timeout;
  private unlisten?: () => void;
  private notifying = false;
  private notifyAgain = false;
  private closed = false;

  private readonly db: Db;
  private readonly listener?: Listener;
  private readonly log: Logger;

  constructor(private readonly deps: MetaDeps) {
    this.db = deps.db;
    this.listener = deps.listener;
    this.log = deps.log;
  }

  /** Listens for other replicas' commits and announces this replica's. */
  async start(): Promise<void> {
    this.unlisten = await this.listener?.listen(CHANGES_CHANNEL, () => this.wake());
    this.db.onCommit(() => this.committed());
  }

  /** Ends every subscription (their watchers resume elsewhere) and stops listening. */
  close(): void {
    this.closed = true;
    if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
    this.unlisten?.();
    for (const s of this.live) {
      s.closed = true;
      s.sink.end('shutdown');
    }
    this.live.clear();
  }

  get subscribers(): number {
    return this.live.size;
  }

  /** A commit on this replica: wake the local reader now and the other replicas through NOTIFY (coalesced). */
  private committed(): void {
    if (this.closed) return;
    this.wake();
    const listener = this.listener;
    if (listener === undefined) return;
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    this.notifying = true;
    // Not paced like reads: a commit landing while the last NOTIFY was still on its way must not wait
    // a busy gap (sparse changes would be announced late); one NOTIFY per round trip is few enough.
    const send = (): void => {
      this.notifyAgain = false;
      void listener.notify(CHANGES_CHANNEL).then(() => {
        if (this.notifyAgain && !this.closed) setTimeout(send, COALESCE_MS);
        else this.notifying = false;
      });
    };
    setTimeout(send, COALESCE_MS);
  }

  /**
   * Subscribes from `from` (a position from an earlier message; empty: now).
   * The first message carries the starting position (and `fellBehind` when
   * `from` is past the retention). Returns the unsubscribe function.
   */
  async subscribe(from: string, filter: WatchFilter, sink: WatchSink): Promise<() => void> {
    let pos: Snapshot | undefined;
    if (from !== '') {
      pos = parseSnapshot(from);
      if (pos === undefined) throw new InvalidArgument('position', 'not a position from a WatchResponse');
    }
    if (filter.subtree !== 0n) {
      const dir = await getNode(this.db.reader, filter.subtree);
      if (dir === undefined) fail('ENOENT', 'subtree does not exist');
      if (dir.type !== TYPE_DIRECTORY) fail('ENOTDIR', 'subtree is not a directory');
    }
    const sub = new Subscriber(filter, sink);
    const unsubscribe = (): void => {
      sub.closed = true;
      this.live.delete(sub);
      if (this.live.size === 0) this.idle();
    };
    const now = await currentPosition(this.db.reader);
    if (pos !== undefined && now.below > pos.xmin) {
      sub.fellBehind(now.snapshot);
      pos = now.snapshot;
    } else {
      pos ??= now.snapshot;
      sub.deliver(new Batch([], pos, new Map()), true);
    }
    // Catch up until this subscriber stands where the live reader does (or past it), then join.
    for (;;) {
      if (sub.closed || this.closed) {
        if (this.closed) sink.end('shutdown');
        return unsubscribe;
      }
      const feed = this.position;
      if (feed === undefined || covers(pos, feed)) {
        if (feed === undefined) this.position = pos;
        else if (formatSnapshot(feed) !== formatSnapshot(pos)) sub.floor = pos;
        this.live.add(sub);
        this.busy();
        return unsubscribe;
      }
      pos = await this.readRange(pos, feed, [sub]);
    }
  }

  /**
   * Reads everything after `from` (up to `to`, else up to now) in bounded
   * batches, delivering each to `subs` with its position; returns where it
   * stopped. A position past the retention turns into a fell-behind message.
   */
  private async readRange(from: Snapshot, to: Snapshot | undefined, subs: Iterable<Subscriber>, onBatch?: (position: Snapshot) => void): Promise<Snapshot> {
    const q = this.db.reader;
    let cur = from;
    let target = to;
    for (;;) {
      const read = await readChanges(q, cur, { to: target, limit: WATCH_BATCH_ROWS });
      if (read.below > cur.xmin) {
        for (const s of subs) s.fellBehind(read.snapshot);
        onBatch?.(read.snapshot);
        return read.snapshot;
      }
      target ??= read.snapshot;
      let rows = read.rows;
      let next = target;
      if (rows.length >= WATCH_BATCH_ROWS) {
        const last = rows[rows.length - 1]!.xid;
        rows = rows.filter((r) => r.xid !== last);
        if (rows.length === 0) rows = await readTransactionChanges(q, last);
        next = partialSnapshot(cur, target, rows[rows.length - 1]!.xid);
      }
      const list = [...subs];
      const under = list.some((s) => s.needsAncestry) ? await this.ancestry(rows) : new Map<bigint, Ancestry>();
      const inside = new Map<bigint, Set<bigint>>();
      const roots = new Set(list.map((s) => s.filter.confine).filter((r): r is bigint => r !== undefined));
      if (rows.length > 0) {
        const probes = [...new Set(rows.map(confinedProbe))];
        for (const root of roots) inside.set(root, await insideSubtree(q, root, probes));
      }
      onBatch?.(next);
      const batch = new Batch(rows, next, under, inside);
      for (const s of list) s.deliver(batch);
      if (next === target) return target;
      cur = next;
    }
  }

  private async ancestry(rows: ChangeRow[]): Promise<Map<bigint, Ancestry>> {
    const probes = [...new Set(rows.map(probeOf))];
    return probes.length === 0 ? new Map() : ancestries(this.db.reader, probes);
  }

  private busy(): void {
    if (this.pollTimer !== undefined || this.closed) return;
    this.pollTimer = setInterval(() => this.wake(), this.deps.options.watchPollMs);
    this.pollTimer.unref();
  }

  /** No subscribers: stop polling and forget the position (the next subscriber starts it afresh). */
  private idle(): void {
    if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    if (this.reading === undefined) this.position = undefined;
  }

  /** Reads new changes for the live subscribers; one read at a time, another right after if woken meanwhile. */
  private wake(): void {
    if (this.closed || this.live.size === 0) return;
    if (this.reading !== undefined) {
      this.again = true;
      return;
    }
    this.reading = (async () => {
      // Commits come in bursts: one read a few ms later serves them all.
      await new Promise((r) => setTimeout(r, COALESCE_MS));
      for (;;) {
        this.again = false;
        const from = this.position;
        if (from === undefined || this.live.size === 0) break;
        const started = Date.now();
        try {
          await this.readRange(from, undefined, this.live, (p) => {
            this.position = p;
          });
        } catch (err) {
          this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'change feed read failed; next wake retries');
          break;
        }
        if (!this.again || this.closed) break;
        const wait = busyWait(started, Date.now());
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    })().finally(() => {
      this.reading = undefined;
      if (this.live.size === 0) this.position = undefined;
    });
  }
}
