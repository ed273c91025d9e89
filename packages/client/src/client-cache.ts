import type { v1 } from '@fsmeta/proto';
import {
  BoundedCache,
  attrBytes,
  entryBytes,
  entryKey,
  makeKnobs,
  openFileBytes,
  pageBytes,
  type CacheOptions,
  type CacheStats,
  type OpenFile,
} from './cache';
import type { WatchBatch } from './watcher';

/** Keeps an open file's entry while it is open (the TTL counts from the last close). */
const OPEN_TTL_MS = 2 ** 31 - 1;
const DAY_NS = 86_400_000_000_000n;
const SECOND_NS = 1_000_000_000n;
const MODE_R = 4;
const MODE_X = 1;
const DOT = Buffer.from('.');
const DOTDOT = Buffer.from('..');
/** Invalidation stamps kept before the oldest are forgotten (and older reads are not cached). */
const MAX_STAMPS = 100_000;
/** Acknowledged own mutations whose echo is awaited; the oldest are forgotten (their echo is then applied in full). */
const MAX_ACKED = 10_000;

export type AtimeMode = 'noatime' | 'relatime' | 'strictatime';

/** What serving from the cache produced: a response, or an errno (a negative entry). */
export type Served = { value: unknown } | { errno: 'ENOENT' };

type Args = Record<string, unknown>;

function hasAccess(caller: v1.Caller, attr: v1.Attr__Output, mask: number): boolean {
  if (caller.uid === 0 || caller.permissionsChecked === true) return true;
  const uid = caller.uid ?? 0;
  const gid = caller.gid ?? 0;
  let bits: number;
  if (uid === attr.uid) bits = (attr.mode >> 6) & 7;
  else if (gid === attr.gid || (caller.gids ?? []).includes(attr.gid)) bits = (attr.mode >> 3) & 7;
  else bits = attr.mode & 7;
  return (bits & mask) === mask;
}

/** Whether a read of `attr` must reach the server to update atime (the server's atimeNeedsUpdate). */
function atimeNeedsUpdate(mode: AtimeMode, attr: v1.Attr__Output | undefined): boolean {
  if (mode === 'noatime') return false;
  if (attr === undefined) return true;
  const now = BigInt(Date.now()) * 1_000_000n;
  const atime = BigInt(attr.atimeNs);
  const relatime = atime < BigInt(attr.mtimeNs) || atime < BigInt(attr.ctimeNs) || now - atime > DAY_NS;
  return relatime || (mode === 'strictatime' && now - atime > SECOND_NS);
}

function layoutEnd(slices: v1.Slice__Output[]): number {
  let n = 0;
  for (const s of slices) n += s.len;
  return n;
}

/**
 * The client's caches and their rules: what may be served (with the checks
 * the server would make: permissions, atime), what a response teaches, what
 * an own mutation changes in place, and what a change from the feed drops.
 * `seq` moves with every invalidation: a response to a read issued before it
 * is not cached (it may predate the change).
 */
export class ClientCache {
  readonly attr: BoundedCache<string, v1.Attr__Output>;
  readonly entry: BoundedCache<string, v1.Attr__Output>;
  readonly negative: BoundedCache<string, true>;
  readonly symlink: BoundedCache<string, Buffer>;
  readonly dir: BoundedCache<string, Map<string, v1.ReaddirResponse__Output>>;
  readonly openFiles: BoundedCache<string, OpenFile>;
  readonly openStats = { hits: 0, misses: 0 };
  /** Moves with every invalidation; a read remembers it when issued. */
  seq = 0;
  /** When each key was last invalidated (seq), so an answer issued before that is not cached. Bounded: see stamp. */
  private readonly stamps = new Map<string, number>();
  /** Answers to reads issued before this seq are not cached at all (after a clear, or when stamps overflowed). */
  private floor = 0;
  /**
   * The volume matches names regardless of case (Format case_insensitive, from NewSession): entries
   * are keyed by the case-folded name, as the server resolves them, so a change naming the stored
   * spelling drops an entry looked up with another.
   */
  caseInsensitive = false;
  /** With the feed on: serve only while it is connected (a gap in the feed empties the caches). */
  private live: boolean;

  /**
   * Own acknowledged mutations by origin ("session/request id"): the keys their acknowledgement
   * refreshed or dropped. Whatever is cached under those keys since is newer than the mutation, so
   * its echo from the feed need not drop it again.
   */
  private readonly acked = new Map<string, Set<string>>();
  /** Keys stamped while an own mutation is applied (mutated). */
  private touching?: Set<string>;
  /**
   * Own mutations in flight (skip mode): the changes of an echo that arrived before the
   * acknowledgement, held until it (mutated) or the call's end (end) says what to drop.
   */
  private readonly inflight = new Map<string, v1.Change__Output[]>();

  constructor(
    options: CacheOptions | true,
    readonly feed: boolean,
    /** Skip the echo of own acknowledged mutations (ClientOptions.ownEcho). */
    readonly skipOwnEcho = true,
  ) {
    const k = makeKnobs(options);
    this.attr = new BoundedCache(k.attr);
    this.entry = new BoundedCache(k.entry);
    this.negative = new BoundedCache(k.negative);
    this.symlink = new BoundedCache(k.symlink);
    this.dir = new BoundedCache(k.dir);
    this.openFiles = new BoundedCache(k.openFile);
    this.live = !feed;
  }

  /** The feed is connected (from a fresh position): start caching. */
  connected(): void {
    this.clear();
    this.live = true;
  }

  /** The feed is refused: items live until their TTL (as with watch off). */
  ttlOnly(): void {
    this.clear();
    this.live = true;
  }

  /** The feed broke: nothing cached can be vouched for until it is back. */
  disconnected(): void {
    this.live = false;
    this.clear();
  }

  clear(): void {
    this.seq++;
    this.floor = this.seq;
    this.stamps.clear();
    this.attr.clear();
    this.entry.clear();
    this.negative.clear();
    this.symlink.clear();
    this.dir.clear();
    // Open files stay registered (refs); only what they cached goes.
    for (const key of [...this.openFiles.keys()]) {
      const f = this.openFiles.peek(key);
      if (f !== undefined) {
        f.attr = undefined;
        f.chunks.clear();
      }
    }
  }

  private key(parent: string, name: Buffer): string {
    if (this.caseInsensitive) {
      const folded = foldName(name);
      if (folded !== undefined) return `${parent}/~${folded}`;
    }
    return entryKey(parent, name);
  }

  private stamp(key: string): void {
    this.touching?.add(key);
    this.seq++;
    this.stamps.delete(key);
    this.stamps.set(key, this.seq);
    if (this.stamps.size > MAX_STAMPS) {
      this.stamps.clear();
      this.floor = this.seq;
    }
  }

  /** Whether an answer to a read issued at `seq` may be cached under `key`. */
  private fresh(key: string, seq: number): boolean {
    return this.live && seq >= this.floor && (this.stamps.get(key) ?? 0) <= seq;
  }

  private dropAttr(inode: string, covered?: Set<string>): void {
    if (covered?.has(`a:${inode}`) === true) return;
    this.stamp(`a:${inode}`);
    this.attr.delete(inode);
    const f = this.openFiles.peek(inode);
    if (f !== undefined) f.attr = undefined;
  }

  private dropEntry(key: string, covered?: Set<string>): void {
    if (covered?.has(`e:${key}`) === true) return;
    this.stamp(`e:${key}`);
    this.entry.delete(key);
    this.negative.delete(key);
  }

  private dropDir(inode: string, covered?: Set<string>): void {
    if (covered?.has(`d:${inode}`) === true) return;
    this.stamp(`d:${inode}`);
    this.dir.delete(inode);
  }

  private dropChunk(inode: string, indx: number, covered?: Set<string>): void {
    if (covered?.has(`c:${inode}/${indx}`) === true || covered?.has(`c:${inode}`) === true) return;
    this.stamp(`c:${inode}/${indx}`);
    this.openFiles.peek(inode)?.chunks.delete(indx);
  }

  private dropChunks(inode: string, covered?: Set<string>): void {
    if (covered?.has(`c:${inode}`) === true) return;
    this.stamp(`c:${inode}`);
    this.openFiles.peek(inode)?.chunks.clear();
  }

  stats(): Record<string, CacheStats> {
    const open = this.openFiles.snapshot();
    return {
      attr: this.attr.snapshot(),
      entry: this.entry.snapshot(),
      negative: this.negative.snapshot(),
      symlink: this.symlink.snapshot(),
      dir: this.dir.snapshot(),
      openFile: { ...open, hits: this.openStats.hits, misses: this.openStats.misses },
    };
  }

  /** A cached answer for a read, or undefined to ask the server. */
  serve(method: string, a: Args, caller: v1.Caller, atime: AtimeMode): Served | undefined {
    if (!this.live) return undefined;
    switch (method) {
      case 'GetAttr': {
        const inode = String(a.inode);
        const attr = this.attr.get(inode) ?? this.openFiles.peek(inode)?.attr;
        return attr === undefined ? undefined : { value: { attr } };
      }
      case 'Lookup': {
        const name = a.name as Buffer;
        if (!Buffer.isBuffer(name) || name.equals(DOT) || name.equals(DOTDOT)) return undefined;
        const parent = this.attr.peek(String(a.parent));
        if (parent === undefined || !hasAccess(caller, parent, MODE_X)) return undefined;
        const key = this.key(String(a.parent), name);
        const entry = this.entry.get(key);
        if (entry !== undefined) {
          // The entry names the inode; its attributes come from where attribute changes reach them.
          const attr = this.attr.peek(entry.inode) ?? this.openFiles.peek(entry.inode)?.attr;
          return attr === undefined ? undefined : { value: { attr } };
        }
        if (this.negative.get(key) !== undefined) return { errno: 'ENOENT' };
        return undefined;
      }
      case 'ReadLink': {
        const inode = String(a.inode);
        if (atimeNeedsUpdate(atime, this.attr.peek(inode))) return undefined;
        const target = this.symlink.get(inode);
        return target === undefined ? undefined : { value: { target } };
      }
      case 'Readdir': {
        const inode = String(a.inode);
        const dir = this.attr.peek(inode);
        const plus = a.plus === true;
        if (dir === undefined || !hasAccess(caller, dir, plus ? MODE_R | MODE_X : MODE_R) || atimeNeedsUpdate(atime, dir)) return undefined;
        const page = this.dir.get(inode)?.get(pageKey(a));
        return page === undefined ? undefined : { value: page };
      }
      case 'Read': {
        const f = this.openFiles.peek(String(a.inode));
        if (f === undefined || atimeNeedsUpdate(atime, f.attr)) return undefined;
        const slices = f.chunks.get(Number(a.chunkIndex ?? 0));
        if (slices === undefined) {
          this.openStats.misses++;
          return undefined;
        }
        this.openStats.hits++;
        return { value: { slices } };
      }
      default:
        return undefined;
    }
  }

  /** Remembers a read's answer, unless what it covers was invalidated since the read was issued (`seq`). */
  learn(method: string, a: Args, res: unknown, seq: number): void {
    switch (method) {
      case 'GetAttr':
        this.learnAttr((res as v1.GetAttrResponse__Output).attr, seq);
        break;
      case 'Lookup': {
        const attr = (res as v1.LookupResponse__Output).attr;
        const name = a.name as Buffer;
        if (attr === null || name.equals(DOT) || name.equals(DOTDOT)) break;
        const key = this.key(String(a.parent), name);
        if (this.fresh(`e:${key}`, seq)) this.entry.set(key, attr, entryBytes(name));
        this.learnAttr(attr, seq);
        break;
      }
      case 'ReadLink': {
        const target = (res as v1.ReadLinkResponse__Output).target;
        // A symlink's target never changes; only the inode can go.
        if (this.fresh(`a:${String(a.inode)}`, seq)) this.symlink.set(String(a.inode), target, target.length + 64);
        break;
      }
      case 'Readdir': {
        const page = res as v1.ReaddirResponse__Output;
        const inode = String(a.inode);
        if (this.fresh(`d:${inode}`, seq)) {
          const pages = this.dir.peek(inode) ?? new Map<string, v1.ReaddirResponse__Output>();
          pages.set(pageKey(a), page);
          let bytes = 0;
          for (const p of pages.values()) bytes += pageBytes(p);
          this.dir.set(inode, pages, bytes);
        }
        for (const e of page.entries) if (e.attr !== null && !e.name.equals(DOT) && !e.name.equals(DOTDOT)) this.learnAttr(e.attr, seq);
        break;
      }
      case 'Read': {
        const key = String(a.inode);
        const indx = Number(a.chunkIndex ?? 0);
        const f = this.openFiles.peek(key);
        if (f === undefined || !this.fresh(`c:${key}/${indx}`, seq) || !this.fresh(`c:${key}`, seq)) break;
        f.chunks.set(indx, (res as v1.ReadResponse__Output).slices);
        this.openFiles.resize(key, openFileBytes(f));
        break;
      }
    }
  }

  private learnAttr(attr: v1.Attr__Output | null, seq: number): void {
    if (attr !== null && this.fresh(`a:${attr.inode}`, seq)) this.putAttr(attr);
  }

  /** Remembers a Lookup's ENOENT. */
  learnMissing(a: Args, seq: number): void {
    const name = a.name as Buffer;
    if (!Buffer.isBuffer(name) || name.equals(DOT) || name.equals(DOTDOT)) return;
    const key = this.key(String(a.parent), name);
    if (this.fresh(`e:${key}`, seq)) this.negative.set(key, true, entryBytes(name));
  }

  /** An own mutation (`origin`, "session/request id") is about to be sent: its echo may beat its acknowledgement. */
  begin(origin: string): void {
    if (this.skipOwnEcho && this.feed) this.inflight.set(origin, []);
  }

  /** The call is over: an echo held for it and not settled by its acknowledgement (a failure, an Open) applies in full. */
  end(origin: string): void {
    const held = this.inflight.get(origin);
    if (held === undefined) return;
    this.inflight.delete(origin);
    for (const c of held) this.applyChange(c);
  }

  /**
   * What this client's own mutation, issued at `seq`, changed, applied as soon as it is
   * acknowledged. A result is cached only where nothing else changed since `seq`; `origin`
   * lets its echo from the feed skip what this refreshed.
   */
  mutated(method: string, a: Args, res: unknown, seq: number, origin?: string): void {
    const touched = new Set<string>();
    this.touching = touched;
    try {
      this.applyMutation(method, a, res, seq);
    } finally {
      this.touching = undefined;
    }
    const held = origin === undefined ? undefined : this.inflight.get(origin);
    if (held !== undefined && held.length > 0) {
      // The echo came first (a transaction's changes come in one message): it is over.
      this.inflight.delete(origin!);
      for (const c of held) this.applyChange(c, touched);
      return;
    }
    if (origin === undefined || !this.skipOwnEcho || !this.feed || touched.size === 0) return;
    this.acked.set(origin, touched);
    if (this.acked.size > MAX_ACKED) this.acked.delete(this.acked.keys().next().value!);
  }

  private applyMutation(method: string, a: Args, res: unknown, seq: number): void {
    const attrOf = (r: unknown): v1.Attr__Output | null | undefined => (r as { attr?: v1.Attr__Output | null }).attr;
    const newEntry = (parent: unknown, name: unknown, attr: v1.Attr__Output | null | undefined): void => {
      const key = this.key(String(parent), name as Buffer);
      const fresh = this.fresh(`e:${key}`, seq);
      this.dropEntry(key);
      this.dropDir(String(parent));
      this.dropAttr(String(parent));
      if (fresh && attr !== null && attr !== undefined) this.entry.set(key, attr, entryBytes(name as Buffer));
    };
    const goneEntry = (parent: unknown, name: unknown): void => {
      const key = this.key(String(parent), name as Buffer);
      const child = this.entry.peek(key);
      if (child !== undefined) this.dropInode(child.inode);
      this.dropEntry(key);
      this.dropDir(String(parent));
      this.dropAttr(String(parent));
    };
    switch (method) {
      case 'Mknod':
      case 'Mkdir':
      case 'Create':
      case 'Symlink':
      case 'Link':
        newEntry(a.parent, a.name, attrOf(res));
        break;
      case 'Unlink':
      case 'Rmdir':
        goneEntry(a.parent, a.name);
        break;
      case 'Rename':
        goneEntry(a.parentDst, a.nameDst);
        goneEntry(a.parentSrc, a.nameSrc);
        break;
      case 'Write': {
        const indx = Number(a.chunkIndex ?? 0);
        const fresh = this.fresh(`c:${String(a.inode)}/${indx}`, seq) && this.fresh(`c:${String(a.inode)}`, seq);
        this.stamp(`c:${String(a.inode)}/${indx}`);
        const f = this.openFiles.peek(String(a.inode));
        const slice = a.slice as v1.Slice | undefined;
        const chunk = f?.chunks.get(indx);
        if (f !== undefined && chunk !== undefined) {
          const pos = Number(a.pos ?? 0);
          const end = layoutEnd(chunk);
          // Appending exactly at the end: the layout grows by the slice in place. Anything else (an
          // overwrite, a gap, where hole records the layout does not show may surface, or a layout
          // something else changed since the write was sent) is re-read.
          if (fresh && slice !== undefined && pos === end) {
            chunk.push({ id: String(slice.id ?? '0'), size: Number(slice.size ?? 0), off: Number(slice.off ?? 0), len: Number(slice.len ?? 0) });
          } else {
            f.chunks.delete(indx);
          }
          this.openFiles.resize(String(a.inode), openFileBytes(f));
        }
        break;
      }
      case 'Truncate':
      case 'Fallocate':
        this.dropChunks(String(a.inode));
        break;
      case 'CopyFileRange': {
        const fresh = this.fresh(`a:${String(a.inodeOut)}`, seq);
        this.dropChunks(String(a.inodeOut));
        this.dropAttr(String(a.inodeOut));
        if (fresh) this.putAttr((res as v1.CopyFileRangeResponse__Output).attrOut);
        break;
      }
    }
    const attr = attrOf(res);
    if (attr !== null && attr !== undefined) {
      const fresh = this.fresh(`a:${attr.inode}`, seq);
      this.dropAttr(attr.inode);
      if (fresh) this.putAttr(attr);
    } else if (typeof a.inode === 'string') this.dropAttr(a.inode);
  }

  /** Open/Create registered an open: keep the file; if it changed since cached (another node's close), drop its slices. */
  opened(inode: string, attr: v1.Attr__Output | null): void {
    let f = this.openFiles.peek(inode);
    if (f === undefined) {
      f = { chunks: new Map(), refs: 0 };
    } else if (attr !== null && f.attr !== undefined && (f.attr.mtimeNs !== attr.mtimeNs || f.attr.length !== attr.length)) {
      f.chunks.clear();
    }
    f.refs++;
    if (attr !== null) f.attr = attr;
    this.openFiles.set(inode, f, openFileBytes(f), OPEN_TTL_MS);
  }

  /** Close: the entry stays for the open-file TTL after the last close. */
  closed(inode: string): void {
    const f = this.openFiles.peek(inode);
    if (f === undefined) return;
    f.refs = Math.max(0, f.refs - 1);
    if (f.refs === 0) this.openFiles.set(inode, f, openFileBytes(f));
  }

  /** Applies one message of the change feed. */
  apply(batch: WatchBatch): void {
    if (batch.fellBehind) {
      this.clear();
      return;
    }
    const echoed = new Set<string>();
    for (const c of batch.changes) {
      let covered: Set<string> | undefined;
      if (c.originSessionId !== '0' && c.originSessionId !== '') {
        const origin = `${c.originSessionId}/${c.originRequestId}`;
        // The echo of an own mutation not yet acknowledged: its acknowledgement says what to drop.
        const held = this.inflight.get(origin);
        if (held !== undefined) {
          held.push(c);
          continue;
        }
        // The echo of an own acknowledged mutation: what its acknowledgement refreshed stays.
        covered = this.acked.get(origin);
        if (covered !== undefined) echoed.add(origin);
      }
      this.applyChange(c, covered);
    }
    // A transaction's changes all come in one message: its echo is over.
    for (const origin of echoed) this.acked.delete(origin);
  }

  /** What one change from the feed drops, but for the keys in `covered`. */
  private applyChange(c: v1.Change__Output, covered?: Set<string>): void {
    switch (c.kind) {
      case 'CHANGE_KIND_ATTR':
        this.dropAttr(c.inode, covered);
        if (c.parent !== '0') this.dropDir(c.parent, covered);
        break;
      case 'CHANGE_KIND_ENTRY':
        this.dropEntry(this.key(c.parent, c.name), covered);
        this.dropDir(c.parent, covered);
        this.dropAttr(c.inode, covered);
        break;
      case 'CHANGE_KIND_REMOVED':
        this.dropInode(c.inode, covered);
        if (c.parent !== '0') this.dropDir(c.parent, covered);
        break;
      case 'CHANGE_KIND_CHUNK':
        this.dropChunk(c.inode, c.chunkIndex, covered);
        break;
      default:
        break;
    }
  }

  private putAttr(attr: v1.Attr__Output | null | undefined): void {
    if (attr === null || attr === undefined) return;
    this.attr.set(attr.inode, attr, attrBytes());
    const f = this.openFiles.peek(attr.inode);
    if (f !== undefined) f.attr = attr;
  }

  private dropInode(inode: string, covered?: Set<string>): void {
    // The symlink target goes with the attributes' key (ReadLink answers are cached under a:).
    if (covered?.has(`a:${inode}`) !== true) this.symlink.delete(inode);
    this.dropAttr(inode, covered);
    this.dropDir(inode, covered);
    this.dropChunks(inode, covered);
  }
}

/** The case-folded form of a UTF-8 name (the server's foldName); undefined for other bytes, which match only exactly. */
function foldName(name: Buffer): string | undefined {
  const s = name.toString('utf8');
  if (!Buffer.from(s, 'utf8').equals(name)) return undefined;
  return s.toUpperCase().toLowerCase();
}

function pageKey(a: Args): string {
  const cursor = Buffer.isBuffer(a.cursor) ? a.cursor.toString('hex') : '';
  return `${cursor}/${Number(a.limit ?? 0)}/${a.plus === true ? 1 : 0}`;
}

