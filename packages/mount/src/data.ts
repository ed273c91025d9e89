import type { v1 } from '@fsmeta/client';
import { BlockCache } from './block-cache';
import { ROOT, type Caller, type Meta } from './meta';
import { blockKey, blocksOf, type ObjectStore } from './store';

/** A file is a sequence of chunks of this size (as JuiceFS). */
export const CHUNK_SIZE = 64 << 20;
const CHUNK = BigInt(CHUNK_SIZE);
/** Slice ids fetched per NewSlices call. */
const SLICE_ID_BATCH = 64;
/** Bytes of a file's writes held in memory (not yet uploaded) before the file is flushed. */
const MAX_BUFFERED_PER_FILE = 32 << 20;
/** Pending slices of one file before it is flushed (each becomes one record). */
const MAX_PENDING_SLICES = 256;
/** Block uploads in flight (bytes) across the mount before writers wait: the write back-pressure. */
const MAX_INFLIGHT_UPLOAD = 64 << 20;
/** Chunk layouts kept. */
const MAX_LAYOUTS = 4096;

export interface DataOptions {
  blockSize: number;
  cacheBytes: number;
  readaheadBlocks: number;
}

/** One visible piece of a chunk: `len` bytes of slice `id` (`size` long) from `off`; id 0 is a hole. */
interface Piece {
  id: bigint;
  size: number;
  off: number;
  len: number;
}

interface Block {
  buf: Buffer;
  len: number;
  uploaded: boolean;
}

/** Writes to one chunk that go into one slice: `len` bytes placed at `pos` in the chunk. */
class PendingSlice {
  len = 0;
  sealed = false;
  readonly blocks = new Map<number, Block>();
  readonly uploads: Array<Promise<void>> = [];

  constructor(
    readonly id: bigint,
    readonly chunk: number,
    readonly pos: number,
  ) {}
}

/** The unflushed writes of one file, in the order they must be recorded. */
class FileWriter {
  slices: PendingSlice[] = [];
  end = 0n;
  mtimeNs = 0n;
  buffered = 0;
  failure: unknown;
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after everything queued on this file (writes, flushes) is done. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/**
 * The data path: writes buffer per file into slices whose full blocks upload
 * as they fill; a flush uploads the rest and records each slice with Write, in
 * the order they were written (later records win). Reads assemble a chunk's
 * visible pieces (Read) from blocks, through a bounded block cache, with
 * read-ahead of the next blocks on sequential reads.
 */
export class DataPath {
  readonly cache: BlockCache;
  private readonly writers = new Map<bigint, FileWriter>();
  private readonly layouts = new Map<string, Piece[]>();
  private readonly lengths = new Map<bigint, bigint>();
  /** How far read-ahead has loaded each file. */
  private readonly readahead = new Map<bigint, bigint>();
  private ids: bigint[] = [];
  private idsLoading: Promise<void> | undefined;
  private inflight = 0;
  private inflightWaiters: Array<() => void> = [];
  /** Told about every write that was acknowledged to the kernel but could not be recorded (it is lost). */
  onLost: (inode: bigint, bytes: number, err: unknown) => void = () => undefined;
  /** Bytes lost so far (writes that never reached a recorded slice). */
  lostBytes = 0;
  /** Bytes recorded with Write so far (the shutdown watches it for progress). */
  recordedBytes = 0;

  constructor(
    private readonly meta: Meta,
    readonly store: ObjectStore,
    readonly opts: DataOptions,
  ) {
    this.cache = new BlockCache(opts.cacheBytes);
  }

  get blockSize(): number {
    return this.opts.blockSize;
  }

  /** Remembers the length fsmeta reported for a file (reads are bounded by it). */
  noteLength(inode: bigint, length: bigint): void {
    if (this.lengths.size > 100_000) this.lengths.clear();
    this.lengths.set(inode, length);
  }

  forgetLength(inode: bigint): void {
    this.lengths.delete(inode);
  }

  /** The length and mtime a stat must show: unflushed writes may have made the file longer. */
  overlay(inode: bigint, length: bigint, mtimeNs: bigint): { length: bigint; mtimeNs: bigint } {
    const w = this.writers.get(inode);
    if (w === undefined || w.slices.length === 0) return { length, mtimeNs };
    return { length: w.end > length ? w.end : length, mtimeNs: w.mtimeNs > mtimeNs ? w.mtimeNs : mtimeNs };
  }

  hasDirty(inode: bigint): boolean {
    return (this.writers.get(inode)?.slices.length ?? 0) > 0;
  }

  /** Drops cached layouts of a file (another node may have changed it: called at open). */
  invalidate(inode: bigint): void {
    this.readahead.delete(inode);
    const prefix = `${inode}:`;
    for (const k of this.layouts.keys()) if (k.startsWith(prefix)) this.layouts.delete(k);
  }

  private invalidateChunk(inode: bigint, chunk: number): void {
    this.layouts.delete(`${inode}:${chunk}`);
  }

  private async sliceId(): Promise<bigint> {
    while (this.ids.length === 0) {
      this.idsLoading ??= this.meta
        .call('NewSlices', ROOT, { count: SLICE_ID_BATCH })
        .then((res) => {
          const first = BigInt(res.firstId);
          for (let i = 0; i < res.count; i++) this.ids.push(first + BigInt(i));
        })
        .finally(() => (this.idsLoading = undefined));
      await this.idsLoading;
    }
    return this.ids.shift()!;
  }

  private writer(inode: bigint): FileWriter {
    let w = this.writers.get(inode);
    if (w === undefined) {
      w = new FileWriter();
      this.writers.set(inode, w);
    }
    return w;
  }

  // ---- writes ----

  async write(inode: bigint, offset: bigint, data: Buffer): Promise<void> {
    const w = this.writer(inode);
    await w.serial(async () => {
      if (w.failure !== undefined) throw w.failure;
      let pos = offset;
      let rest = data;
      let reachedChunkEnd = false;
      while (rest.length > 0) {
        const chunk = Number(pos / CHUNK);
        const cpos = Number(pos % CHUNK);
        const n = Math.min(rest.length, CHUNK_SIZE - cpos);
        await this.writeChunk(w, chunk, cpos, rest.subarray(0, n));
        if (cpos + n === CHUNK_SIZE) reachedChunkEnd = true;
        pos += BigInt(n);
        rest = rest.subarray(n);
      }
      const end = offset + BigInt(data.length);
      if (end > w.end) w.end = end;
      w.mtimeNs = nowNs();
      // A slice that reached the end of its chunk is complete; too much buffered: record what there is.
      if (reachedChunkEnd || w.buffered > MAX_BUFFERED_PER_FILE || w.slices.length > MAX_PENDING_SLICES) await this.flushLocked(inode, w);
    });
  }

  private async writeChunk(w: FileWriter, chunk: number, cpos: number, data: Buffer): Promise<void> {
    let last: PendingSlice | undefined;
    for (let i = w.slices.length - 1; i >= 0; i--) {
      if (w.slices[i]!.chunk === chunk) {
        last = w.slices[i];
        break;
      }
    }
    if (last !== undefined && !last.sealed) {
      if (last.pos + last.len === cpos) return this.append(w, last, data);
      if (cpos >= last.pos && cpos + data.length <= last.pos + last.len && this.overwrite(last, cpos - last.pos, data)) return;
      last.sealed = true;
    }
    const s = new PendingSlice(await this.sliceId(), chunk, cpos);
    w.slices.push(s);
    await this.append(w, s, data);
  }

  /** Overwrites bytes of a slice still in memory; false when a block concerned was uploaded already. */
  private overwrite(s: PendingSlice, at: number, data: Buffer): boolean {
    const bs = this.opts.blockSize;
    for (let b = Math.floor(at / bs); b <= Math.floor((at + data.length - 1) / bs); b++) {
      const block = s.blocks.get(b);
      if (block === undefined || block.uploaded) return false;
    }
    let done = 0;
    while (done < data.length) {
      const off = at + done;
      const block = s.blocks.get(Math.floor(off / bs))!;
      const inBlock = off % bs;
      const n = Math.min(data.length - done, block.len - inBlock);
      data.copy(block.buf, inBlock, done, done + n);
      done += n;
    }
    return true;
  }

  private async append(w: FileWriter, s: PendingSlice, data: Buffer): Promise<void> {
    const bs = this.opts.blockSize;
    let done = 0;
    while (done < data.length) {
      const b = Math.floor(s.len / bs);
      const inBlock = s.len % bs;
      const n = Math.min(data.length - done, bs - inBlock);
      let block = s.blocks.get(b);
      if (block === undefined) {
        block = { buf: Buffer.allocUnsafe(Math.min(bs, Math.max(n, 64 << 10))), len: 0, uploaded: false };
        s.blocks.set(b, block);
      }
      if (block.buf.length < inBlock + n) {
        // Grow by doubling, up to the block size: small files stay small in memory.
        let cap = block.buf.length;
        while (cap < inBlock + n) cap = Math.min(bs, cap * 2);
        const bigger = Buffer.allocUnsafe(cap);
        block.buf.copy(bigger, 0, 0, block.len);
        block.buf = bigger;
      }
      data.copy(block.buf, inBlock, done, done + n);
      block.len = inBlock + n;
      w.buffered += n;
      s.len += n;
      done += n;
      if (block.len === bs) await this.upload(w, s, b, block);
    }
  }

  private async upload(w: FileWriter, s: PendingSlice, index: number, block: Block): Promise<void> {
    while (this.inflight > MAX_INFLIGHT_UPLOAD) await new Promise<void>((r) => this.inflightWaiters.push(r));
    block.uploaded = true;
    const data = block.buf.length === block.len ? block.buf : block.buf.subarray(0, block.len);
    const key = blockKey(s.id, index, block.len);
    this.inflight += block.len;
    const p = this.store.put(key, data).then(
      () => {
        this.cache.put(key, data);
        // The data now lives in the store (and maybe the cache): the slice keeps no copy.
        s.blocks.delete(index);
      },
      (err: unknown) => {
        w.failure ??= err;
        throw err;
      },
    );
    p.catch(() => undefined).finally(() => {
      this.inflight -= block.len;
      w.buffered -= block.len;
      const waiters = this.inflightWaiters;
      this.inflightWaiters = [];
      for (const r of waiters) r();
    });
    s.uploads.push(p);
  }

  /** Records every pending slice of the file. Errors (a failed upload) reach the caller once. */
  flush(inode: bigint): Promise<void> {
    const w = this.writers.get(inode);
    if (w === undefined) return Promise.resolve();
    return w.serial(() => this.flushLocked(inode, w));
  }

  /** Flushes every file; resolves when all are done, failures included (each was reported to `onLost`). */
  async flushAll(): Promise<void> {
    await Promise.allSettled([...this.writers.keys()].map((i) => this.flush(i)));
  }

  /** Unflushed bytes across the mount. */
  get dirtyBytes(): number {
    let n = 0;
    for (const w of this.writers.values()) for (const s of w.slices) n += s.len;
    return n;
  }

  private async flushLocked(inode: bigint, w: FileWriter): Promise<void> {
    try {
      if (w.failure !== undefined) throw w.failure;
      while (w.slices.length > 0) {
        const s = w.slices[0]!;
        s.sealed = true;
        for (const [index, block] of s.blocks) if (!block.uploaded) await this.upload(w, s, index, block);
        await Promise.all(s.uploads);
        const res = await this.meta.call('Write', ROOT, {
          inode: inode.toString(),
          chunkIndex: s.chunk,
          pos: s.pos,
          slice: { id: s.id.toString(), size: s.len, off: 0, len: s.len },
          mtimeNs: w.mtimeNs.toString(),
        });
        if (res.attr) this.noteLength(inode, BigInt(res.attr.length));
        this.invalidateChunk(inode, s.chunk);
        this.recordedBytes += s.len;
        w.slices.shift();
      }
    } catch (err) {
      // The unrecorded writes are lost; the error is reported now (close, fsync) and the file starts clean.
      const lost = w.slices.reduce((n, s) => n + s.len, 0);
      if (lost > 0) {
        this.lostBytes += lost;
        this.onLost(inode, lost, err);
      }
      w.slices = [];
      w.buffered = 0;
      w.failure = undefined;
      this.invalidate(inode);
      throw err;
    } finally {
      if (w.slices.length === 0 && this.writers.get(inode) === w) {
        w.end = 0n;
        this.writers.delete(inode);
      }
    }
  }

  // ---- reads ----

  private async layout(inode: bigint, chunk: number): Promise<Piece[]> {
    const key = `${inode}:${chunk}`;
    const cached = this.layouts.get(key);
    if (cached !== undefined) return cached;
    const res = await this.meta.call('Read', ROOT, { inode: inode.toString(), chunkIndex: chunk });
    const pieces = res.slices.map((s) => ({ id: BigInt(s.id), size: s.size, off: s.off, len: s.len }));
    if (this.layouts.size >= MAX_LAYOUTS) this.layouts.clear();
    this.layouts.set(key, pieces);
    return pieces;
  }

  async length(inode: bigint): Promise<bigint> {
    const known = this.lengths.get(inode);
    if (known !== undefined) return known;
    const res = await this.meta.call('GetAttr', ROOT, { inode: inode.toString() });
    const len = BigInt(res.attr!.length);
    this.noteLength(inode, len);
    return len;
  }

  /** `size` bytes from `offset`, fewer at the end of the file; unflushed writes are flushed first. */
  async read(inode: bigint, offset: bigint, size: number, readahead: boolean): Promise<Buffer> {
    if (this.hasDirty(inode)) await this.flush(inode);
    const length = await this.length(inode);
    if (offset >= length) return Buffer.alloc(0);
    const end = offset + BigInt(size) < length ? offset + BigInt(size) : length;
    const out = Buffer.alloc(Number(end - offset));
    await this.readInto(inode, offset, out);
    if (readahead && end < length) this.prefetch(inode, end, length);
    return out;
  }

  private async readInto(inode: bigint, offset: bigint, out: Buffer): Promise<void> {
    const jobs: Array<Promise<void>> = [];
    let pos = offset;
    let at = 0;
    while (at < out.length) {
      const chunk = Number(pos / CHUNK);
      const cpos = Number(pos % CHUNK);
      const n = Math.min(out.length - at, CHUNK_SIZE - cpos);
      jobs.push(this.readChunk(inode, chunk, cpos, out.subarray(at, at + n)));
      pos += BigInt(n);
      at += n;
    }
    await Promise.all(jobs);
  }

  private async readChunk(inode: bigint, chunk: number, cpos: number, out: Buffer): Promise<void> {
    try {
      await this.readChunkOnce(inode, chunk, cpos, out);
    } catch (err) {
      // A block that is gone: the cached layout is older than a compaction (on another mount)
      // whose old slices were deleted since. Ask fsmeta for the chunk again, once.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.invalidateChunk(inode, chunk);
      out.fill(0);
      await this.readChunkOnce(inode, chunk, cpos, out);
    }
  }

  private async readChunkOnce(inode: bigint, chunk: number, cpos: number, out: Buffer): Promise<void> {
    const pieces = await this.layout(inode, chunk);
    const jobs: Array<Promise<void>> = [];
    let start = 0;
    const end = cpos + out.length;
    for (const p of pieces) {
      const pEnd = start + p.len;
      if (pEnd > cpos && start < end && p.id !== 0n) {
        const from = Math.max(start, cpos);
        const to = Math.min(pEnd, end);
        const target = out.subarray(from - cpos, to - cpos);
        jobs.push(this.readSlice(p.id, p.size, p.off + (from - start), target));
      }
      start = pEnd;
      if (start >= end) break;
    }
    // Holes and anything past the last piece stay zero (`out` starts zeroed).
    await Promise.all(jobs);
  }

  /** Fills `out` with bytes of slice `id` (`size` long) from `off`. */
  async readSlice(id: bigint, size: number, off: number, out: Buffer): Promise<void> {
    const bs = this.opts.blockSize;
    const jobs: Array<Promise<void>> = [];
    let done = 0;
    while (done < out.length) {
      const at = off + done;
      const index = Math.floor(at / bs);
      const blockLen = Math.min(bs, size - index * bs);
      const inBlock = at % bs;
      const n = Math.min(out.length - done, blockLen - inBlock);
      const target = out.subarray(done, done + n);
      const key = blockKey(id, index, blockLen);
      jobs.push(this.cache.get(key, () => this.store.get(key, 0, blockLen)).then((buf) => void buf.copy(target, 0, inBlock, inBlock + n)));
      done += n;
    }
    await Promise.all(jobs);
  }

  /**
   * Read-ahead: loads the blocks of the next `readaheadBlocks` blocks' worth of
   * the file into the cache, once (a watermark per file), without copying them
   * anywhere. A failure here shows up again on the real read.
   */
  private prefetch(inode: bigint, from: bigint, length: bigint): void {
    const span = BigInt(this.opts.blockSize * this.opts.readaheadBlocks);
    const mark = this.readahead.get(inode) ?? 0n;
    const start = from > mark ? from : mark;
    const to = from + span < length ? from + span : length;
    if (to <= start || start - from > span / 2n) return;
    if (this.readahead.size > 10_000) this.readahead.clear();
    this.readahead.set(inode, to);
    void this.warm(inode, start, to).catch(() => undefined);
  }

  private async warm(inode: bigint, from: bigint, to: bigint): Promise<void> {
    const bs = this.opts.blockSize;
    const jobs: Array<Promise<unknown>> = [];
    for (let pos = from; pos < to; ) {
      const chunk = Number(pos / CHUNK);
      const cpos = Number(pos % CHUNK);
      const cend = Math.min(CHUNK_SIZE, cpos + Number(to - pos));
      let start = 0;
      for (const p of await this.layout(inode, chunk)) {
        const pEnd = start + p.len;
        if (pEnd > cpos && start < cend && p.id !== 0n) {
          const first = p.off + (Math.max(start, cpos) - start);
          const last = p.off + (Math.min(pEnd, cend) - start) - 1;
          for (let b = Math.floor(first / bs); b <= Math.floor(last / bs); b++) {
            const blockLen = Math.min(bs, p.size - b * bs);
            const key = blockKey(p.id, b, blockLen);
            jobs.push(this.cache.get(key, () => this.store.get(key, 0, blockLen)));
          }
        }
        start = pEnd;
        if (start >= cend) break;
      }
      pos += BigInt(cend - cpos);
    }
    await Promise.all(jobs);
  }

  // ---- whole-file operations (flush first, then one RPC) ----

  async truncate(inode: bigint, caller: Caller, length: bigint): Promise<v1.Attr__Output> {
    await this.flush(inode);
    const res = await this.meta.call('Truncate', caller, { inode: inode.toString(), length: length.toString() });
    this.invalidate(inode);
    this.noteLength(inode, BigInt(res.attr!.length));
    return res.attr!;
  }

  async fallocate(inode: bigint, caller: Caller, mode: number, offset: bigint, size: bigint): Promise<v1.Attr__Output> {
    await this.flush(inode);
    const res = await this.meta.call('Fallocate', caller, { inode: inode.toString(), mode, offset: offset.toString(), size: size.toString() });
    this.invalidate(inode);
    this.noteLength(inode, BigInt(res.attr!.length));
    return res.attr!;
  }

  async copyFileRange(caller: Caller, inodeIn: bigint, offIn: bigint, inodeOut: bigint, offOut: bigint, size: bigint, flags: number): Promise<bigint> {
    await this.flush(inodeIn);
    if (inodeOut !== inodeIn) await this.flush(inodeOut);
    const res = await this.meta.call('CopyFileRange', caller, {
      inodeIn: inodeIn.toString(),
      offsetIn: offIn.toString(),
      inodeOut: inodeOut.toString(),
      offsetOut: offOut.toString(),
      size: size.toString(),
      flags,
    });
    this.invalidate(inodeOut);
    if (res.attrOut) this.noteLength(inodeOut, BigInt(res.attrOut.length));
    return BigInt(res.copied);
  }

  /** Writes a slice's bytes as its blocks (compaction). */
  async putSlice(id: bigint, data: Buffer): Promise<void> {
    const bs = this.opts.blockSize;
    await Promise.all(blocksOf(data.length, bs).map((b) => this.store.put(blockKey(id, b.index, b.size), data.subarray(b.index * bs, b.index * bs + b.size))));
  }

  /** Deletes a slice's blocks (deletion worker). */
  async deleteSlice(id: bigint, size: number): Promise<void> {
    await Promise.all(
      blocksOf(size, this.opts.blockSize).map((b) => {
        const key = blockKey(id, b.index, b.size);
        this.cache.delete(key);
        return this.store.delete(key);
      }),
    );
  }
}
