import { ReaddirAnswer } from '@fsmeta/fsmeta';
import { loadMetaProto } from '@fsmeta/proto';

/**
 * Readdir's own encoder against the generated codec: every page, encoded from
 * meta's entries, decodes to the message the generated codec makes of the
 * same page in its wire form (strings for 64-bit values). Values cover each
 * field's range: 0 (left out), varint length boundaries, 32 and 64 bits,
 * negative times, names long enough for two-byte lengths, entries without
 * attributes, cursors and eof.
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

test('a Readdir page decodes to what the generated codec makes of it', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const r = rng(seed);
    const plus = r() < 0.7;
    const entries = Array.from({ length: Math.floor(r() * (r() < 0.1 ? 1200 : 12)) }, () => randomEntry(r, plus));
    const page: Page = { entries, nextCursor: r() < 0.5 ? Buffer.alloc(0) : Buffer.from(`c${seed}`), eof: r() < 0.5 };
    const answer = new ReaddirAnswer(page);
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
