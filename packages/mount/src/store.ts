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

/** Objects as files under a directory (JuiceFS `file` storage). */
export class LocalStore implements ObjectStore {
  private seq = 0;

  constructor(readonly root: string) {}

  private file(key: string): string {
    return path.join(this.root, key);
  }

  async put(key: string, data: Buffer): Promise<void> {
    const file = this.file(key);
    // Written under a temporary name and renamed: a reader never sees half a block.
    const tmp = `${file}.tmp${process.pid}.${++this.seq}`;
    try {
      await fs.writeFile(tmp, data);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(tmp, data);
    }
    await fs.rename(tmp, file);
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
