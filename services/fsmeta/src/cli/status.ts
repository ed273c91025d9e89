import { getUsage } from '../store/nodes';
import { nodeCounts, queueDepths } from '../store/admin';
import { DB_OPTIONS, DB_OPTIONS_HELP, EXIT_OK, bytes, table, type Command } from './command';
import { describeSessions } from './sessions';

/** `fsmeta status`: the volume format, sessions, usage and work queues (as `juicefs status`, plus queue depths). */
export const status: Command = {
  name: 'status',
  summary: 'volume format, sessions, usage and work-queue depths',
  usage: `usage: fsmeta status [flags]

Shows the volume format, every live session (host, pid, version, heartbeat
expiry, open files), used space and inodes, and the depth of every work queue:
file data to release, slices to delete, chunks to compact, remembered request
outcomes. While directory statistics are being computed (dir_stats turned on
for a volume with directories) it shows how many directories are done.

flags:
${DB_OPTIONS_HELP}`,
  options: DB_OPTIONS,
  async run(ctx) {
    const { db, meta } = await ctx.connect();
    const q = db.reader;
    const [format, sessions, usage, counts, queues, statfs, dirStatsBuild] = await Promise.all([
      meta.volume.getFormat(),
      describeSessions(meta),
      getUsage(q),
      nodeCounts(q),
      queueDepths(q),
      meta.volume.getFormat().then((f) => (f === undefined ? undefined : meta.volume.statFs(1n))),
      meta.dirStats.buildProgress(),
    ]);
    const report = { format: format ?? null, dirStatsBuild: dirStatsBuild ?? null, sessions, usage: { ...usage, ...counts, ...(statfs ?? {}) }, queues };
    if (ctx.json) {
      ctx.printJson(report);
      return EXIT_OK;
    }
    const out = ctx.io.out;
    if (format === undefined) {
      out('volume: not formatted');
    } else {
      out(`volume: ${format.name} (uuid ${format.uuid})`);
      out(`  block size ${format.blockSizeKib} KiB, capacity ${format.capacity === 0n ? 'unlimited' : bytes(format.capacity)}, ` +
        `inodes ${format.inodes === 0n ? 'unlimited' : format.inodes}, trash days ${format.trashDays}, atime ${format.atimeMode}`);
      if (format.storage !== '' || format.bucket !== '') out(`  storage ${format.storage} ${format.bucket}`);
      out(`  directory statistics ${!format.dirStats ? 'off' : dirStatsBuild === undefined ? 'on' : `being computed: ${dirStatsBuild.done} of ${dirStatsBuild.total} directories`}`);
    }
    out(`usage: ${bytes(usage.space)} in ${usage.inodes} inodes ` +
      `(${counts.files} files, ${counts.directories} directories, ${counts.symlinks} symlinks, ${counts.others} other); ` +
      `${counts.slices} slices of ${bytes(counts.sliceBytes)}`);
    out(`queues: release ${queues.fileRelease}, slice deletion ${queues.sliceDeletion} (${queues.sliceDeletionLeased} leased, ${queues.sliceDeletionDelayed} delayed by the trash), ` +
      `compaction ${queues.compaction} (${queues.compactionClaimed} claimed), request log ${queues.requestLog}`);
    out(`sessions: ${sessions.length}`);
    if (sessions.length > 0) {
      for (const line of table(
        ['ID', 'HOST', 'PID', 'VERSION', 'MOUNT', 'OPEN', 'LOCKS', 'EXPIRES'],
        sessions.map((s) => [s.sessionId.toString(), s.hostName, String(s.processId), s.version, s.mountPoint, String(s.openFiles), String(s.flocks + s.plocks), s.expires]),
      )) {
        out(`  ${line}`);
      }
    }
    return EXIT_OK;
  },
};
