import type { Meta } from '../../meta';
import { u64 } from '../convert';
import type { MetaImpl } from './types';
import { formatToWire } from './volume';

export function sessionHandlers(meta: Meta): MetaImpl {
  const { sessions, volume, deps } = meta;
  return {
    async NewSession(req, call) {
      const info = req.info ?? { version: '', hostName: '', ipAddrs: [], mountPoint: '', processId: 0 };
      const [sessionId, format] = await Promise.all([sessions.open(info, req.readOnly, call.identity), volume.getFormat()]);
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
    async ListSessions() {
      const list = await sessions.list();
      return {
        sessions: list.map((s) => ({
          sessionId: s.sessionId.toString(),
          info: s.info,
          createdNs: s.createdNs.toString(),
          expireNs: s.expireNs.toString(),
          readOnly: s.readOnly,
          openFiles: s.openFiles,
          owner: s.owner ?? '',
        })),
      };
    },
  };
}
