import type { v1 } from '@fsmeta/proto';
import type { Meta } from '../../meta';
import { fail } from '../../meta/errors';
import type { LockOp } from '../../meta/lock-ranges';
import { inodeArg, opContext, u64 } from '../convert';
import type { MetaImpl } from './types';

const OP_BY_TYPE: Partial<Record<string, LockOp>> = { LOCK_TYPE_READ: 'R', LOCK_TYPE_WRITE: 'W', LOCK_TYPE_UNLOCK: 'U' };
export const LOCK_TYPE_NAMES: Record<LockOp, v1.LockType__Output> = { R: 'LOCK_TYPE_READ', W: 'LOCK_TYPE_WRITE', U: 'LOCK_TYPE_UNLOCK' };

/** An unknown or unspecified lock type is EINVAL, as JuiceFS's VFS for a type other than F_RDLCK/F_WRLCK/F_UNLCK. */
function lockOp(type: string): LockOp {
  return OP_BY_TYPE[type] ?? fail('EINVAL', 'type: not READ, WRITE or UNLOCK');
}

/** Lock RPCs: flock(2) and fcntl(2) record locks (meta/locks.ts). */
export function lockHandlers(meta: Meta): MetaImpl {
  const { locks } = meta;
  return {
    async Flock(req, call) {
      await locks.flock(opContext(req.ctx), inodeArg(req.inode, 'inode'), u64(req.owner, 'owner'), lockOp(req.type), req.block, call);
      return {};
    },
    async GetLk(req) {
      const res = await locks.getlk(
        opContext(req.ctx),
        inodeArg(req.inode, 'inode'),
        u64(req.owner, 'owner'),
        lockOp(req.type),
        u64(req.start, 'start'),
        u64(req.end, 'end'),
      );
      return { type: LOCK_TYPE_NAMES[res.type], start: res.start.toString(), end: res.end.toString(), pid: res.pid };
    },
    async SetLk(req, call) {
      await locks.setlk(
        opContext(req.ctx),
        inodeArg(req.inode, 'inode'),
        u64(req.owner, 'owner'),
        lockOp(req.type),
        u64(req.start, 'start'),
        u64(req.end, 'end'),
        req.pid,
        req.block,
        call,
      );
      return {};
    },
  };
}
