import fc from 'fast-check';
import type { Session } from '@fsmeta/client';
import { b, errnoOf, ROOT_INO } from '../harness/fs';
import { startEnv, type TestEnv } from '../harness/server';
import { CHUNK, FileModel, KEEP_SIZE, PUNCH_HOLE, SliceIds, ZERO_RANGE, allInvariants, expectMatches } from './data-support';

/**
 * Model-based property test of the data path: random Write / Truncate /
 * Fallocate / CopyFileRange on two files, after each of which every chunk's
 * Read must describe exactly the bytes a byte-level model holds (each byte is
 * (slice id, offset in the slice) or a hole).
 */

const FILES = 2;
const SPAN = 3 * CHUNK;

/** Offsets that matter: small ones, ones next to a chunk boundary, and anywhere in three chunks. */
const position = fc.oneof(
  fc.integer({ min: 0, max: 200_000 }),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: -5000, max: 5000 })).map(([k, d]) => Math.max(0, k * CHUNK + d)),
  fc.integer({ min: 0, max: SPAN }),
);
const extent = fc.oneof(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 1, max: 2 * CHUNK }));
const file = fc.integer({ min: 0, max: FILES - 1 });

type Op =
  | { kind: 'write'; file: number; at: number; len: number; extra: number; skip: number }
  | { kind: 'truncate'; file: number; length: number }
  | { kind: 'fallocate'; file: number; mode: number; off: number; size: number }
  | { kind: 'copy'; from: number; to: number; offIn: number; offOut: number; size: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('write' as const), file, at: position, len: extent, extra: fc.integer({ min: 0, max: 64 }), skip: fc.nat(64) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), file, length: position }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('fallocate' as const),
      file,
      mode: fc.constantFrom(0, KEEP_SIZE, PUNCH_HOLE | KEEP_SIZE, ZERO_RANGE, ZERO_RANGE | KEEP_SIZE),
      off: position,
      size: extent,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('copy' as const), from: file, to: file, offIn: position, offOut: position, size: extent }) },
);

let env: TestEnv;
let s: Session;
let ids: SliceIds;
let run = 0;
let heartbeat: NodeJS.Timeout;

beforeAll(async () => {
  env = await startEnv();
  s = await env.session();
  ids = new SliceIds(s);
  // Shrinking a failure can outlast the session's expiry; keep it alive as a client would.
  heartbeat = setInterval(() => void s.heartbeat().catch(() => undefined), 5000);
});
afterAll(async () => {
  clearInterval(heartbeat);
  await env.stop();
});

async function apply(o: Op, inodes: string[], models: FileModel[]): Promise<void> {
  switch (o.kind) {
    case 'write': {
      const indx = Math.floor(o.at / CHUNK);
      const pos = o.at % CHUNK;
      const len = Math.min(o.len, CHUNK - pos);
      const off = Math.min(o.skip, o.extra);
      const id = await ids.take();
      await s.call('Write', {
        inode: inodes[o.file]!,
        chunkIndex: indx,
        pos,
        slice: { id: id.toString(), size: len + o.extra, off, len },
        mtimeNs: '1',
      });
      models[o.file]!.write(BigInt(o.at), id, BigInt(off), BigInt(len));
      return;
    }
    case 'truncate':
      await s.call('Truncate', { inode: inodes[o.file]!, length: String(o.length) });
      models[o.file]!.truncate(BigInt(o.length));
      return;
    case 'fallocate':
      await s.call('Fallocate', { inode: inodes[o.file]!, mode: o.mode, offset: String(o.off), size: String(o.size) });
      models[o.file]!.fallocate(o.mode, BigInt(o.off), BigInt(o.size));
      return;
    case 'copy': {
      const args = { inodeIn: inodes[o.from]!, offsetIn: String(o.offIn), inodeOut: inodes[o.to]!, offsetOut: String(o.offOut), size: String(o.size) };
      const overlap = o.from === o.to && o.offIn < o.offOut + o.size && o.offOut < o.offIn + o.size;
      if (overlap) {
        expect(await errnoOf(s.call('CopyFileRange', args))).toBe('EINVAL');
        return;
      }
      const res = await s.call('CopyFileRange', args);
      expect(res.copied).toBe(String(models[o.to]!.copyFrom(models[o.from]!, BigInt(o.offIn), BigInt(o.offOut), BigInt(o.size))));
      expect(res.attrOut!.length).toBe(models[o.to]!.length.toString());
    }
  }
}

it('every chunk reads back as the byte-level model says', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
      const dir = (await s.call('Mkdir', { parent: ROOT_INO, name: b(`run${++run}`), mode: 0o755 })).attr!.inode;
      const inodes: string[] = [];
      for (let i = 0; i < FILES; i++) {
        const { attr } = await s.call('Create', { parent: dir, name: b(`f${i}`), mode: 0o644, flags: 0 });
        await s.call('Close', { inode: attr!.inode });
        inodes.push(attr!.inode);
      }
      const models = inodes.map(() => new FileModel());
      for (const o of ops) {
        await apply(o, inodes, models);
        const touched = o.kind === 'copy' ? o.to : o.file;
        await expectMatches(s, inodes[touched]!, models[touched]!);
      }
      for (let i = 0; i < FILES; i++) await expectMatches(s, inodes[i]!, models[i]!);
    }),
    { numRuns: 40 },
  );
  expect(await allInvariants(env.databaseUrl)).toEqual([]);
});
