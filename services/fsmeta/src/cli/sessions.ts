import type { Meta } from '../meta';
import { locksBySession } from '../store/admin';
import { CliError, DB_OPTIONS, DB_OPTIONS_HELP, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, parseInode, table, type Command } from './command';

export interface SessionLine {
  sessionId: bigint;
  hostName: string;
  processId: number;
  version: string;
  mountPoint: string;
  ipAddrs: string[];
  readOnly: boolean;
  openFiles: number;
  /** flock and POSIX lock rows the session holds. */
  flocks: bigint;
  plocks: bigint;
  created: string;
  expires: string;
}

function iso(ns: bigint): string {
  return new Date(Number(ns / 1_000_000n)).toISOString();
}

export async function describeSessions(meta: Meta): Promise<SessionLine[]> {
  const [list, locks] = await Promise.all([meta.sessions.list(), locksBySession(meta.deps.db.reader)]);
  return list.map((s) => ({
    sessionId: s.sessionId,
    hostName: s.info?.hostName ?? '',
    processId: s.info?.processId ?? 0,
    version: s.info?.version ?? '',
    mountPoint: s.info?.mountPoint ?? '',
    ipAddrs: s.info?.ipAddrs ?? [],
    readOnly: s.readOnly,
    openFiles: s.openFiles,
    flocks: locks.get(s.sessionId)?.flocks ?? 0n,
    plocks: locks.get(s.sessionId)?.plocks ?? 0n,
    created: iso(s.createdNs),
    expires: iso(s.expireNs),
  }));
}

/** `fsmeta sessions list|kill`. */
export const sessions: Command = {
  name: 'sessions',
  summary: 'list client sessions, or end some (kill)',
  usage: `usage: fsmeta sessions list [flags]
       fsmeta sessions kill <session-id>... [flags]

list  every live session: id, host, pid, version, mount point, open files,
      locks held (flock and POSIX record-lock owners), heartbeat expiry.
kill  ends sessions as if they had expired: their open files are released
      (files only they kept alive are deleted) and their request log is
      dropped. Clients of a killed session get ESTALE and must start a new
      one. Exit code 1 if a session id was not found.

flags:
${DB_OPTIONS_HELP}`,
  options: DB_OPTIONS,
  async run(ctx, args) {
    const [sub, ...ids] = args.positionals;
    if (sub === 'list' || sub === undefined) {
      if (ids.length > 0) throw new CliError('sessions list takes no arguments', EXIT_USAGE);
      const { meta } = await ctx.connect();
      const list = await describeSessions(meta);
      if (ctx.json) {
        ctx.printJson({ sessions: list });
      } else if (list.length === 0) {
        ctx.io.out('no sessions');
      } else {
        for (const line of table(
          ['ID', 'HOST', 'PID', 'VERSION', 'MOUNT', 'RO', 'OPEN', 'LOCKS', 'EXPIRES'],
          list.map((s) => [s.sessionId.toString(), s.hostName, String(s.processId), s.version, s.mountPoint, s.readOnly ? 'yes' : 'no', String(s.openFiles), String(s.flocks + s.plocks), s.expires]),
        )) {
          ctx.io.out(line);
        }
      }
      return EXIT_OK;
    }
    if (sub !== 'kill') throw new CliError(`sessions: unknown action "${sub}" (list or kill)`, EXIT_USAGE);
    if (ids.length === 0) throw new CliError('sessions kill needs at least one session id', EXIT_USAGE);
    const sids = ids.map((v) => parseInode(v, 'session id'));
    const { meta } = await ctx.connect();
    const live = new Set((await meta.sessions.list()).map((s) => s.sessionId));
    const killed: bigint[] = [];
    const missing: bigint[] = [];
    for (const sid of sids) {
      if (!live.has(sid)) {
        missing.push(sid);
        continue;
      }
      await meta.sessions.close(sid);
      killed.push(sid);
    }
    if (ctx.json) {
      ctx.printJson({ killed, missing });
    } else {
      for (const sid of killed) ctx.io.out(`session ${sid} ended`);
      for (const sid of missing) ctx.io.err(`fsmeta: session ${sid} not found`);
    }
    return missing.length > 0 ? EXIT_PROBLEMS : EXIT_OK;
  },
};
