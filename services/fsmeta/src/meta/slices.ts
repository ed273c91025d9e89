/**
 * Slice records and the visible layout of a chunk: pure functions, no I/O.
 *
 * A chunk row holds 24-byte big-endian records, oldest first, exactly as
 * JuiceFS's jfs_chunk.slices (pkg/meta/slice.go): pos u32 (offset inside the
 * 64 MiB chunk), id u64 (0 = hole), size u32 (length of the whole slice
 * object), off u32 (where the used bytes start inside the object), len u32.
 */

export const SLICE_RECORD_BYTES = 24;
/** ClaimCompaction merges at most this many leading records (JuiceFS maxCompactSlices). */
export const MAX_COMPACT_RECORDS = 1000;
/** skipSome leaves a leading slice alone when it is at least this long ... */
const SKIP_MIN_LEN = 1 << 20;
/** ... and at least 1/SKIP_MIN_SHARE of the span that would be rewritten. */
const SKIP_MIN_SHARE = 5;

export interface SliceRecord {
  pos: number;
  id: bigint;
  size: number;
  off: number;
  len: number;
}

/** One piece of a chunk's visible layout (Read): pieces are contiguous from chunk offset 0. */
export interface VisibleSlice {
  id: bigint;
  size: number;
  off: number;
  len: number;
}

export function encodeRecord(r: SliceRecord): Buffer {
  const b = Buffer.allocUnsafe(SLICE_RECORD_BYTES);
  b.writeUInt32BE(r.pos, 0);
  b.writeBigUInt64BE(r.id, 4);
  b.writeUInt32BE(r.size, 12);
  b.writeUInt32BE(r.off, 16);
  b.writeUInt32BE(r.len, 20);
  return b;
}

export function encodeRecords(rs: SliceRecord[]): Buffer {
  return Buffer.concat(rs.map(encodeRecord));
}

/** The records of a chunk blob, or undefined when the blob is corrupt (readSliceBuf: not a multiple of 24 bytes). */
export function decodeRecords(blob: Buffer): SliceRecord[] | undefined {
  if (blob.length % SLICE_RECORD_BYTES !== 0) return undefined;
  const out: SliceRecord[] = new Array(blob.length / SLICE_RECORD_BYTES);
  for (let i = 0, at = 0; at < blob.length; i++, at += SLICE_RECORD_BYTES) {
    out[i] = {
      pos: blob.readUInt32BE(at),
      id: blob.readBigUInt64BE(at + 4),
      size: blob.readUInt32BE(at + 12),
      off: blob.readUInt32BE(at + 16),
      len: blob.readUInt32BE(at + 20),
    };
  }
  return out;
}

export function sameRecord(a: SliceRecord, b: SliceRecord): boolean {
  return a.pos === b.pos && a.id === b.id && a.size === b.size && a.off === b.off && a.len === b.len;
}

/** A node of the interval tree buildSlice grows: records in position order, left lower, right higher. */
class Piece {
  left: Piece | undefined;
  right: Piece | undefined;
  constructor(
    public pos: number,
    public id: bigint,
    public size: number,
    public off: number,
    public len: number,
  ) {}
}

function holePiece(pos: number, len: number): Piece | undefined {
  return len === 0 ? undefined : new Piece(pos, 0n, 0, 0, len);
}

/**
 * Splits the tree at chunk offset `at` into what lies below and what lies at or
 * above it, as slice.go's `cut`: a piece straddling `at` is cut in two (the upper
 * half keeps the id and size, its off moves on), and a gap met on the way down
 * is first filled with a hole piece of size 0 (whose off then moves on like any
 * other piece's when it is cut). The hole sizes and offsets this leaves are
 * part of what Read returns, so they follow JuiceFS exactly. Iterative, so a
 * chunk with many thousands of records cannot exhaust the stack.
 */
function cut(root: Piece | undefined, at: number): [Piece | undefined, Piece | undefined] {
  let lower: Piece | undefined;
  let upper: Piece | undefined;
  // Where the next lower / upper result goes: the result itself at first, then a child slot.
  let setLower = (p: Piece | undefined): void => {
    lower = p;
  };
  let setUpper = (p: Piece | undefined): void => {
    upper = p;
  };
  let cur = root;
  while (cur !== undefined) {
    const node = cur;
    if (at <= node.pos) {
      if (node.left === undefined) node.left = holePiece(at, node.pos - at);
      setUpper(node);
      setUpper = (p) => {
        node.left = p;
      };
      cur = node.left;
    } else if (at < node.pos + node.len) {
      const l = at - node.pos;
      const tail = new Piece(at, node.id, node.size, node.off + l, node.len - l);
      tail.right = node.right;
      node.len = l;
      node.right = undefined;
      setLower(node);
      setUpper(tail);
      return [lower, upper];
    } else {
      const end = node.pos + node.len;
      if (node.right === undefined) node.right = holePiece(end, at - end);
      setLower(node);
      setLower = (p) => {
        node.right = p;
      };
      cur = node.right;
    }
  }
  setLower(undefined);
  setUpper(undefined);
  return [lower, upper];
}

/**
 * The visible layout of a chunk, as JuiceFS buildSlice: records are applied
 * oldest first and a later record hides whatever it overlaps; the result runs
 * contiguously from offset 0, a gap before the first piece is a hole of
 * size = len, and nothing follows the end of the furthest record.
 */
export function buildSlice(records: readonly SliceRecord[]): VisibleSlice[] {
  let root: Piece | undefined;
  for (const r of records) {
    const s = new Piece(r.pos, r.id, r.size, r.off, r.len);
    const [below, rest] = cut(root, s.pos);
    s.left = below;
    s.right = cut(rest, s.pos + s.len)[1];
    root = s;
  }
  const out: VisibleSlice[] = [];
  let pos = 0;
  const stack: Piece[] = [];
  let cur = root;
  while (cur !== undefined || stack.length > 0) {
    while (cur !== undefined) {
      stack.push(cur);
      cur = cur.left;
    }
    const node = stack.pop()!;
    if (node.pos > pos) {
      out.push({ id: 0n, size: node.pos - pos, off: 0, len: node.pos - pos });
      pos = node.pos;
    }
    out.push({ id: node.id, size: node.size, off: node.off, len: node.len });
    pos += node.len;
    cur = node.right;
  }
  return out;
}

export interface CompactedLayout {
  /** Chunk offset where the merged slice starts. */
  pos: number;
  /** Bytes in the merged slice. */
  size: number;
  /** What the merged slice holds, in order (holes are written as zeros). */
  slices: VisibleSlice[];
}

/**
 * The layout a merged slice replacing `records` must hold, as slice.go's
 * compactChunk: the visible layout with leading and trailing holes trimmed
 * (an all-hole chunk keeps one byte of hole).
 */
export function compactLayout(records: readonly SliceRecord[]): CompactedLayout {
  let slices = buildSlice(records);
  let pos = 0;
  while (slices.length > 1) {
    if (slices[0]!.id === 0n) {
      pos += slices[0]!.len;
      slices = slices.slice(1);
    } else if (slices[slices.length - 1]!.id === 0n) {
      slices = slices.slice(0, -1);
    } else {
      break;
    }
  }
  if (slices.length === 1 && slices[0]!.id === 0n) slices[0] = { ...slices[0]!, len: 1 };
  let size = 0;
  for (const s of slices) size += s.len;
  return { pos, size, slices };
}

/**
 * How many leading records compaction leaves as they are, as slice.go's
 * skipSome: a leading slice that is large (>= 1 MiB and >= 1/5 of what would
 * be rewritten), still fully visible where it was written, and not written
 * again later, is not worth copying into the merged slice.
 */
export function skipLeading(records: readonly SliceRecord[]): number {
  let skipped = 0;
  for (; skipped < records.length; skipped++) {
    const rest = records.slice(skipped);
    const { pos, size, slices } = compactLayout(rest);
    const first = rest[0]!;
    if (first.len < SKIP_MIN_LEN || first.len * SKIP_MIN_SHARE < size || size === 0) break;
    const c = slices[0]!;
    if (!(pos === first.pos && c.id === first.id && c.off === first.off && c.len === first.len)) break;
    if (rest.slice(1).some((r) => sameRecord(r, first))) break;
  }
  return skipped;
}

export interface CompactionPlan {
  /** Records covered by the claim: the chunk's first `claimed` records. */
  claimed: number;
  /** Leading records of the claim kept as they are. */
  skipped: number;
  layout: CompactedLayout;
}

/**
 * What compacting a chunk would do (base compactChunk): claim up to 1000
 * leading records, keep the ones skipLeading spares, merge the rest into one
 * slice. Undefined when fewer than two records would merge or nothing is left.
 */
export function planCompaction(records: readonly SliceRecord[]): CompactionPlan | undefined {
  const claimedRecords = records.slice(0, MAX_COMPACT_RECORDS);
  const skipped = skipLeading(claimedRecords);
  const merged = claimedRecords.slice(skipped);
  const layout = compactLayout(merged);
  if (merged.length < 2 || layout.size === 0) return undefined;
  return { claimed: claimedRecords.length, skipped, layout };
}
