import type { ReaddirResponse__Output } from './generated/fsmeta/v1/ReaddirResponse';
import type { Entry__Output } from './generated/fsmeta/v1/Entry';
import type { Attr__Output } from './generated/fsmeta/v1/Attr';

/**
 * A ReaddirResponse decoded straight from its bytes into the very object the
 * generated codec makes of them (protobufjs decode, then toObject with
 * LOADER_OPTIONS: 64-bit values as decimal strings, enums by name, every field
 * present with its default, absent messages null), for clients. The generated
 * path builds a message of long.js values and then converts it: for a page of
 * 1,000 entries with attributes that was most of a listing's CPU in the client
 * (docs/benchmarks.md, "Readdir as one value"). As protobufjs: a repeated
 * message appends, a singular field given twice keeps the last, unknown
 * fields are skipped, and bytes that do not decode throw.
 * test/integration/readdir-answer.test.ts holds the two decoders together.
 *
 * Field numbers: proto/fsmeta/v1/types.proto (Attr, Entry) and meta.proto (ReaddirResponse).
 */
export function decodeReaddirResponse(buf: Buffer): ReaddirResponse__Output {
  const r = new Reader(buf);
  const out: ReaddirResponse__Output = { entries: [], nextCursor: EMPTY, eof: false };
  while (r.pos < r.end) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 2:
        out.entries.push(decodeEntry(r, r.limit()));
        break;
      case (2 << 3) | 2:
        out.nextCursor = r.bytes();
        break;
      case (3 << 3) | 0:
        out.eof = r.uint32() !== 0;
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return out;
}

const EMPTY = Buffer.alloc(0);

/** FileType by number, as enums: String names them (an unknown number stays a number). */
const FILE_TYPES = [
  'FILE_TYPE_UNSPECIFIED',
  'FILE_TYPE_REGULAR',
  'FILE_TYPE_DIRECTORY',
  'FILE_TYPE_SYMLINK',
  'FILE_TYPE_FIFO',
  'FILE_TYPE_BLOCK_DEVICE',
  'FILE_TYPE_CHAR_DEVICE',
  'FILE_TYPE_SOCKET',
] as const;

function fileType(n: number): Entry__Output['type'] {
  return (FILE_TYPES[n] ?? n) as Entry__Output['type'];
}

function decodeEntry(r: Reader, end: number): Entry__Output {
  const e: Entry__Output = { inode: '0', name: EMPTY, type: 'FILE_TYPE_UNSPECIFIED', attr: null };
  const outer = r.end;
  r.end = end;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 0:
        e.inode = r.uint64();
        break;
      case (2 << 3) | 2:
        e.name = r.bytes();
        break;
      case (3 << 3) | 0:
        e.type = fileType(r.int32());
        break;
      case (4 << 3) | 2:
        e.attr = decodeAttr(r, r.limit());
        break;
      default:
        r.skip(tag & 7);
    }
  }
  r.end = outer;
  return e;
}

function decodeAttr(r: Reader, end: number): Attr__Output {
  const a: Attr__Output = {
    inode: '0', type: 'FILE_TYPE_UNSPECIFIED', mode: 0, uid: 0, gid: 0, rdev: 0, atimeNs: '0', mtimeNs: '0', ctimeNs: '0', nlink: 0, length: '0', parent: '0', flags: 0,
  };
  const outer = r.end;
  r.end = end;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 0:
        a.inode = r.uint64();
        break;
      case (2 << 3) | 0:
        a.type = fileType(r.int32());
        break;
      case (3 << 3) | 0:
        a.mode = r.uint32();
        break;
      case (4 << 3) | 0:
        a.uid = r.uint32();
        break;
      case (5 << 3) | 0:
        a.gid = r.uint32();
        break;
      case (6 << 3) | 0:
        a.rdev = r.uint32();
        break;
      case (7 << 3) | 0:
        a.atimeNs = r.int64();
        break;
      case (8 << 3) | 0:
        a.mtimeNs = r.int64();
        break;
      case (9 << 3) | 0:
        a.ctimeNs = r.int64();
        break;
      case (10 << 3) | 0:
        a.nlink = r.uint32();
        break;
      case (11 << 3) | 0:
        a.length = r.uint64();
        break;
      case (12 << 3) | 0:
        a.parent = r.uint64();
        break;
      case (13 << 3) | 0:
        a.flags = r.uint32();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  r.end = outer;
  return a;
}

const TWO_32 = 4294967296;
/** Values below 2^53 have an exact double: their high word is below 2^21. */
const EXACT_HIGH = 0x200000;

/** The protobuf wire format, as protobufjs's Reader reads it (errors for bytes that run out or varints that never end). */
class Reader {
  pos = 0;
  end: number;
  /** The high 32 bits of the last varint64. */
  private hi = 0;

  constructor(private readonly buf: Buffer) {
    this.end = buf.length;
  }

  private byte(): number {
    if (this.pos >= this.end) throw new RangeError(`index out of range: ${this.pos} + 1 > ${this.end}`);
    return this.buf[this.pos++]!;
  }

  /** A varint's low 32 bits, unsigned (protobufjs uint32). */
  uint32(): number {
    return this.varint64() >>> 0;
  }

  /** A varint's low 32 bits, signed (protobufjs int32, for enums). */
  int32(): number {
    return this.varint64() | 0;
  }

  /** A varint as its low word (returned) and high word (this.hi). */
  private varint64(): number {
    let lo = 0;
    let b = 0;
    for (let i = 0; i < 4; i++) {
      b = this.byte();
      lo |= (b & 0x7f) << (7 * i);
      if (b < 0x80) {
        this.hi = 0;
        return lo;
      }
    }
    b = this.byte();
    lo |= (b & 0x7f) << 28;
    let hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      for (let i = 0; ; i++) {
        if (i === 5) throw new Error('invalid varint encoding');
        b = this.byte();
        hi |= (b & 0x7f) << (7 * i + 3);
        if (b < 0x80) break;
      }
    }
    this.hi = hi;
    return lo;
  }

  /** An unsigned 64-bit varint as decimal digits. */
  uint64(): string {
    const lo = this.varint64() >>> 0;
    const hi = this.hi >>> 0;
    return hi < EXACT_HIGH ? String(hi * TWO_32 + lo) : ((BigInt(hi) << 32n) | BigInt(lo)).toString();
  }

  /** A signed 64-bit varint (two's complement) as decimal digits. */
  int64(): string {
    const lo = this.varint64() >>> 0;
    const hi = this.hi >>> 0;
    if (hi < EXACT_HIGH) return String(hi * TWO_32 + lo);
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
  }

  /** A length prefix, checked against the bytes left: the end of the field it announces. */
  limit(): number {
    const len = this.uint32();
    const end = this.pos + len;
    if (end > this.end) throw new RangeError(`index out of range: ${this.pos} + ${len} > ${this.end}`);
    return end;
  }

  bytes(): Buffer {
    const end = this.limit();
    const start = this.pos;
    this.pos = end;
    return this.buf.subarray(start, end);
  }

  /** Skips a field of wire type `wireType` (groups included, as protobufjs). */
  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint64();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.pos = this.limit();
        return;
      case 3:
        for (;;) {
          const tag = this.uint32();
          if ((tag & 7) === 4) return;
          this.skip(tag & 7);
        }
      case 5:
        this.advance(4);
        return;
      default:
        throw new Error(`invalid wire type ${wireType} at offset ${this.pos}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new RangeError(`index out of range: ${this.pos} + ${n} > ${this.end}`);
    this.pos += n;
  }
}
