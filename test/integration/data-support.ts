import type { Session, v1 } from '@fsmeta/client';
import { Client } from 'pg';
import { checkInvariants } from '../harness/invariants';

/** Shared by the data-path tests: a byte-level model of file contents and database-level invariants. */

export const CHUNK = 64 * 1024 * 1024;
export const CHUNK_N = BigInt(CHUNK);
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_TRUNC = 0x200;
export const O_APPEND = 0x400;
export const FMODE_EXEC = 0x20;
export const KEEP_SIZE = 1;
export const PUNCH_HOLE = 2;
export const COLLAPSE_RANGE = 8;
export const ZERO_RANGE = 16;
export const INSERT_RANGE = 32;

/** Bytes [start, end) of a file hold bytes off.. of slice `id`. Holes are simply absent. */
export interface Run {
  start: bigint;
  end: bigint;
  id: bigint;
  off: bigint;
}

/** Drops adjacent-run seams that do not change meaning, so two descriptions of the same bytes compare equal. */
export function normalize(runs: Run[]): Run[] {
  const sorted = [...runs].filter((r) => r.end > r.start).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: Run[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last.end === r.start && last.id === r.id && last.off + (last.end - last.start) === r.off) {
      last.end = r.end;
    } else {
      out.push({ ...r });
    }
  }
  return out;
}

/** A file as the bytes it holds: each byte is (slice id, offset in the slice) or a hole. */
export class FileModel {
  runs: Run[] = [];
  length = 0n;

  /** Makes [from, to) a hole. */
  clear(from: bigint, to: bigint): void {
    if (to <= from) return;
    const out: Run[] = [];
    for (const r of this.runs) {
      if (r.end <= from || r.start >= to) {
        out.push(r);
        continue;
      }
      if (r.start < from) out.push({ start: r.start, end: from, id: r.id, off: r.off });
      if (r.end > to) out.push({ start: to, end: r.end, id: r.id, off: r.off + (to - r.start) });
    }
    this.runs = out;
  }

  /** The runs inside [from, to). */
  window(from: bigint, to: bigint): Run[] {
    const out: Run[] = [];
    for (const r of this.runs) {
      const s = r.start > from ? r.start : from;
      const e = r.end < to ? r.end : to;
      if (s < e) out.push({ start: s, end: e, id: r.id, off: r.off + (s - r.start) });
    }
    return out;
  }

  put(run: Run): void {
    this.clear(run.start, run.end);
    this.runs.push(run);
  }

  write(at: bigint, id: bigint, off: bigint, len: bigint): void {
    this.put({ start: at, end: at + len, id, off });
    if (at + len > this.length) this.length = at + len;
  }

  truncate(length: bigint): void {
    const [lo, hi] = length < this.length ? [length, this.length] : [this.length, length];
    this.clear(lo, hi);
    this.length = length;
  }

  fallocate(mode: number, off: bigint, size: bigint): void {
    const old = this.length;
    if ((mode & (PUNCH_HOLE | ZERO_RANGE)) !== 0 && off < old) this.clear(off, off + size < old ? off + size : old);
    if ((mode & KEEP_SIZE) === 0 && off + size > old) this.length = off + size;
  }

  /** copy_file_range into this file from `src` (possibly this file); returns bytes copied. */
  copyFrom(src: FileModel, offIn: bigint, offOut: bigint, size: bigint): bigint {
    if (offIn >= src.length) return 0n;
    const n = offIn + size > src.length ? src.length - offIn : size;
    const runs = src.window(offIn, offIn + n);
    this.clear(offOut, offOut + n);
    for (const r of runs) this.runs.push({ start: r.start - offIn + offOut, end: r.end - offIn + offOut, id: r.id, off: r.off });
    if (offOut + n > this.length) this.length = offOut + n;
    return n;
  }

  /** What Read of chunk `indx` must describe. */
  chunk(indx: number): Run[] {
    const base = BigInt(indx) * CHUNK_N;
    return normalize(this.window(base, base + CHUNK_N));
  }
}

/** The runs a Read answer describes (chunk `indx`), checking its shape on the way. */
export function runsOfRead(indx: number, slices: v1.Slice__Output[]): Run[] {
  const base = BigInt(indx) * CHUNK_N;
  let pos = 0n;
  const out: Run[] = [];
  for (const s of slices) {
    if (s.len <= 0) throw new Error(`Read returned an empty piece: ${JSON.stringify(slices)}`);
    if (s.id !== '0') out.push({ start: base + pos, end: base + pos + BigInt(s.len), id: BigInt(s.id), off: BigInt(s.off) });
    pos += BigInt(s.len);
  }
  if (pos > CHUNK_N) throw new Error('Read returned more than a chunk');
  return normalize(out);
}

export function chunksOf(length: bigint): number {
  return Number((length + CHUNK_N - 1n) / CHUNK_N);
}

/** Reads every chunk a file of `model.length` bytes has (plus one past it) and compares with the model. */
export async function expectMatches(s: Session, inode: string, model: FileModel): Promise<void> {
  const attr = (await s.call('GetAttr', { inode })).attr!;
  expect(BigInt(attr.length)).toBe(model.length);
  for (let i = 0; i <= chunksOf(model.length); i++) {
    const { slices } = await s.call('Read', { inode, chunkIndex: i });
    expect({ chunk: i, runs: runsOfRead(i, slices) }).toEqual({ chunk: i, runs: model.chunk(i) });
  }
}

/** A pool of fresh slice ids from NewSlices. */
export class SliceIds {
  private next = 0n;
  private end = 0n;
  constructor(private readonly s: Session) {}
  async take(): Promise<bigint> {
    if (this.next >= this.end) {
      const res = await this.s.call('NewSlices', { count: 4096 });
      this.next = BigInt(res.firstId);
      this.end = this.next + BigInt(res.count);
    }
    return this.next++;
  }
}

interface Record {
  pos: number;
  id: bigint;
  size: number;
  off: number;
  len: number;
}

export function decodeRecords(blob: Buffer): Record[] {
  if (blob.length % 24 !== 0) throw new Error(`corrupt chunk of ${blob.length} bytes`);
  const out: Record[] = [];
  for (let at = 0; at < blob.length; at += 24) {
    out.push({
      pos: blob.readUInt32BE(at),
      id: blob.readBigUInt64BE(at + 4),
      size: blob.readUInt32BE(at + 12),
      off: blob.readUInt32BE(at + 16),
      len: blob.readUInt32BE(at + 20),
    });
  }
  return out;
}

export async function withPg<T>(databaseUrl: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The raw records of one chunk, oldest first (straight from PostgreSQL). */
export async function chunkRecords(databaseUrl: string, inode: string, indx: number): Promise<Record[]> {
  return withPg(databaseUrl, async (c) => {
    const rows = (await c.query<{ slices: Buffer }>('select slices from chunk where inode = $1 and indx = $2', [inode, indx])).rows;
    return rows.length === 0 ? [] : decodeRecords(rows[0]!.slices);
  });
}

/**
 * Slice bookkeeping recounted from the chunk rows: every slice a record names
 * has a slice_ref row whose refs equals the number of records naming it; no
 * slice_ref row is left at zero; a queued deletion is referenced nowhere.
 */
export async function checkSliceRefs(databaseUrl: string): Promise<string[]> {
  return withPg(databaseUrl, async (c) => {
    const problems: string[] = [];
    const counted = new Map<string, number>();
    for (const row of (await c.query<{ inode: string; indx: string; slices: Buffer }>('select inode::text, indx::text, slices from chunk')).rows) {
      for (const r of decodeRecords(row.slices)) {
        if (r.id !== 0n) counted.set(r.id.toString(), (counted.get(r.id.toString()) ?? 0) + 1);
      }
    }
    const refs = new Map(
      (await c.query<{ id: string; refs: string }>('select id::text, refs::text from slice_ref')).rows.map((r) => [r.id, Number(r.refs)]),
    );
    for (const [id, n] of counted) if (refs.get(id) !== n) problems.push(`slice ${id}: ${n} records but refs ${refs.get(id)}`);
    for (const [id, n] of refs) if (!counted.has(id)) problems.push(`slice ${id}: refs ${n} but no record`);
    const queued = (await c.query<{ id: string }>('select id::text from slice_deletion')).rows.map((r) => r.id);
    for (const id of queued) if (refs.has(id) || counted.has(id)) problems.push(`slice ${id} is queued for deletion but still referenced`);
    return problems;
  });
}

/** Namespace + space + slice invariants: empty when everything recounts exactly. */
export async function allInvariants(databaseUrl: string): Promise<string[]> {
  return [...(await checkInvariants(databaseUrl)), ...(await checkSliceRefs(databaseUrl))];
}

/** Ids of slices waiting in the deletion queue. */
export async function queuedDeletions(databaseUrl: string): Promise<Set<string>> {
  return withPg(databaseUrl, async (c) => new Set((await c.query<{ id: string }>('select id::text from slice_deletion')).rows.map((r) => r.id)));
}

export async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs = 15_000, stepMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
