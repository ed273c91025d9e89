import type { v1 } from '@fsmeta/proto';
import type { ReaddirPage } from '../meta/namespace';
import type { Attr } from '../meta/types';
import { entryToWire } from './convert';

/**
 * A Readdir answer kept as the page meta returned, and encoded from it
 * straight to protobuf bytes. The generated codec wants 64-bit values as
 * decimal strings, which it parses back into integers: for a page of 1,000
 * entries with attributes that round trip was most of the encoding, itself
 * about a quarter of the call's CPU (docs/benchmarks.md, "Readdir encoded from
 * the page"). The bytes decode to the very message the generated codec makes
 * of `toWire()` (test/integration/readdir-answer.test.ts holds the two
 * together); fields at their default value are left out, as proto3 allows.
 *
 * Field numbers: proto/fsmeta/v1/types.proto (Attr, Entry) and meta.proto (ReaddirResponse).
 */
export class ReaddirAnswer {
  constructor(readonly page: ReaddirPage) {}

  /** The plain message, for code that rewrites answers (a confined identity's: server/auth.ts). */
  toWire(): v1.ReaddirResponse {
    return { entries: this.page.entries.map(entryToWire), nextCursor: this.page.nextCursor, eof: this.page.eof };
  }

  encode(): Buffer {
    const w = new Writer(256 + this.page.entries.length * 96);
    for (const e of this.page.entries) {
      const entry = w.begin(1);
      w.uint64(1, e.inode);
      w.bytes(2, e.name);
      w.uint32(3, e.type);
      if (e.attr !== undefined) {
        const attr = w.begin(4);
        writeAttr(w, e.attr);
        w.end(attr);
      }
      w.end(entry);
    }
    w.bytes(2, this.page.nextCursor);
    if (this.page.eof) w.uint32(3, 1);
    return w.finish();
  }
}

/** The Readdir serializer: a ReaddirAnswer encodes itself, anything else goes through the generated codec. */
export function readdirSerializer(serialize: (m: v1.ReaddirResponse) => Buffer): (m: v1.ReaddirResponse | ReaddirAnswer) => Buffer {
  return (m) => (m instanceof ReaddirAnswer ? m.encode() : serialize(m));
}

/** An answer as a plain message (what code that rewrites answers expects). */
export function plainAnswer<T>(res: T | ReaddirAnswer): T | v1.ReaddirResponse {
  return res instanceof ReaddirAnswer ? res.toWire() : res;
}

const MAX_U32 = 0xffffffff;

function writeAttr(w: Writer, a: Attr): void {
  w.uint64(1, a.inode);
  w.uint32(2, a.type);
  w.uint32(3, a.mode);
  w.uint32(4, a.uid);
  w.uint32(5, a.gid);
  w.uint32(6, a.rdev);
  w.uint64(7, a.atimeNs);
  w.uint64(8, a.mtimeNs);
  w.uint64(9, a.ctimeNs);
  w.uint32(10, Math.min(a.nlink, MAX_U32));
  w.uint64(11, a.length);
  w.uint64(12, a.parent);
  w.uint32(13, a.flags);
}

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const LOW_32 = 0xffffffffn;
const TWO_32 = 0x100000000n;

/** Protobuf's wire format into one growing buffer: varint and length-delimited fields, nested messages. */
class Writer {
  private buf: Buffer;
  private pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** A uint32 or enum field (truncated to 32 bits, as the generated codec does); nothing for 0. */
  uint32(field: number, value: number): void {
    const v = value >>> 0;
    if (v === 0) return;
    this.varint((field << 3) | WIRE_VARINT);
    this.varint(v);
  }

  /** A uint64 or int64 field (a negative value as its 64-bit two's complement); nothing for 0. */
  uint64(field: number, value: bigint): void {
    if (value === 0n) return;
    this.varint((field << 3) | WIRE_VARINT);
    if (value > 0n && value < TWO_32) {
      this.varint(Number(value));
      return;
    }
    const u = BigInt.asUintN(64, value);
    let lo = Number(u & LOW_32);
    let hi = Number(u >> 32n);
    this.room(10);
    const b = this.buf;
    while (hi > 0) {
      b[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 0x7f) {
      b[this.pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    b[this.pos++] = lo;
  }

  /** A bytes field; nothing when empty. */
  bytes(field: number, value: Buffer): void {
    if (value.length === 0) return;
    this.varint((field << 3) | WIRE_LEN);
    this.varint(value.length);
    this.room(value.length);
    value.copy(this.buf, this.pos);
    this.pos += value.length;
  }

  /** Starts a nested message in `field`; returns where its body starts, for `end`. */
  begin(field: number): number {
    this.varint((field << 3) | WIRE_LEN);
    this.room(1);
    this.pos++;
    return this.pos;
  }

  /** Ends the nested message begun at `start`: its length goes in front (the body moves if it needs more than one byte). */
  end(start: number): void {
    const len = this.pos - start;
    const extra = varintSize(len) - 1;
    if (extra > 0) {
      this.room(extra);
      this.buf.copyWithin(start + extra, start, this.pos);
      this.pos += extra;
    }
    // The length's bytes were reserved: in front of the body, which has moved behind them.
    let at = start - 1;
    let v = len;
    while (v > 0x7f) {
      this.buf[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[at] = v;
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** A varint of at most 32 bits. */
  private varint(value: number): void {
    this.room(5);
    const b = this.buf;
    let v = value;
    while (v > 0x7f) {
      b[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[this.pos++] = v;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }
}

function varintSize(v: number): number {
  let n = 1;
  for (let x = v; x > 0x7f; x >>>= 7) n++;
  return n;
}
