/**
 * The range algebra of file locks, pure (no I/O): what a lock owner holds is a
 * sorted list of disjoint inclusive ranges, each read or write, with a pid.
 * A flock is the whole-file range [0, MAX] in its own domain, so both kinds
 * share the conflict rule. Types here are shared by meta/locks.ts and
 * store/locks.ts.
 */

export type LockMode = 'R' | 'W';
export type LockOp = LockMode | 'U';

/** The largest offset: an end of 2^64-1 means "to the end of the file, however long". */
export const MAX_OFFSET = (1n << 64n) - 1n;

export interface LockRecord {
  type: LockMode;
  pid: number;
  /** Inclusive. */
  start: bigint;
  /** Inclusive. */
  end: bigint;
}

/** A (session, owner) pair: whose lock it is. Owners are the kernel's u64 lock-owner ids. */
export interface LockOwner {
  sid: bigint;
  owner: bigint;
}

/** Every record of one owner on one inode. */
export interface OwnerLocks extends LockOwner {
  records: LockRecord[];
}

export function sameOwner(a: LockOwner, b: LockOwner): boolean {
  return a.sid === b.sid && a.owner === b.owner;
}

export function overlaps(a: { start: bigint; end: bigint }, b: { start: bigint; end: bigint }): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/** Two locks of different owners conflict when their ranges overlap and either is a write lock (baseMeta.Setlk). */
export function conflicts(a: { type: LockMode; start: bigint; end: bigint }, b: { type: LockMode; start: bigint; end: bigint }): boolean {
  return (a.type === 'W' || b.type === 'W') && overlaps(a, b);
}

/**
 * Applies one lock or unlock of [start, end] to an owner's records, as the
 * kernel and baseMeta's updateLocks do: the range takes the new type and pid
 * (unlock removes it), parts of older records outside it stay (so unlocking
 * the middle of a range leaves two), and neighbours that touch and have the
 * same type and pid become one record. The result is sorted and disjoint; the
 * input is not changed.
 */
export function applyLock(records: readonly LockRecord[], op: LockOp, pid: number, start: bigint, end: bigint): LockRecord[] {
  const pieces: LockRecord[] = [];
  for (const r of records) {
    if (r.end < start || r.start > end) {
      pieces.push({ ...r });
      continue;
    }
    if (r.start < start) pieces.push({ ...r, end: start - 1n });
    if (r.end > end) pieces.push({ ...r, start: end + 1n });
  }
  if (op !== 'U') pieces.push({ type: op, pid, start, end });
  pieces.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const merged: LockRecord[] = [];
  for (const p of pieces) {
    const last = merged[merged.length - 1];
    // last.end < MAX_OFFSET here: a later piece starts after it.
    if (last !== undefined && last.type === p.type && last.pid === p.pid && last.end + 1n === p.start) last.end = p.end;
    else merged.push(p);
  }
  return merged;
}

/** The first record of another owner conflicting with the request, in (session, owner, start) order; undefined if none. */
export function firstConflict(
  holders: readonly OwnerLocks[],
  me: LockOwner,
  request: { type: LockMode; start: bigint; end: bigint },
): { holder: OwnerLocks; record: LockRecord } | undefined {
  const sorted = [...holders].sort((a, b) => (a.sid !== b.sid ? (a.sid < b.sid ? -1 : 1) : a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0));
  for (const holder of sorted) {
    if (sameOwner(holder, me)) continue;
    for (const record of holder.records) if (conflicts(record, request)) return { holder, record };
  }
  return undefined;
}

/** 24-byte big-endian records (type u32, pid u32, start u64, end u64), JuiceFS's plock encoding. F_RDLCK 0, F_WRLCK 1. */
const RECORD_BYTES = 24;
const F_RDLCK = 0;
const F_WRLCK = 1;

export function encodeLockRecords(records: readonly LockRecord[]): Buffer {
  const buf = Buffer.alloc(records.length * RECORD_BYTES);
  records.forEach((r, i) => {
    const o = i * RECORD_BYTES;
    buf.writeUInt32BE(r.type === 'W' ? F_WRLCK : F_RDLCK, o);
    buf.writeUInt32BE(r.pid, o + 4);
    buf.writeBigUInt64BE(r.start, o + 8);
    buf.writeBigUInt64BE(r.end, o + 16);
  });
  return buf;
}

export function decodeLockRecords(buf: Buffer): LockRecord[] {
  const out: LockRecord[] = [];
  for (let o = 0; o + RECORD_BYTES <= buf.length; o += RECORD_BYTES) {
    out.push({
      type: buf.readUInt32BE(o) === F_WRLCK ? 'W' : 'R',
      pid: buf.readUInt32BE(o + 4),
      start: buf.readBigUInt64BE(o + 8),
      end: buf.readBigUInt64BE(o + 16),
    });
  }
  return out;
}
