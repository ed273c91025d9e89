import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/** Where slice blocks live. Blocks are immutable: written once, read many times, deleted once. */
export interface ObjectStore {
  put(key: string, data: Buffer): Promise<void>;
  /** `len` bytes from `off` of the object; ENOENT when it does not exist. */
  get(key: string, off: number, len: number): Promise<Buffer>;
  /** Deleting an object that is not there succeeds. */
  delete(key: string): Promise<void>;
}

/**
 * The block objects of a slice, as JuiceFS names them: `chunks/<id/1e6>/<id/1e3>/<id>_<index>_<size>`,
 * where a slice of `size` bytes is cut into blocks of the volume's block size
 * and the last block is shorter.
 */
export function blockKey(id: bigint, index: number, size: number): string {
  return `chunks/${id / 1_000_000n}/${id / 1000n}/${id}_${index}_${size}`;
}

export function blocksOf(sliceSize: number, blockSize: number): Array<{ index: number; size: number }> {
  const out: Array<{ index: number; size: number }> = [];
  for (let index = 0, at = 0; at < sliceSize; index++, at += blockSize) out.push({ index, size: Math.min(blockSize, sliceSize - at) });
  return out;
}

/**
 * fsyncs of directories, coalesced: callers that ask while one is running share
 * the next one (which starts after it and so covers their renames), so a burst
 * of blocks landing in one directory costs two fsyncs, not one each.
 */
class DirSyncer {
  private readonly dirs = new Map<string, { running: Promise<void>; next: Promise<void> | undefined }>();

  sync(dir: string): Promise<void> {
    const st = this.dirs.get(dir);
    if (st === undefined) return this.start(dir);
    // The running one may have begun before the caller's rename: share the one after it.
    st.next ??= st.running.catch(() => undefined).then(() => this.start(dir));
    return st.next;
  }

  private start(dir: string): Promise<void> {
    const st: { running: Promise<void>; next: Promise<void> | undefined } = { running: this.run(dir), next: undefined };
    this.dirs.set(dir, st);
    void st.running
      .catch(() => undefined)
      .then(() => {
        if (this.dirs.get(dir) === st && st.next === undefined) this.dirs.delete(dir);
      });
    return st.running;
  }

  private async run(dir: string): Promise<void> {
    const fh = await fs.open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}

/**
 * Objects as files under a directory (JuiceFS `file` storage). A put is
 * durable when it resolves: the block is written under a temporary name,
 * fsync'ed, renamed into place and its directory fsync'ed (and so is every
 * directory the put created), so a slice recorded with Write after its
 * blocks' puts survives a machine crash. Puts of one slice run in parallel.
 */
export class LocalStore implements ObjectStore {
  private seq = 0;
  private readonly dirSync = new DirSyncer();

  /** `durable: false` skips the fsyncs (tests of other things, scratch volumes). */
  constructor(
    readonly root: string,
    private readonly durable = true,
  ) {}

  private file(key: string): string {
    return path.join(this.root, key);
  }

  async put(key: string, data: Buffer): Promise<void> {
    const file = this.file(key);
    const dir = path.dirname(file);
    // Written under a temporary name and renamed: a reader never sees half a block.
    const tmp = `${file}.tmp${process.pid}.${++this.seq}`;
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(tmp, 'w');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await this.makeDirs(dir);
      fh = await fs.open(tmp, 'w');
    }
    try {
      await fh.writeFile(data);
      if (this.durable) await fh.sync();
    } catch (err) {
      await fh.close().catch(() => undefined);
      await fs.unlink(tmp).catch(() => undefined);
      throw err;
    }
    await fh.close();
    await fs.rename(tmp, file);
    if (this.durable) await this.dirSync.sync(dir);
  }

  /** Creates `dir` and its missing parents, each made durable in its own parent. */
  private async makeDirs(dir: string): Promise<void> {
    const missing: string[] = [];
    for (let d = dir; ; d = path.dirname(d)) {
      try {
        await fs.stat(d);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || d === path.dirname(d)) throw err;
        missing.push(d);
      }
    }
    for (const d of missing.reverse()) {
      try {
        await fs.mkdir(d);
      } catch (err) {
        // Another put made it meanwhile.
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      if (this.durable) await this.dirSync.sync(path.dirname(d));
    }
  }

  async get(key: string, off: number, len: number): Promise<Buffer> {
    const fh = await fs.open(this.file(key), 'r');
    try {
      const buf = Buffer.allocUnsafe(len);
      let got = 0;
      while (got < len) {
        const { bytesRead } = await fh.read(buf, got, len - got, off + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got < len) throw Object.assign(new Error(`object ${key} is shorter than ${off + len} bytes`), { code: 'EIO' });
      return buf;
    } finally {
      await fh.close();
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await fs.unlink(this.file(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
