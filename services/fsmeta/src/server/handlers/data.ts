import type { v1 } from '@fsmeta/proto';
import type { Meta } from '../../meta';
import { InvalidArgument } from '../../meta/errors';
import type { VisibleSlice } from '../../meta/slices';
import { attrToWire, i64, inodeArg, opContext, u64 } from '../convert';
import type { MetaImpl } from './types';

function sliceFromWire(s: v1.Slice__Output | null, field: string): VisibleSlice {
  if (s === null) throw new InvalidArgument(field, 'required');
  return { id: u64(s.id, `${field}.id`), size: s.size, off: s.off, len: s.len };
}

function sliceToWire(s: VisibleSlice): v1.Slice {
  return { id: s.id.toString(), size: s.size, off: s.off, len: s.len };
}

/** Data path RPCs: open files, slice ids, chunk records, and the work queues of storage nodes. */
export function dataHandlers(meta: Meta): MetaImpl {
  const data = meta.data;
  return {
    async Open(req) {
      return { attr: attrToWire(await data.open(opContext(req.ctx), inodeArg(req.inode, 'inode'), req.flags)) };
    },
    async Close(req) {
      const lockOwner = u64(req.lockOwner, 'lock_owner');
      await data.close(opContext(req.ctx), inodeArg(req.inode, 'inode'), lockOwner === 0n ? undefined : lockOwner);
      return {};
    },
    async NewSlices(req) {
      const res = await data.newSlices(opContext(req.ctx), req.count);
      return { firstId: res.firstId.toString(), count: res.count };
    },
    async Read(req) {
      const slices = await data.read(opContext(req.ctx), inodeArg(req.inode, 'inode'), req.chunkIndex);
      return { slices: slices.map(sliceToWire) };
    },
    async Write(req) {
      const res = await data.write(
        opContext(req.ctx),
        inodeArg(req.inode, 'inode'),
        req.chunkIndex,
        req.pos,
        sliceFromWire(req.slice, 'slice'),
        i64(req.mtimeNs, 'mtime_ns'),
      );
      return { attr: attrToWire(res.attr), sliceCount: res.sliceCount };
    },
    async Truncate(req) {
      return { attr: attrToWire(await data.truncate(opContext(req.ctx), inodeArg(req.inode, 'inode'), u64(req.length, 'length'))) };
    },
    async Fallocate(req) {
      const attr = await data.fallocate(opContext(req.ctx), inodeArg(req.inode, 'inode'), req.mode, u64(req.offset, 'offset'), u64(req.size, 'size'));
      return { attr: attrToWire(attr) };
    },
    async CopyFileRange(req) {
      const res = await data.copyFileRange(
        opContext(req.ctx),
        inodeArg(req.inodeIn, 'inode_in'),
        u64(req.offsetIn, 'offset_in'),
        inodeArg(req.inodeOut, 'inode_out'),
        u64(req.offsetOut, 'offset_out'),
        u64(req.size, 'size'),
        req.flags,
      );
      return { copied: res.copied.toString(), attrOut: attrToWire(res.attr) };
    },
    async ClaimSliceDeletions(req) {
      const slices = await data.claimSliceDeletions(opContext(req.ctx), req.limit, req.leaseMs);
      return { slices: slices.map((s) => ({ id: s.id.toString(), size: Number(s.size) })) };
    },
    async AckSliceDeletions(req) {
      const ids = req.ids.map((id, i) => u64(id, `ids[${i}]`));
      return { acked: await data.ackSliceDeletions(opContext(req.ctx), ids) };
    },
    async ClaimCompaction(req) {
      const c = await data.claimCompaction(opContext(req.ctx), req.leaseMs);
      return {
        found: c.found,
        inode: c.inode.toString(),
        chunkIndex: c.chunkIndex,
        pos: c.pos,
        slices: c.slices.map(sliceToWire),
        newSliceId: c.newSliceId.toString(),
        size: c.size,
      };
    },
    async CommitCompaction(req) {
      await data.commitCompaction(opContext(req.ctx), inodeArg(req.inode, 'inode'), req.chunkIndex, u64(req.newSliceId, 'new_slice_id'));
      return {};
    },
  };
}
