import {
  ackSliceDeletions,
  addSliceRefs,
  appendRecords,
  appendToChunkRanges,
  appendToChunksBetween,
  applyWrite,
  claimFileReleases,
  claimSliceDeletions,
  deleteCompaction,
  deleteFileData,
  dropSliceRefs,
  expireCompactionClaims,
  getChunk,
  getNodeAndChunk,
  lockChunkRange,
  lockCompaction,
  lockNextCompaction,
  nextSliceBlock,
  newSliceBlockLogged,
  queueSliceDeletion,
  resetCompaction,
  setChunk,
  setCompactionClaim,
  truncateFast,
  type SliceCount,
} from '../store/chunks';
import type { Tx } from '../store/db';
import { getSetting } from '../store/settings';
import { getNode, lockNodeForClose, lockNodes, updateNode, type LockStrength } from '../store/nodes';
import { addOpen, closeFast, closeOpen, dropOpen, isReadOnlySession, openFast } from '../store/sessions';
import { touchAtime } from './atime';
import type { MetaDeps } from './deps';
import { FsError, InvalidArgument, fail } from './errors';
import { mutate } from './mutation';
import { Acls } from './acl';
import { chargeLength } from './quotas';
import { releaseUnlinked } from './release';
import { TRASH_INODE, inTrash } from './trash';
import { trusted } from './perm';
import {
  SLICE_RECORD_BYTES,
  buildSlice,
  decodeRecords,
  encodeRecord,
  encodeRecords,
  planCompaction,
  skipLeading,
  type SliceRecord,
  type VisibleSlice,
} from './slices';
import {
  CHUNK_SIZE,
  FLAG_APPEND,
  FLAG_IMMUTABLE,
  MAX_FILE_SIZE,
  MODE_MASK_R,
  MODE_MASK_W,
  MODE_MASK_X,
  TYPE_FIFO,
  TYPE_FILE,
  nowNs,
  type Attr,
  type OpContext,
} from './types';

export const O_WRONLY = 0x1;
export const O_RDWR = 0x2;
export const O_ACCMODE = 0x3;
/** FMODE_EXEC as the kernel passes it to FUSE: an O_RDONLY open for execution needs X, not R. */
export const O_FMODE_EXEC = 0x20;
export const O_TRUNC = 0x200;
export const O_APPEND = 0x400;

export const FALLOC_KEEP_SIZE = 0x01;
export const FALLOC_PUNCH_HOLE = 0x02;
export const FALLOC_COLLAPSE_RANGE = 0x08;
export const FALLOC_ZERO_RANGE = 0x10;
export const FALLOC_INSERT_RANGE = 0x20;

/** NewSlices hands out at most one sequence step of ids per call (JuiceFS sliceIdBatch). */
export const SLICE_ID_BLOCK = 4096;
/**
 * A chunk is offered for compaction when its record count reaches this ...
 * (baseMeta.Write compacts above 350; fsmeta's contract says 350 and up).
 */
export const COMPACT_ALWAYS_AT = 350;
/** ... or, below that, every COMPACT_EVERY records (count % 100 == 99), as baseMeta.Write. */
export const COMPACT_EVERY = 100;
export const DEFAULT_LEASE_MS = 60_000;
export const MAX_LEASE_MS = 86_400_000;
export const DEFAULT_CLAIM_LIMIT = 1000;
export const MAX_CLAIM_LIMIT = 10_000;
/** Files released per transaction by the release job (and before a ClaimSliceDeletions). */
export const RELEASE_BATCH = 100;
/** Offers ClaimCompaction may find useless (and drop) before it answers "nothing to do". */
const CLAIM_SCAN_LIMIT = 16;

const CHUNK = BigInt(CHUNK_SIZE);
const FULL_CHUNK_HOLE = encodeRecord({ pos: 0, id: 0n, size: 0, off: 0, len: CHUNK_SIZE });

export interface WriteResult {
  attr: Attr;
  sliceCount: number;
}

export interface CopyResult {
  copied: bigint;
  attr: Attr;
}

export interface DeletableSlice {
  id: bigint;
  size: bigint;
}

export interface CompactionClaim {
  found: boolean;
  inode: bigint;
  chunkIndex: number;
  pos: number;
  slices: VisibleSlice[];
  newSliceId: bigint;
  size: number;
}

const NO_COMPACTION: CompactionClaim = { found: false, inode: 0n, chunkIndex: 0, pos: 0, slices: [], newSliceId: 0n, size: 0 };

function hole(pos: number, len: number): SliceRecord {
  return { pos, id: 0n, size: 0, off: 0, len };
}

/** Whether a chunk with `count` records should be offered for compaction (baseMeta.Write's trigger). */
export function needsCompaction(count: number): boolean {
  return count >= COMPACT_ALWAYS_AT || count % COMPACT_EVERY === COMPACT_EVERY - 1;
}

function leaseArg(ms: number): number {
  if (ms > MAX_LEASE_MS) throw new InvalidArgument('lease_ms', `at most ${MAX_LEASE_MS}`);
  return ms === 0 ? DEFAULT_LEASE_MS : ms;
}

function records(blob: Buffer | null | undefined): SliceRecord[] {
  if (blob === null || blob === undefined) return [];
  const rs = decodeRecords(blob);
  if (rs === undefined) fail('EIO', 'corrupt chunk');
  return rs;
}

/** Reference deltas per slice id for a list of records (holes carry none). */
function countRefs(rs: readonly SliceRecord[]): Map<bigint, SliceCount> {
  const out = new Map<bigint, SliceCount>();
  for (const r of rs) {
    if (r.id === 0n) continue;
    const c = out.get(r.id);
    if (c === undefined) out.set(r.id, { id: r.id, size: r.size, n: 1 });
    else c.n++;
  }
  return out;
}

function requireFile(a: Attr | undefined): Attr {
  if (a === undefined) fail('ENOENT');
  if (a.type !== TYPE_FILE) fail('EPERM');
  return a;
}

/**
 * The data path at JuiceFS baseMeta + SQL engine parity: open files, slice
 * ids, the chunk records of Write / Truncate / Fallocate / CopyFileRange, the
 * visible layout Read returns, and the work queues storage nodes drain (slice
 * deletions, compactions). Every mutation goes through `mutate`; space totals,
 * limits and quotas change in the same transaction (chargeLength, or the same
 * charge inside Write's statement). Like JuiceFS's meta, Read, Write and CopyFileRange check
 * no permissions: Open did.
 */
export class DataPath {
  private readonly acl: Acls;

  constructor(private readonly deps: MetaDeps) {
    this.acl = new Acls(deps);
  }

  /**
   * As baseMeta.Open: EACCES by access mode, EPERM for a write open of an
   * immutable file or of an append-only file without O_APPEND (or with
   * O_TRUNC), EROFS for a write open in a read-only session. The inode is held
   * FOR KEY SHARE, so an Unlink (FOR UPDATE) either sees this open or deletes
   * the file before it: the open-unlinked rule cannot miss it.
   */
  async open(ctx: OpContext, inode: bigint, flags: number): Promise<Attr> {
    const writes = (flags & (O_WRONLY | O_RDWR)) !== 0;
    const changes = writes || (flags & (O_TRUNC | O_APPEND)) !== 0;
    const attr = await mutate(
      this.deps.db,
      ctx,
      async (tx, scope) => {
        if (tx.fast) {
          // The plain case in one round trip; anything else declines to the checks below.
          const mask = openMask(flags);
          const fast = { sid: ctx.sessionId, inode, mask, trusted: trusted(ctx.caller), uid: ctx.caller.uid, gids: [ctx.caller.gid, ...ctx.caller.gids] };
          const { attr, check } = await openFast(tx, { ...fast, refuseFlags: FLAG_IMMUTABLE | FLAG_APPEND, writes, trashInode: TRASH_INODE }, scope.logTarget());
          scope.logged(check);
          if (attr === undefined) throw new Error('fast open committed without its node');
          return attr;
        }
        const node = (await lockNodes(tx, [inode], 'key share')).get(inode);
        try {
          if (node === undefined) fail('ENOENT');
          await this.acl.check(tx, ctx.caller, node, openMask(flags));
          if ((node.flags & FLAG_IMMUTABLE) !== 0 && writes) fail('EPERM', 'immutable');
          if (writes && inTrash(node)) fail('EPERM', 'in the trash');
          if ((node.flags & FLAG_APPEND) !== 0 && ((writes && (flags & O_APPEND) === 0) || (flags & O_TRUNC) !== 0)) {
            fail('EPERM', 'append-only');
          }
        } catch (err) {
          // baseMeta.Open answers EROFS before looking at the file; checked only on failure, so opens pay nothing for it.
          if (changes && err instanceof FsError && (await isReadOnlySession(tx, ctx.sessionId))) fail('EROFS', 'read-only session');
          throw err;
        }
        await addOpen(tx, ctx.sessionId, inode);
        return node;
      },
      { allowReadOnly: !changes },
    );
    await touchAtime(this.deps, attr);
    return attr;
  }

  /**
   * Drops one open reference of the session (a Close of a file the session
   * does not have open is a no-op, as baseMeta.Close). When that was the last
   * open anywhere of a file with no links left, the file goes now. The inode
   * is locked before the open row changes, so a concurrent Unlink cannot read
   * a stale "still open" and leave an orphan: FOR KEY SHARE normally (closes
   * and opens of one file run side by side), FOR UPDATE from the start when
   * the file is unlinked, since two closers upgrading a shared lock deadlock.
   * File locks go in the same statement as the open: `lockOwner`'s (FUSE
   * release), and all of the session's on the inode with its last open; the
   * first statement takes the inode's file-lock advisory lock (shared), so a
   * lock request of the same owner in progress cannot write back records it
   * read before this Close deleted them.
   */
  close(ctx: OpContext, inode: bigint, lockOwner?: bigint): Promise<void> {
    let strength: LockStrength = 'key share';
    return mutate(
      this.deps.db,
      ctx,
      async (tx, scope) => {
        if (tx.fast && strength !== 'update') {
          // A file with links left, in one round trip; an unlinked one declines to the path below.
          scope.logged(await closeFast(tx, ctx.sessionId, inode, lockOwner, scope.log(undefined)));
          return;
        }
        const node = await lockNodeForClose(tx, inode, strength);
        if (node !== undefined && node.nlink === 0 && strength !== 'update') {
          strength = 'update';
          throw Object.assign(new Error('closing an unlinked file: start over holding it FOR UPDATE'), { code: '40001' });
        }
        if (node === undefined || node.nlink !== 0) {
          await dropOpen(tx, ctx.sessionId, inode, lockOwner);
          return;
        }
        if (await closeOpen(tx, ctx.sessionId, inode, lockOwner)) await releaseUnlinked(tx, [inode]);
      },
      { allowReadOnly: true },
    );
  }

  /** A block of fresh slice ids from the sequence (no hot row); ids are never handed out twice. */
  newSlices(ctx: OpContext, count: number): Promise<{ firstId: bigint; count: number }> {
    if (count < 1 || count > SLICE_ID_BLOCK) throw new InvalidArgument('count', `between 1 and ${SLICE_ID_BLOCK}`);
    return mutate(this.deps.db, ctx, async (tx, scope) => {
      const { firstId, check } = await newSliceBlockLogged(tx, count, scope.logTarget());
      scope.logged(check);
      return { firstId, count };
    });
  }

  /**
   * The visible layout of one chunk (baseMeta.Read + buildSlice), from one
   * statement joining the node and the chunk: ENOENT when the inode is gone,
   * EPERM for an empty chunk of something other than a regular file, EIO for a
   * corrupt blob.
   */
  async read(ctx: OpContext, inode: bigint, indx: number): Promise<VisibleSlice[]> {
    void ctx;
    const found = await getNodeAndChunk(this.deps.db.reader, inode, indx);
    if (found === undefined) fail('ENOENT');
    const rs = records(found.slices);
    if (rs.length === 0 && found.attr.type !== TYPE_FILE) fail('EPERM');
    const slices = buildSlice(rs);
    await touchAtime(this.deps, found.attr);
    return slices;
  }

  /**
   * As doWrite: appends the record (pos, slice) to chunk `indx`, references
   * the slice, extends the length, mtime from the caller (0 means now), ctime
   * now. Offers the chunk for compaction at JuiceFS's thresholds.
   */
  write(ctx: OpContext, inode: bigint, indx: number, pos: number, slice: VisibleSlice, mtimeNs: bigint): Promise<WriteResult> {
    // A zero-length slice adds nothing a reader could see: it succeeds and changes nothing (not even mtime).
    if (slice.len === 0) return this.emptyWrite(ctx, inode, indx);
    if (slice.id === 0n) fail('EINVAL', 'slice id 0 is a hole; ids come from NewSlices');
    if (pos + slice.len > CHUNK_SIZE) fail('EINVAL', 'the slice crosses the chunk boundary');
    if (slice.off + slice.len > slice.size) fail('EINVAL', 'off + len exceeds the slice size');
    const end = BigInt(indx) * CHUNK + BigInt(pos + slice.len);
    if (end >= MAX_FILE_SIZE) fail('EFBIG');
    return mutate(this.deps.db, ctx, async (tx, scope) => {
      const now = nowNs();
      const { result: written, check } = await applyWrite(tx, {
        inode,
        indx,
        record: encodeRecord({ pos, id: slice.id, size: slice.size, off: slice.off, len: slice.len }),
        sliceId: slice.id,
        sliceSize: slice.size,
        end,
        mtimeNs: mtimeNs === 0n ? now : mtimeNs,
        ctimeNs: now,
        compactAt: { always: COMPACT_ALWAYS_AT, every: COMPACT_EVERY },
      }, scope.logTarget());
      if (written !== undefined) {
        // The statement recorded the outcome (built in SQL, in meta/mutation.ts's encoding).
        scope.logged(check);
        return written;
      }
      // Nothing was written: say why (ENOENT, or EPERM for anything but a regular file).
      requireFile(await getNode(tx, inode));
      return fail('EIO', 'write matched no regular file');
    });
  }

  /** Write of nothing: the file must still be a regular file (ENOENT, EPERM); the answer is its attributes and record count. */
  private emptyWrite(ctx: OpContext, inode: bigint, indx: number): Promise<WriteResult> {
    return mutate(this.deps.db, ctx, async (tx) => {
      const found = await getNodeAndChunk(tx, inode, indx);
      const attr = requireFile(found?.attr);
      return { attr, sliceCount: (found?.slices?.length ?? 0) / SLICE_RECORD_BYTES };
    });
  }

  /**
   * As doTruncate: no data is deleted; hole records cover [min, max) of the
   * old and new lengths, so a shrink reads zeros if the file grows again. The
   * same length is a no-op that leaves mtime alone.
   */
  truncate(ctx: OpContext, inode: bigint, length: bigint): Promise<Attr> {
    if (length >= MAX_FILE_SIZE) fail('EFBIG');
    return mutate(this.deps.db, ctx, async (tx, scope) => {
      if (tx.fast) {
        // The plain case in one round trip; anything else declines to the checks below.
        const { caller } = ctx;
        const fast = { inode, length, now: nowNs(), trashInode: TRASH_INODE, refuseFlags: FLAG_IMMUTABLE | FLAG_APPEND, trusted: trusted(caller), uid: caller.uid, gids: [caller.gid, ...caller.gids] };
        const { attr, check } = await truncateFast(tx, fast, scope.logTarget());
        scope.logged(check);
        if (attr === undefined) throw new Error('fast truncate committed without its node');
        return attr;
      }
      const node = (await lockNodes(tx, [inode], 'update')).get(inode);
      if (node === undefined) fail('ENOENT');
      if (node.type !== TYPE_FILE || (node.flags & (FLAG_IMMUTABLE | FLAG_APPEND)) !== 0 || inTrash(node)) fail('EPERM');
      await this.acl.check(tx, ctx.caller, node, MODE_MASK_W);
      if (length === node.length) return node;
      const [left, right] = node.length < length ? [node.length, length] : [length, node.length];
      const li = Number(left / CHUNK);
      const ri = Number(right / CHUNK);
      const lpos = Number(left % CHUNK);
      const crosses = right > BigInt(li + 1) * CHUNK;
      const appends = new Map<number, Buffer>([[li, encodeRecord(hole(lpos, crosses ? CHUNK_SIZE - lpos : Number(right - left)))]]);
      if (crosses && right % CHUNK > 0n) appends.set(ri, encodeRecord(hole(0, Number(right % CHUNK))));
      await appendRecords(tx, inode, appends);
      if (ri - li > 1) await appendToChunksBetween(tx, inode, li, ri, FULL_CHUNK_HOLE);
      const now = nowNs();
      const attr: Attr = { ...node, length, mtimeNs: now, ctimeNs: now };
      await chargeLength(tx, node, length);
      await updateNode(tx, attr);
      return attr;
    });
  }

  /**
   * As baseMeta.Fallocate + doFallocate: KEEP_SIZE, PUNCH_HOLE (with
   * KEEP_SIZE), ZERO_RANGE; COLLAPSE_RANGE and INSERT_RANGE are ENOTSUP (EINVAL
   * combined with anything). Space is virtual: plain allocation only moves the
   * length; punching or zeroing writes hole records inside the old length.
   */
  fallocate(ctx: OpContext, inode: bigint, mode: number, off: bigint, size: bigint): Promise<Attr> {
    if ((mode & FALLOC_COLLAPSE_RANGE) !== 0 && mode !== FALLOC_COLLAPSE_RANGE) fail('EINVAL');
    if ((mode & FALLOC_INSERT_RANGE) !== 0 && mode !== FALLOC_INSERT_RANGE) fail('EINVAL');
    if (mode === FALLOC_COLLAPSE_RANGE || mode === FALLOC_INSERT_RANGE) fail('ENOTSUP');
    if ((mode & FALLOC_PUNCH_HOLE) !== 0 && (mode & FALLOC_KEEP_SIZE) === 0) fail('EINVAL', 'PUNCH_HOLE needs KEEP_SIZE');
    if (size === 0n) fail('EINVAL', 'size 0');
    if (off + size >= MAX_FILE_SIZE) fail('EFBIG');
    return mutate(this.deps.db, ctx, async (tx) => {
      const node = (await lockNodes(tx, [inode], 'update')).get(inode);
      if (node === undefined) fail('ENOENT');
      if (node.type === TYPE_FIFO) fail('EPIPE');
      if (node.type !== TYPE_FILE || (node.flags & FLAG_IMMUTABLE) !== 0) fail('EPERM');
      await this.acl.check(tx, ctx.caller, node, MODE_MASK_W);
      if ((node.flags & FLAG_APPEND) !== 0 && (mode & ~FALLOC_KEEP_SIZE) !== 0) fail('EPERM');
      const old = node.length;
      const length = off + size > old && (mode & FALLOC_KEEP_SIZE) === 0 ? off + size : old;
      const now = nowNs();
      const attr: Attr = { ...node, length, mtimeNs: now, ctimeNs: now };
      await chargeLength(tx, node, length);
      await updateNode(tx, attr);
      if ((mode & (FALLOC_ZERO_RANGE | FALLOC_PUNCH_HOLE)) !== 0 && off < old) {
        // Bounded work however long the range: hole records in the (at most two) chunks
        // the range covers in part; a full-chunk hole on the existing rows of the chunks
        // it covers whole (a chunk without a row reads as a hole already).
        const end = off + size > old ? old : off + size;
        const firstWhole = (off + CHUNK - 1n) / CHUNK;
        const endWhole = end / CHUNK;
        const appends = new Map<number, Buffer>();
        if (firstWhole >= endWhole) {
          for (let at = off; at < end; ) {
            const coff = Number(at % CHUNK);
            const l = Math.min(CHUNK_SIZE - coff, Number(end - at));
            appends.set(Number(at / CHUNK), encodeRecord(hole(coff, l)));
            at += BigInt(l);
          }
        } else {
          if (off < firstWhole * CHUNK) appends.set(Number(off / CHUNK), encodeRecord(hole(Number(off % CHUNK), Number(firstWhole * CHUNK - off))));
          if (end > endWhole * CHUNK) appends.set(Number(endWhole), encodeRecord(hole(0, Number(end - endWhole * CHUNK))));
          await appendToChunkRanges(tx, inode, [[Number(firstWhole), Number(endWhole) - 1]], FULL_CHUNK_HOLE);
        }
        await appendRecords(tx, inode, appends);
      }
      return attr;
    });
  }

  /**
   * As dbMeta.CopyFileRange: the destination gets records sharing the source's
   * slices (one more reference per record), holes copied as holes, no data
   * copied. Both inodes are locked FOR UPDATE in one ascending statement, the
   * source's chunk rows FOR UPDATE (so no compaction swaps their slices
   * meanwhile). The VFS checks come first: flags must be 0, the ranges of one
   * file must not overlap, and nothing may reach 2^57 bytes.
   */
  copyFileRange(
    ctx: OpContext,
    inodeIn: bigint,
    offIn: bigint,
    inodeOut: bigint,
    offOut: bigint,
    size: bigint,
    flags: number,
  ): Promise<CopyResult> {
    if (offIn + size >= MAX_FILE_SIZE || offOut + size >= MAX_FILE_SIZE) fail('EFBIG');
    if (flags !== 0) fail('EINVAL', 'flags must be 0');
    if (inodeIn === inodeOut && ((offIn <= offOut && offOut < offIn + size) || (offOut <= offIn && offIn < offOut + size))) {
      fail('EINVAL', 'overlapping ranges');
    }
    return mutate(this.deps.db, ctx, async (tx) => {
      const rows = await lockNodes(tx, [inodeIn, inodeOut], 'update');
      const nin = rows.get(inodeIn);
      const nout = rows.get(inodeOut);
      if (nin === undefined || nout === undefined) fail('ENOENT');
      if (nin.type !== TYPE_FILE) fail('EINVAL', 'source is not a regular file');
      if (offIn >= nin.length) return { copied: 0n, attr: nout };
      const n = offIn + size > nin.length ? nin.length - offIn : size;
      if (nout.type !== TYPE_FILE) fail('EINVAL', 'destination is not a regular file');
      if ((nout.flags & (FLAG_IMMUTABLE | FLAG_APPEND)) !== 0) fail('EPERM');
      // copy_file_range(2) of 0 bytes changes nothing (JuiceFS would append an empty record and touch mtime).
      if (n === 0n) return { copied: 0n, attr: nout };
      const source = await lockChunkRange(tx, inodeIn, Number(offIn / CHUNK), Number((offIn + n) / CHUNK));
      const out = copyRecords(source, offIn, offOut, n);
      await appendRecords(tx, inodeOut, new Map([...out.records].map(([i, rs]) => [i, encodeRecords(rs)])));
      await appendToChunkRanges(tx, inodeOut, out.fullHoles, out.fullHole);
      await addSliceRefs(tx, [...out.refs.values()]);
      const now = nowNs();
      const end = offOut + n;
      const attr: Attr = { ...nout, length: end > nout.length ? end : nout.length, mtimeNs: now, ctimeNs: now };
      await chargeLength(tx, nout, attr.length);
      await updateNode(tx, attr);
      return { copied: n, attr };
    });
  }

  /**
   * Releases the data of deleted files (doDeleteFileData): their chunk rows go,
   * each record drops one reference, and slices left with none enter the
   * deletion queue, all in one transaction per batch. Returns files released.
   */
  releaseFiles(limit: number, waitForOthers = false): Promise<number> {
    return this.deps.db.transaction(async (tx) => {
      const inodes = await claimFileReleases(tx, limit, waitForOthers);
      if (inodes.length === 0) return 0;
      const { blobs, unclaimed } = await deleteFileData(tx, inodes);
      const refs = new Map<bigint, number>();
      for (const blob of blobs) {
        const rs = decodeRecords(blob);
        if (rs === undefined) {
          this.deps.log.warn({ inodes: inodes.map(String) }, 'corrupt chunk of a released file: its slices stay referenced');
          continue;
        }
        for (const r of rs) if (r.id !== 0n) refs.set(r.id, (refs.get(r.id) ?? 0) + 1);
      }
      await dropSliceRefs(tx, refs);
      for (const u of unclaimed) await queueSliceDeletion(tx, u.id, u.size);
      return inodes.length;
    });
  }

  /**
   * Leases up to `limit` slices nothing references any more to the caller,
   * who deletes their objects and acknowledges. Released files are drained
   * first, so their slices show up here without waiting for the job.
   */
  async claimSliceDeletions(ctx: OpContext, limit: number, leaseMs: number): Promise<DeletableSlice[]> {
    if (limit > MAX_CLAIM_LIMIT) throw new InvalidArgument('limit', `at most ${MAX_CLAIM_LIMIT}`);
    const lease = leaseArg(leaseMs);
    // Waiting, not skipping: a release in progress elsewhere (the job, another replica) must
    // be finished before the claim, or its slices would miss this claim (the race behind a
    // once-flaky test: the claim skipped the file the job was still releasing).
    await this.releaseFiles(RELEASE_BATCH, true);
    return mutate(this.deps.db, ctx, (tx) => claimSliceDeletions(tx, limit === 0 ? DEFAULT_CLAIM_LIMIT : limit, lease));
  }

  /** Removes deleted slices from the queue; acknowledging twice is harmless. Returns how many were still queued. */
  ackSliceDeletions(ctx: OpContext, ids: bigint[]): Promise<number> {
    if (ids.length > MAX_CLAIM_LIMIT) throw new InvalidArgument('ids', `at most ${MAX_CLAIM_LIMIT}`);
    return mutate(this.deps.db, ctx, (tx) => ackSliceDeletions(tx, ids));
  }

  /**
   * Leases one offered chunk to the caller (the first half of base
   * compactChunk): the claim records the chunk's first records (at most 1000)
   * byte for byte, and a fresh slice id the caller writes the merged data to.
   * A claim whose lease ran out is taken over and its slice id queued for
   * deletion. Offers with nothing worth merging are dropped on the way.
   */
  claimCompaction(ctx: OpContext, leaseMs: number): Promise<CompactionClaim> {
    const lease = leaseArg(leaseMs);
    return mutate(this.deps.db, ctx, async (tx) => {
      for (let i = 0; i < CLAIM_SCAN_LIMIT; i++) {
        const offer = await lockNextCompaction(tx);
        if (offer === undefined) return NO_COMPACTION;
        if (offer.newSliceId !== null) await queueSliceDeletion(tx, offer.newSliceId, offer.mergedSize);
        const blob = await getChunk(tx, offer.inode, offer.indx, false);
        const rs = blob === undefined ? undefined : decodeRecords(blob);
        const plan = rs === undefined ? undefined : planCompaction(rs);
        if (blob === undefined || plan === undefined) {
          await deleteCompaction(tx, offer.inode, offer.indx);
          continue;
        }
        const newSliceId = await nextSliceBlock(tx);
        const { pos, size, slices } = plan.layout;
        await setCompactionClaim(tx, offer.inode, offer.indx, lease, newSliceId, blob.subarray(0, plan.claimed * SLICE_RECORD_BYTES), pos, size);
        return { found: true, inode: offer.inode, chunkIndex: offer.indx, pos, slices, newSliceId, size };
      }
      return NO_COMPACTION;
    });
  }

  /**
   * The second half of compactChunk (doCompactChunk): if the chunk still
   * starts with exactly the claimed records, they (but the ones skipLeading
   * keeps) become one record of the new slice, records appended meanwhile
   * stay, and the replaced slices lose a reference each. Otherwise EBUSY
   * (FAILED_PRECONDITION) and the new slice is queued for deletion. EBUSY, not
   * ESTALE: this API answers ESTALE only for a session that is gone.
   */
  async commitCompaction(ctx: OpContext, inode: bigint, indx: number, newSliceId: bigint): Promise<void> {
    const committed = await mutate(this.deps.db, ctx, (tx) => this.commitTx(tx, inode, indx, newSliceId));
    if (!committed) throw new FsError('EBUSY', 'the chunk no longer starts with the claimed records, or the claim was lost');
  }

  private async commitTx(tx: Tx, inode: bigint, indx: number, newSliceId: bigint): Promise<boolean> {
    // Chunk row first, then the offer: the order Write and the release job take them in.
    const blob = await getChunk(tx, inode, indx, true);
    const claim = await lockCompaction(tx, inode, indx);
    // Not (or no longer) this claim: whoever took it over already queued its slice, or it was committed before.
    if (claim === undefined || claim.newSliceId !== newSliceId || claim.claimed === null) return false;
    const claimed = claim.claimed;
    if (blob === undefined || blob.length < claimed.length || !blob.subarray(0, claimed.length).equals(claimed)) {
      await queueSliceDeletion(tx, newSliceId, claim.mergedSize);
      if (blob === undefined) await deleteCompaction(tx, inode, indx);
      else await resetCompaction(tx, inode, indx);
      return false;
    }
    // skipLeading is a pure function of the claimed bytes, so it gives what the claim computed.
    const claimedRecords = decodeRecords(claimed)!;
    const skipped = skipLeading(claimedRecords);
    const size = Number(claim.mergedSize);
    const next = Buffer.concat([
      claimed.subarray(0, skipped * SLICE_RECORD_BYTES),
      encodeRecord({ pos: claim.mergedPos, id: newSliceId, size, off: 0, len: size }),
      blob.subarray(claimed.length),
    ]);
    await setChunk(tx, inode, indx, next);
    await addSliceRefs(tx, [{ id: newSliceId, size, n: 1 }]);
    const replaced = new Map([...countRefs(claimedRecords.slice(skipped)).values()].map((c) => [c.id, c.n]));
    // While the trash is on, what compaction replaced is kept as long as the trash keeps files
    // (JuiceFS's delayed slices): the slices lose their references now, their deletion waits.
    const format = await getSetting<{ trashDays?: number }>(tx, 'format');
    await dropSliceRefs(tx, replaced, format?.trashDays ?? 0);
    if (needsCompaction(next.length / SLICE_RECORD_BYTES)) await resetCompaction(tx, inode, indx);
    else await deleteCompaction(tx, inode, indx);
    return true;
  }

  /** Claims whose lease ran out become offers again; their slices are queued for deletion. */
  expireCompactionClaims(limit: number): Promise<number> {
    return this.deps.db.transaction((tx) => expireCompactionClaims(tx, limit));
  }
}

/** The permission an open needs (baseMeta.Open): R (X with FMODE_EXEC), W, or RW. */
function openMask(flags: number): number {
  switch (flags & O_ACCMODE) {
    case 0:
      return (flags & O_FMODE_EXEC) !== 0 ? MODE_MASK_X : MODE_MASK_R;
    case O_WRONLY:
      return MODE_MASK_W;
    case O_RDWR:
      return MODE_MASK_R | MODE_MASK_W;
    default:
      return 0;
  }
}

/**
 * The records CopyFileRange appends to the destination, per destination
 * chunk, and the references they add. Work is proportional to the source
 * chunks that exist, not to the bytes named: each existing source chunk's
 * layout is built over a full-chunk hole (so holes are copied as holes),
 * clipped to the copied range and moved to the destination offset, split
 * where it crosses a chunk; a run of missing source chunks becomes hole
 * records in at most the two destination chunks it covers in part, plus
 * `fullHoles`, ranges of destination chunk indexes it covers whole (appended
 * to their existing rows only, by one statement: a chunk without a row reads
 * as a hole already).
 */
function copyRecords(
  source: Map<number, Buffer>,
  offIn: bigint,
  offOut: bigint,
  size: bigint,
): { records: Map<number, SliceRecord[]>; refs: Map<bigint, SliceCount>; fullHoles: [number, number][]; fullHole: Buffer } {
  const out = new Map<number, SliceRecord[]>();
  const all: SliceRecord[] = [];
  const fullHoles: [number, number][] = [];
  const push = (indx: number, r: SliceRecord): void => {
    const list = out.get(indx);
    if (list === undefined) out.set(indx, [r]);
    else list.push(r);
    all.push(r);
  };
  /** Places the piece [pos, pos + len) of the source (pos >= offIn) at the destination, split at a chunk boundary. */
  const place = (pos: bigint, id: bigint, size: number, off: number, len: number): void => {
    const doff = pos - offIn + offOut;
    const indx = Number(doff / CHUNK);
    const dpos = Number(doff % CHUNK);
    if (dpos + len > CHUNK_SIZE) {
      const first = CHUNK_SIZE - dpos;
      push(indx, { pos: dpos, id, size, off, len: first });
      push(indx + 1, { pos: 0, id, size, off: off + first, len: len - first });
    } else {
      push(indx, { pos: dpos, id, size, off, len });
    }
  };
  /**
   * The source bytes [from, to) have no chunk rows: holes at the destination, cut as
   * dbMeta.CopyFileRange cuts a missing chunk's full-chunk hole, so each piece's `off` is its
   * offset inside that source chunk (pieces split at source and destination chunk boundaries).
   */
  const copyHole = (from: bigint, to: bigint): void => {
    if (to <= from) return;
    const pieces = (a: bigint, z: bigint): void => {
      for (let at = a; at < z; ) {
        const room = CHUNK - (at % CHUNK);
        const len = z - at < room ? z - at : room;
        place(at, 0n, 0, Number(at % CHUNK), Number(len));
        at += len;
      }
    };
    const dFrom = from - offIn + offOut;
    const dTo = to - offIn + offOut;
    const firstWhole = (dFrom + CHUNK - 1n) / CHUNK;
    const endWhole = dTo / CHUNK;
    if (firstWhole >= endWhole) {
      // No destination chunk covered whole.
      pieces(from, to);
      return;
    }
    pieces(from, firstWhole * CHUNK - offOut + offIn);
    fullHoles.push([Number(firstWhole), Number(endWhole) - 1]);
    pieces(endWhole * CHUNK - offOut + offIn, to);
  };
  const end = offIn + size;
  let done = offIn;
  for (const indx of [...source.keys()].sort((a, b) => a - b)) {
    const start = BigInt(indx) * CHUNK;
    if (start + CHUNK <= offIn || start >= end) continue;
    copyHole(done, start > done ? start : done);
    let coff = start;
    for (const s of buildSlice([hole(0, CHUNK_SIZE), ...records(source.get(indx))])) {
      let pos = coff;
      coff += BigInt(s.len);
      if (!(pos < end && pos + BigInt(s.len) > offIn)) continue;
      let { off, len } = s;
      if (pos < offIn) {
        const dec = Number(offIn - pos);
        off += dec;
        len -= dec;
        pos = offIn;
      }
      if (pos + BigInt(len) > end) len -= Number(pos + BigInt(len) - end);
      place(pos, s.id, s.size, off, len);
    }
    done = start + CHUNK < end ? start + CHUNK : end;
  }
  copyHole(done, end);
  // A destination chunk covered whole by missing source chunks gets what JuiceFS appends to it:
  // the tail of one source chunk's hole from offset `a`, then the head of the next one's.
  const a = Number((((offIn - offOut) % CHUNK) + CHUNK) % CHUNK);
  const fullHole =
    a === 0
      ? FULL_CHUNK_HOLE
      : encodeRecords([
          { pos: 0, id: 0n, size: 0, off: a, len: CHUNK_SIZE - a },
          { pos: CHUNK_SIZE - a, id: 0n, size: 0, off: 0, len: a },
        ]);
  return { records: out, refs: countRefs(all), fullHoles, fullHole };
}
