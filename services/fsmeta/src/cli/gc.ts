import { loadConfig } from '../config';
import { pruneOutcomes } from '../store/requests';
import { deleteLeakedSlices, deleteStaleCompactions, findGarbage } from '../store/gc';
import { CliError, DB_OPTIONS, DB_OPTIONS_HELP, EXIT_OK, EXIT_USAGE, bytes, type Command } from './command';
import { Progress } from './progress';

const BATCH = 1000;

/** `fsmeta gc [--delete]`: leaked slices, expired request-log rows, stale compaction offers. */
export const gc: Command = {
  name: 'gc',
  summary: 'find (and with --delete remove) leaked slices and expired request-log rows',
  usage: `usage: fsmeta gc [--delete] [--retention-ms N] [flags]

Finds garbage in the metadata:
  leaked slices          slices with a reference count that no chunk record names: their
                         objects would never be deleted (--delete queues them for deletion,
                         so storage nodes remove the objects)
  expired request log    remembered mutation outcomes past the retention (replicas prune these
                         on their own; --delete prunes now)
  stale compactions      compaction offers whose chunk is gone

Objects in the object store that no slice names are not visible to fsmeta: a
storage node's own gc finds those.

flags:
  --delete            remove what was found (in batches of ${BATCH}, each one transaction)
  --retention-ms N    request-log retention (default: FSMETA_REQUEST_RETENTION_MS or 3600000)
${DB_OPTIONS_HELP}`,
  options: { ...DB_OPTIONS, delete: { type: 'boolean' }, 'retention-ms': { type: 'string' } },
  async run(ctx, args) {
    const retentionFlag = args.values['retention-ms'];
    if (retentionFlag !== undefined && (typeof retentionFlag !== 'string' || !/^\d+$/.test(retentionFlag))) {
      throw new CliError(`--retention-ms: "${String(retentionFlag)}" is not a whole number`, EXIT_USAGE);
    }
    const retentionMs = retentionFlag !== undefined ? Number(retentionFlag) : loadConfig([]).requestRetentionMs;
    const { db } = await ctx.connect();
    const found = await findGarbage(db.reader, retentionMs);
    const deleted = { leakedSlices: 0, expiredRequests: 0, staleCompactions: 0 };
    if (args.values.delete === true) {
      const total = Number(found.leakedSlices + found.expiredRequests + found.staleCompactions);
      const progress = new Progress(ctx.io, 'gc', total, 'rows');
      try {
        for (;;) {
          const n = await db.transaction((tx) => deleteLeakedSlices(tx, BATCH));
          deleted.leakedSlices += n;
          progress.increment(n);
          if (n < BATCH) break;
        }
        for (;;) {
          const n = await db.transaction((tx) => pruneOutcomes(tx, retentionMs, BATCH));
          deleted.expiredRequests += n;
          progress.increment(n);
          if (n < BATCH) break;
        }
        deleted.staleCompactions = await db.transaction((tx) => deleteStaleCompactions(tx));
        progress.increment(deleted.staleCompactions);
      } finally {
        progress.stop();
      }
    }
    if (ctx.json) {
      ctx.printJson({ found, deleted: args.values.delete === true ? deleted : null, retentionMs });
      return EXIT_OK;
    }
    const out = ctx.io.out;
    out(`leaked slices: ${found.leakedSlices} (${bytes(found.leakedBytes)})`);
    out(`expired request-log rows (older than ${retentionMs} ms): ${found.expiredRequests}`);
    out(`stale compaction offers: ${found.staleCompactions}`);
    if (args.values.delete === true) {
      out(`deleted: ${deleted.leakedSlices} slices queued for deletion, ${deleted.expiredRequests} request-log rows, ${deleted.staleCompactions} compaction offers`);
    } else if (found.leakedSlices + found.expiredRequests + found.staleCompactions > 0n) {
      out('run with --delete to remove them');
    }
    return EXIT_OK;
  },
};
