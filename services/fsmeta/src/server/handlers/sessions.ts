import type { Meta } from '../../meta';
import { u64 } from '../convert';
import { LOCK_TYPE_NAMES } from './locks';
import type { MetaImpl } from './types';
import { formatToWire } from './volume';

export function sessionHandlers(meta: Meta): MetaImpl {
  const { sessions, volume, deps } = meta;
  return {
    async NewSession(req, call) {
      const info = req.info ?? { version: '', hostName: '', ipAddrs: [], mountPoint: '', processId: 0 };
      const [sessionId, format] = await Promise.all([sessions.open(info, req.readOnly, call.identity, req.skipTrash), volume.getFormat()]);
      return {
        sessionId: sessionId.toString(),
        heartbeatMs: deps.options.heartbeatMs,
        expireAfterMs: deps.options.sessionTtlMs,
        format: format === undefined ? null : formatToWire(format),
      };
    },
    async Heartbeat(req) {
      return { expireNs: (await sessions.heartbeat(u64(req.sessionId, 'session_id'))).toString() };
    },
    async CloseSession(req) {
      await sessions.close(u64(req.sessionId, 'session_id'));
      return {};
    },
    async ListSessions(req) {
      const list = await sessions.list(req.withLocks);
      return {
        sessions: list.map((s) => ({
          sessionId: s.sessionId.toString(),
          info: s.info,
          createdNs: s.createdNs.toString(),
          expireNs: s.expireNs.toString(),
          readOnly: s.readOnly,
          openFiles: s.openFiles,
          owner: s.owner ?? '',
          locks: s.locks.map((l) => ({
            inode: l.inode.toString(),
            owner: l.owner.toString(),
            kind: l.kind === 'flock' ? ('LOCK_KIND_FLOCK' as const) : ('LOCK_KIND_POSIX' as const),
            type: LOCK_TYPE_NAMES[l.record.type],
            start: l.record.start.toString(),
            end: l.record.end.toString(),
            pid: l.record.pid,
            waiting: l.waiting,
          })),
        })),
      };
    },
  };
}
