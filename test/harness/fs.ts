import * as grpc from '@grpc/grpc-js';
import { FsmetaError, type Session, type v1 } from '@fsmeta/client';

export const ROOT_INO = '1';

/** The errno name a call failed with (or the gRPC code name), or undefined on success. */
export async function errnoOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    if (err instanceof FsmetaError) return err.errnoName ?? grpc.status[err.code];
    throw err;
  }
}

export function b(s: string): Buffer {
  return Buffer.from(s);
}

/** A POSIX ACL xattr value (Linux's form, version 2) of `entries`: [tag, perm, id], in order. */
export function aclXattr(entries: [number, number, number][]): Buffer {
  const out = Buffer.alloc(4 + entries.length * 8);
  out.writeUInt32LE(2, 0);
  entries.forEach(([tag, perm, id], i) => {
    out.writeUInt16LE(tag, 4 + i * 8);
    out.writeUInt16LE(perm, 6 + i * 8);
    out.writeUInt32LE(id, 8 + i * 8);
  });
  return out;
}

/** Small helpers over a session, returning the new node's attributes. */
export function fsOps(s: Session) {
  return {
    async mkdir(parent: string, name: string, mode = 0o755, opts?: { caller?: v1.Caller }): Promise<v1.Attr__Output> {
      return (await s.call('Mkdir', { parent, name: b(name), mode }, opts)).attr!;
    },
    async mknod(parent: string, name: string, mode = 0o644, opts?: { caller?: v1.Caller }): Promise<v1.Attr__Output> {
      return (await s.call('Mknod', { parent, name: b(name), mode, type: 'FILE_TYPE_REGULAR' }, opts)).attr!;
    },
    async lookup(parent: string, name: string): Promise<v1.Attr__Output> {
      return (await s.call('Lookup', { parent, name: b(name) })).attr!;
    },
    async getattr(inode: string): Promise<v1.Attr__Output> {
      return (await s.call('GetAttr', { inode })).attr!;
    },
    async names(inode: string): Promise<string[]> {
      const out: string[] = [];
      let cursor: Buffer = Buffer.alloc(0);
      for (;;) {
        const page = await s.call('Readdir', { inode, cursor });
        out.push(...page.entries.map((e) => e.name.toString()));
        cursor = page.nextCursor;
        if (page.eof) return out.filter((n) => n !== '.' && n !== '..');
      }
    },
  };
}
