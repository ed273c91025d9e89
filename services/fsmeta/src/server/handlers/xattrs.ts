import type { Meta } from '../../meta';
import { inodeArg, opContext } from '../convert';
import type { MetaImpl } from './types';

export function xattrHandlers(meta: Meta): MetaImpl {
  const { xattrs } = meta;
  return {
    async GetXattr(req) {
      return { value: await xattrs.get(opContext(req.ctx), inodeArg(req.inode, 'inode'), req.name) };
    },
    async SetXattr(req) {
      await xattrs.set(opContext(req.ctx), inodeArg(req.inode, 'inode'), req.name, req.value, req.flags);
      return {};
    },
    async ListXattr(req) {
      return { names: await xattrs.list(opContext(req.ctx), inodeArg(req.inode, 'inode')) };
    },
    async RemoveXattr(req) {
      await xattrs.remove(opContext(req.ctx), inodeArg(req.inode, 'inode'), req.name);
      return {};
    },
  };
}
