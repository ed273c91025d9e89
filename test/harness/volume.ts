import type { Session } from '@fsmeta/client';

const b = (s: string) => Buffer.from(s);

/**
 * A small volume with one of everything dump/load and fsck care about:
 * nested directories, files with data in two chunks, a hard link, a symlink,
 * a fifo, xattrs, and a name that is not UTF-8. Returns the inodes by name.
 */
export async function buildSmallVolume(s: Session): Promise<Record<string, string>> {
  const ino: Record<string, string> = {};
  const mkdir = async (parent: string, name: string) => (await s.call('Mkdir', { parent, name: b(name), mode: 0o755 })).attr!.inode;
  ino.d1 = await mkdir('1', 'd1');
  ino.d2 = await mkdir(ino.d1, 'd2');
  const ids = await s.call('NewSlices', { count: 16 });
  let next = BigInt(ids.firstId);
  const file = async (parent: string, name: Buffer, chunks: number[]) => {
    const { attr } = await s.call('Create', { parent, name, mode: 0o640, flags: 0 });
    for (const c of chunks) {
      const len = 1000 + c;
      await s.call('Write', { inode: attr!.inode, chunkIndex: c, pos: 10, slice: { id: (next++).toString(), size: len, off: 0, len }, mtimeNs: '1700000000000000000' });
    }
    await s.call('Close', { inode: attr!.inode });
    return attr!.inode;
  };
  ino.f1 = await file(ino.d1, b('f1'), [0, 1]);
  ino.f2 = await file(ino.d2, b('f2'), [0]);
  ino.bin = await file('1', Buffer.from([0x47, 0xb9, 0xfb, 0x25, 0x22, 0x0a]), [0]);
  await s.call('Link', { inode: ino.f1, parent: ino.d2, name: b('hard') });
  ino.sym = (await s.call('Symlink', { parent: '1', name: b('sym'), target: Buffer.from([0x64, 0x31, 0xff]) })).attr!.inode;
  ino.fifo = (await s.call('Mknod', { parent: ino.d1, name: b('fifo'), mode: 0o600, type: 'FILE_TYPE_FIFO' })).attr!.inode;
  await s.call('SetXattr', { inode: ino.f1, name: b('user.k'), value: b('v%1') });
  await s.call('SetXattr', { inode: '1', name: b('user.root'), value: Buffer.from([0, 1, 2, 0xff]) });
  return ino;
}
