import type { Meta } from '../../meta';
import { i64, opContext } from '../convert';
import type { MetaImpl } from './types';

/** Hour directories CleanupTrash removes per transaction. */
const CLEANUP_BATCH = 1000;

export function trashHandlers(meta: Meta): MetaImpl {
  return {
    async RestoreTrash(req) {
      return meta.namespace.restoreTrash(opContext(req.ctx), req.hour);
    },
    async CleanupTrash(req) {
      const removed = await meta.trash.cleanup(opContext(req.ctx), i64(req.beforeNs, 'before_ns'), CLEANUP_BATCH);
      return { removed: String(removed) };
    },
  };
}
