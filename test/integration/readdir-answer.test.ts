import { ReaddirAnswer } from '@fsmeta/fsmeta';
import { decodeReaddirResponse, loadMetaProto } from '@fsmeta/proto';

/**
 * Readdir's own encoder against the generated codec: every page, encoded from
 * meta's entries, decodes to the message the generated codec makes of the
 * same page in its wire form (strings for 64-bit values). Values cover each
 * field's range: 0 (left out), varint length boundaries, 32 and 64 bits,
 * negative times, names long enough for two-byte lengths, entries without
 * attributes, cursors and eof. And the client's decoder (@fsmeta/proto
 * decodeReaddirResponse) against the generated one, on both encoders' bytes,
 * on bytes with fields the codec does not know or given twice, and on bytes cut
 * short.
 */
const READDIR = loadMetaProto().fsmeta.v1.Meta.service.Readdir;
const serialize = READDIR.responseSerialize as (m: unknown) => Buffer;
const deserialize = READDIR.responseDeserialize as (b: Buffer) => unknown;

type Page = ConstructorParameters<typeof ReaddirAnswer>[0];
type Entry = Page['entries'][number];

/** A small seeded generator (mulberry32), so a failure replays. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const U64_EDGES = [0n, 1n, 127n, 128n, 16383n, 16384n, 0xffffffffn, 0x100000000n, (1n << 53n) + 1n, (1n << 63n) - 1n];
const I64_EDGES = [...U64_EDGES, -1n, -(1n << 63n), -1_000_000_000_123n];
const U32_EDGES = [0, 1, 127, 128, 0o100644, 65534, 0x7fffffff, 0xffffffff];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function randomEntry(r: () => number, plus: boolean): Entry {
  const name = Buffer.alloc(1 + Math.floor(r() * (r() < 0.1 ? 255 : 20)), 0);
  for (let i = 0; i < name.length; i++) name[i] = 1 + Math.floor(r() * 255);
  const type = (1 + Math.floor(r() * 7)) as Entry['type'];
  const inode = pick(r, U64_EDGES.filter((v) => v > 0n));
  return {
    inode,
    name,
    type,
    attr: plus
      ? {
          inode,
          type,
          mode: pick(r, U32_EDGES),
          uid: pick(r, U32_EDGES),
          gid: pick(r, U32_EDGES),
          rdev: pick(r, U32_EDGES),
          atimeNs: pick(r, I64_EDGES),
          mtimeNs: pick(r, I64_EDGES),
          ctimeNs: pick(r, I64_EDGES),
          nlink: pick(r, [...U32_EDGES, 2 ** 33]),
          length: pick(r, U64_EDGES),
          parent: pick(r, U64_EDGES),
          flags: pick(r, [0, 1, 2, 3]),
        }
      : undefined,
  };
}

/** Seeded page `seed`: mostly with attributes, mostly small, now and then over a thousand entries. */
function randomAnswer(seed: number): ReaddirAnswer {
  const r = rng(seed);
  const plus = r() < 0.7;
  const entries = Array.from({ length: Math.floor(r() * (r() < 0.1 ? 1200 : 12)) }, () => randomEntry(r, plus));
  return new ReaddirAnswer({ entries, nextCursor: r() < 0.5 ? Buffer.alloc(0) : Buffer.from(`c${seed}`), eof: r() < 0.5 });
}

test('a Readdir page decodes to what the generated codec makes of it', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const answer = randomAnswer(seed);
    const ours = deserialize(answer.encode());
    const generated = deserialize(serialize(answer.toWire()));
    if (JSON.stringify(ours) !== JSON.stringify(generated)) expect({ seed, ours }).toEqual({ seed, ours: generated });
  }
});

test('an empty last page is just eof', () => {
  const answer = new ReaddirAnswer({ entries: [], nextCursor: Buffer.alloc(0), eof: true });
  expect(deserialize(answer.encode())).toEqual(deserialize(serialize(answer.toWire())));
  expect([...answer.encode()]).toEqual([0x18, 0x01]);
});

/** A varint's bytes. */
function varint(v: bigint): number[] {
  const out: number[] = [];
  let x = BigInt.asUintN(64, v);
  do {
    const b = Number(x & 0x7fn);
    x >>= 7n;
    out.push(x === 0n ? b : b | 0x80);
  } while (x !== 0n);
  return out;
}

/** One field of a message: tag, then a varint or a length-prefixed value. */
function field(no: number, value: bigint | Buffer): Buffer {
  if (typeof value === 'bigint') return Buffer.from([...varint(BigInt(no << 3)), ...varint(value)]);
  return Buffer.concat([Buffer.from([...varint(BigInt((no << 3) | 2)), ...varint(BigInt(value.length))]), value]);
}

test('the client decodes a Readdir page to what the generated codec makes of it', () => {
  const same = (bytes: Buffer, seed: number): void => {
    const ours = decodeReaddirResponse(bytes);
    const generated = deserialize(bytes);
    if (JSON.stringify(ours) !== JSON.stringify(generated)) expect({ seed, ours }).toEqual({ seed, ours: generated });
    // JSON leaves out what it cannot tell apart (Buffer or array, undefined or absent): the small pages are compared whole.
    if (ours.entries.length < 50) expect(ours).toEqual(generated);
  };
  for (let seed = 1; seed <= 300; seed++) {
    const answer = randomAnswer(seed);
    same(answer.encode(), seed);
    same(serialize(answer.toWire()), seed);
  }
  // Unknown fields of every wire type, at every level, fields given twice, an unknown enum number.
  const attr = Buffer.concat([field(1, 7n), field(2, 1n), field(7, -5n), field(99, 3n), field(3, 0o644n), field(3, 0o600n), field(100, Buffer.from('x'))]);
  const fixed = Buffer.from([(14 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8, (15 << 3) | 5, 1, 2, 3, 4]);
  const group = Buffer.from([(13 << 3) | 3, (1 << 3) | 0, 5, (13 << 3) | 4]);
  const entry = Buffer.concat([field(1, 7n), field(2, Buffer.from('n')), field(3, 42n), fixed, field(4, attr), field(4, attr.subarray(0, 2)), group, field(2, Buffer.from('m'))]);
  const bytes = Buffer.concat([field(1, entry), field(9, 1n), field(1, Buffer.alloc(0)), field(2, Buffer.from('cur')), field(3, 1n), field(3, 0n)]);
  same(bytes, 0);
  expect(decodeReaddirResponse(bytes)).toMatchObject({ entries: [{ name: Buffer.from('m'), type: 42, attr: { inode: '7', mode: 0 } }, { inode: '0', attr: null }], eof: false });
  // Bytes cut short fail both ways.
  const whole = new ReaddirAnswer({ entries: [randomEntry(rng(7), true)], nextCursor: Buffer.from('c'), eof: true }).encode();
  for (const cut of [1, 2, 5, whole.length - 1]) {
    expect(() => deserialize(whole.subarray(0, cut))).toThrow();
    expect(() => decodeReaddirResponse(whole.subarray(0, cut))).toThrow();
  }
});
