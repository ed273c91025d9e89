import type { Session } from '@fsmeta/client';
import { timeSequential, type LatencyLine } from './measure';

/**
 * Single-client, sequential benchmarks in the shapes of JuiceFS
 * pkg/meta/benchmarks_test.go: each op gets its own directory under the root
 * (prepareParent), the same setup, and the same timed call.
 */

const ROOT = '1';
const MODE_DIR = 0o755;
const MODE_FILE = 0o644;
const UMASK = 0o022;
const TYPE_REGULAR = 1;
const SET_ATTR_MODE = 1;
const MASK_R = 4;
/** JuiceFS benchAccess asks as uid 100, gid 1: an "other" reader of a root-owned 0644 file. */
const OTHER_CALLER = { uid: 100, gid: 1, gids: [1] };
const READDIR_DEFAULT_LIMIT = 0;
const XATTR_NAME = Buffer.from('user.bench');

export const O_RDONLY = 0;
/** JuiceFS benchWrite / benchRead: 1 KiB slices laid end to end in chunk 0. */
export const WRITE_STEP = 1024;
export const CHUNK_SIZE = 64 << 20;
/** Slice ids are taken from NewSlices in batches, as JuiceFS's NewSlice takes them from the counter. */
export const SLICE_ID_BATCH = 4096;

export const name = (s: string): Buffer => Buffer.from(s);

export interface SingleParams {
  /** Timed operations per line. */
  n: number;
  /** Untimed operations run first, per line. */
  warmup: number;
  /** Called around each line's timed loop (the SQL round-trip diagnostics). */
  around?: { before(): Promise<void>; after(op: string, n: number): Promise<void> };
}

export async function prepareParent(s: Session, dir: string): Promise<string> {
  const res = await s.call('Mkdir', { parent: ROOT, name: name(dir), mode: MODE_DIR, umask: 0 });
  return res.attr!.inode;
}

export async function createFile(s: Session, parent: string, file: string): Promise<string> {
  const res = await s.call('Create', { parent, name: name(file), mode: MODE_FILE, umask: UMASK, flags: 0 });
  return res.attr!.inode;
}

/** Runs `warmup` untimed iterations, then times `n` more (indices continue, so names stay unique). */
export async function timed(
  p: SingleParams,
  op: string,
  fn: (i: number) => Promise<unknown>,
  setup?: (i: number) => Promise<unknown>,
  n = p.n,
): Promise<LatencyLine> {
  const warm = Math.min(p.warmup, n);
  for (let i = 0; i < warm; i++) {
    if (setup !== undefined) await setup(i);
    await fn(i);
  }
  await p.around?.before();
  const line = await timeSequential(op, n, (i) => fn(i + warm), setup === undefined ? undefined : (i) => setup(i + warm));
  await p.around?.after(setup === undefined ? op : `${op} (with its untimed setup)`, n);
  return line;
}

/** Lists a whole directory with attributes (JuiceFS Readdir with plus=1), page by page. */
async function listAll(s: Session, inode: string): Promise<number> {
  let cursor: Buffer = Buffer.alloc(0);
  let count = 0;
  for (;;) {
    const page = await s.call('Readdir', { inode, cursor, limit: READDIR_DEFAULT_LIMIT, plus: true });
    count += page.entries.length;
    if (page.eof) return count;
    cursor = page.nextCursor;
  }
}

export type LineRunner = (s: Session, p: SingleParams) => Promise<LatencyLine>;

async function readdir(s: Session, p: SingleParams, op: string, files: number, n: number): Promise<LatencyLine> {
  const parent = await prepareParent(s, `bench-${op}`);
  for (let j = 0; j < files; j++) await createFile(s, parent, `f${j}`);
  return timed(
    p,
    op,
    async () => {
      const got = await listAll(s, parent);
      if (got !== files + 2) throw new Error(`${op}: ${got} entries, want ${files + 2}`);
    },
    undefined,
    n,
  );
}

/** The namespace lines, in the order of JuiceFS's benchmarkDir, benchmarkFile, benchmarkLink. */
export const NAMESPACE_LINES: [string, LineRunner][] = [
  [
    'mkdir',
    async (s, p) => {
      const parent = await prepareParent(s, 'bench-mkdir');
      return timed(p, 'mkdir', (i) => s.call('Mkdir', { parent, name: name(`d${i}`), mode: MODE_DIR, umask: 0 }));
    },
  ],
  [
    'mvdir',
    async (s, p) => {
      const parent = await prepareParent(s, 'bench-mvdir');
      await s.call('Mkdir', { parent, name: name('d0'), mode: MODE_DIR, umask: 0 });
      return timed(p, 'mvdir', (i) =>
        s.call('Rename', { parentSrc: parent, nameSrc: name(`d${i}`), parentDst: parent, nameDst: name(`d${i + 1}`), flags: 0 }),
      );
    },
  ],
  [
    'rmdir',
    async (s, p) => {
      const parent = await prepareParent(s, 'bench-rmdir');
      return timed(
        p,
        'rmdir',
        () => s.call('Rmdir', { parent, name: name('dir') }),
        () => s.call('Mkdir', { parent, name: name('dir'), mode: MODE_DIR, umask: 0 }),
      );
    },
  ],
  ['readdir_10', (s, p) => readdir(s, p, 'readdir_10', 10, p.n)],
  // A listing of 1000 entries costs ~20x one of 10: fewer iterations keep the run short.
  ['readdir_1k', (s, p) => readdir(s, p, 'readdir_1k', 1000, Math.max(20, Math.ceil(p.n / 10)))],
  [
    'mknod',
    async (s, p) => {
      const parent = await prepareParent(s, 'bench-mknod');
      return timed(p, 'mknod', (i) => s.call('Mknod', { parent, name: name(`f${i}`), type: TYPE_REGULAR, mode: MODE_FILE, umask: UMASK, rdev: 0 }));
    },
  ],
  [
    'create',
    async (s, p) => {
      const parent = await prepareParent(s, 'bench-create');
      return timed(p, 'create', (i) => createFile(s, parent, `f${i}`));
    },
  ],
  [
    'rename',
    async (s, p) => {
      const parent = await prepareParent(s, 'bench-rename');
      await createFile(s, parent, 'f0');
      return timed(p, 'rename', (i) =>
        s.call('Rename', { parentSrc: parent, nameSrc: name(`f${i}`), parentDst: parent, nameDst: name(`f${i + 1}`), flags: 0 }),
      );
    },
  ],
  [
    'unlink',
    async (s, p) => {
      const parent = await prepareParent(s, 'bench-unlink');
      return timed(
        p,
        'unlink',
        () => s.call('Unlink', { parent, name: name('file') }),
        () => createFile(s, parent, 'file'),
      );
    },
  ],
  [
    'lookup',
    async (s, p) => {
      const parent = await prepareParent(s, 'bench-lookup');
      await createFile(s, parent, 'file');
      return timed(p, 'lookup', () => s.call('Lookup', { parent, name: name('file') }));
    },
  ],
  [
    'getattr',
    async (s, p) => {
      const parent = await prepareParent(s, 'bench-getattr');
      const inode = await createFile(s, parent, 'file');
      return timed(p, 'getattr', () => s.call('GetAttr', { inode }));
    },
  ],
  [
    'setattr',
    async (s, p) => {
      const parent = await prepareParent(s, 'bench-setattr');
      const inode = await createFile(s, parent, 'file');
      let mode = MODE_FILE;
      return timed(p, 'setattr', () => {
        mode ^= 1;
        return s.call('SetAttr', { inode, set: SET_ATTR_MODE, mode });
      });
    },
  ],
  [
    'access',
    async (s, p) => {
      const parent = await prepareParent(s, 'bench-access');
      const inode = await createFile(s, parent, 'file');
      return timed(p, 'access', () => s.call('Access', { inode, mask: MASK_R }, { caller: OTHER_CALLER }));
    },
  ],
  [
    'link',
    async (s, p) => {
      const parent = await prepareParent(s, 'bench-link');
      const inode = await createFile(s, parent, 'source');
      return timed(p, 'link', (i) => s.call('Link', { inode, parent, name: name(`l${i}`) }));
    },
  ],
  [
    'symlink',
    async (s, p) => {
      const parent = await prepareParent(s, 'bench-symlink');
      await createFile(s, parent, 'source');
      const target = name('/bench-symlink/source');
      return timed(p, 'symlink', (i) => s.call('Symlink', { parent, name: name(`s${i}`), target }));
    },
  ],
  [
    'readlink',
    async (s, p) => {
      const parent = await prepareParent(s, 'bench-readlink');
      const link = (await s.call('Symlink', { parent, name: name('link'), target: name('/bench-readlink/source') })).attr!.inode;
      return timed(p, 'readlink', () => s.call('ReadLink', { inode: link }));
    },
  ],
  [
    'setxattr',
    async (s, p) => {
      const parent = await prepareParent(s, 'bench-setxattr');
      const inode = await createFile(s, parent, 'file');
      // As JuiceFS benchSetXattr: one name, its value replaced by turns.
      const values = [name('value0'), name('value1')];
      return timed(p, 'setxattr', (i) => s.call('SetXattr', { inode, name: XATTR_NAME, value: values[i % 2]!, flags: 0 }));
    },
  ],
  [
    'getxattr',
    async (s, p) => {
      const parent = await prepareParent(s, 'bench-getxattr');
      const inode = await createFile(s, parent, 'file');
      await s.call('SetXattr', { inode, name: XATTR_NAME, value: name('value'), flags: 0 });
      return timed(p, 'getxattr', () => s.call('GetXattr', { inode, name: XATTR_NAME }));
    },
  ],
  [
    'listxattr',
    async (s, p) => {
      const parent = await prepareParent(s, 'bench-listxattr');
      const inode = await createFile(s, parent, 'file');
      for (let i = 0; i < 10; i++) await s.call('SetXattr', { inode, name: name(`user.xattr${i}`), value: name('value'), flags: 0 });
      return timed(p, 'listxattr', () => s.call('ListXattr', { inode }));
    },
  ],
  [
    'truncate',
    async (s, p) => {
      const parent = await prepareParent(s, 'bench-truncate');
      const inode = await createFile(s, parent, 'file');
      // A sparse file growing by a block at a time: no data to release, one length change each.
      return timed(p, 'truncate', (i) => s.call('Truncate', { inode, length: String((i + 1) * 4096) }));
    },
  ],
];

/** Slice ids for one writer, fetched SLICE_ID_BATCH at a time. */
export class SliceIds {
  private next = 0n;
  private end = 0n;

  constructor(private readonly s: Session) {}

  async take(): Promise<string> {
    if (this.next >= this.end) {
      const res = await this.s.call('NewSlices', { count: SLICE_ID_BATCH });
      this.next = BigInt(res.firstId);
      this.end = this.next + BigInt(res.count);
    }
    return String(this.next++);
  }
}

/** One writer appending 1 KiB slices to chunk 0 of `inode`, wrapping at the chunk's end (JuiceFS benchWrite). */
export class Appender {
  private pos = 0;
  private readonly ids: SliceIds;

  constructor(
    private readonly s: Session,
    private readonly inode: string,
  ) {
    this.ids = new SliceIds(s);
  }

  async write(): Promise<void> {
    const id = await this.ids.take();
    await this.s.call('Write', {
      inode: this.inode,
      chunkIndex: 0,
      pos: this.pos,
      slice: { id, size: WRITE_STEP, off: 0, len: WRITE_STEP },
      mtimeNs: String(BigInt(Date.now()) * 1_000_000n),
    });
    this.pos += WRITE_STEP;
    if (this.pos + WRITE_STEP > CHUNK_SIZE) this.pos = 0;
  }
}

async function read(s: Session, p: SingleParams, op: string, slices: number): Promise<LatencyLine> {
  const parent = await prepareParent(s, `bench-${op}`);
  const inode = await createFile(s, parent, 'file');
  const w = new Appender(s, inode);
  for (let j = 0; j < slices; j++) await w.write();
  return timed(p, op, async () => {
    const res = await s.call('Read', { inode, chunkIndex: 0 });
    if (res.slices.length !== slices) throw new Error(`${op}: ${res.slices.length} slices, want ${slices}`);
  });
}

/**
 * The data-path lines (JuiceFS benchmarkData, plus read_100, open_close and
 * new_slices). Each says which RPCs it needs; a line whose RPCs answer
 * UNIMPLEMENTED is skipped.
 */
export const DATA_LINES: [string, LineRunner][] = [
  [
    'write',
    async (s, p) => {
      const parent = await prepareParent(s, 'bench-write');
      const w = new Appender(s, await createFile(s, parent, 'file'));
      // The first batch of ids is fetched before timing, as JuiceFS's NewSlice has a batch in hand.
      await w.write();
      return timed(p, 'write', () => w.write());
    },
  ],
  ['read_1', (s, p) => read(s, p, 'read_1', 1)],
  ['read_10', (s, p) => read(s, p, 'read_10', 10)],
  ['read_100', (s, p) => read(s, p, 'read_100', 100)],
  [
    'open_close',
    async (s, p) => {
      const parent = await prepareParent(s, 'bench-open-close');
      const inode = await createFile(s, parent, 'file');
      await s.call('Close', { inode });
      return timed(p, 'open_close', async () => {
        await s.call('Open', { inode, flags: O_RDONLY });
        await s.call('Close', { inode });
      });
    },
  ],
  ['new_slices', (s, p) => timed(p, 'new_slices', () => s.call('NewSlices', { count: 1 }))],
];
