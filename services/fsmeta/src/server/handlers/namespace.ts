import type { Meta } from '../../meta';
import { attrToWire, fileTypeFromWire, i64, inodeArg, opContext } from '../convert';
import type { MetaImpl } from './types';
import { ReaddirAnswer } from '../readdir-answer';
import { FsError } from '../../meta/errors';
import type { FileType } from '../../meta/types';

export function namespaceHandlers(meta: Meta): MetaImpl {
  const ns = meta.namespace;
  return {
    async Lookup(req) {
      const attr = await ns.lookup(opContext(req.ctx), inodeArg(req.parent, 'parent'), req.name);
      return { attr: attrToWire(attr) };
    },
    async GetAttr(req) {
      opContext(req.ctx);
      return { attr: attrToWire(await ns.getAttr(inodeArg(req.inode, 'inode'))) };
    },
    async SetAttr(req) {
      const attr = await ns.setAttr(opContext(req.ctx), inodeArg(req.inode, 'inode'), {
        set: req.set,
        mode: req.mode,
        uid: req.uid,
        gid: req.gid,
        atimeNs: i64(req.atimeNs, 'atime_ns'),
        mtimeNs: i64(req.mtimeNs, 'mtime_ns'),
        flags: req.flags,
      });
      return { attr: attrToWire(attr) };
    },
    async Access(req) {
      await ns.access(opContext(req.ctx), inodeArg(req.inode, 'inode'), req.mask);
      return {};
    },
    async Mknod(req) {
      const type = fileTypeFromWire(req.type);
      if (type === 0) throw new FsError('EINVAL', 'unknown file type');
      const attr = await ns.mknod(opContext(req.ctx), inodeArg(req.parent, 'parent'), req.name, type as FileType, req.mode, req.umask, req.rdev);
      return { attr: attrToWire(attr) };
    },
    async Mkdir(req) {
      const attr = await ns.mkdir(opContext(req.ctx), inodeArg(req.parent, 'parent'), req.name, req.mode, req.umask);
      return { attr: attrToWire(attr) };
    },
    async Create(req) {
      const attr = await ns.create(opContext(req.ctx), inodeArg(req.parent, 'parent'), req.name, req.mode, req.umask, req.flags);
      return { attr: attrToWire(attr) };
    },
    async Symlink(req) {
      const attr = await ns.symlink(opContext(req.ctx), inodeArg(req.parent, 'parent'), req.name, req.target);
      return { attr: attrToWire(attr) };
    },
    async ReadLink(req) {
      return { target: await ns.readLink(opContext(req.ctx), inodeArg(req.inode, 'inode')) };
    },
    async Link(req) {
      const attr = await ns.link(opContext(req.ctx), inodeArg(req.inode, 'inode'), inodeArg(req.parent, 'parent'), req.name);
      return { attr: attrToWire(attr) };
    },
    async Unlink(req) {
      await ns.unlink(opContext(req.ctx), inodeArg(req.parent, 'parent'), req.name);
      return {};
    },
    async Rmdir(req) {
      await ns.rmdir(opContext(req.ctx), inodeArg(req.parent, 'parent'), req.name);
      return {};
    },
    async Rename(req) {
      const attr = await ns.rename(
        opContext(req.ctx),
        inodeArg(req.parentSrc, 'parent_src'),
        req.nameSrc,
        inodeArg(req.parentDst, 'parent_dst'),
        req.nameDst,
        req.flags,
      );
      return { attr: attrToWire(attr) };
    },
    async Readdir(req) {
      const page = await ns.readdir(opContext(req.ctx), inodeArg(req.inode, 'inode'), req.cursor, req.limit, req.plus);
      return new ReaddirAnswer(page);
    },
  };
}
