import type { Meta } from '../meta';
import { markChanges, pruneChanges } from '../store/changes';
import { pruneOutcomes } from '../store/requests';
import { dataJobs } from './data';
import { trashJobs } from './trash';
import type { Job } from './runner';

const BATCH = 100;
/** How long one job tick drives a directory-statistics build before the other jobs get their turn. */
const DIR_STATS_BUILD_SLICE_MS = 500;

/** The background jobs every replica runs. */
export function metaJobs(meta: Meta, requestRetentionMs: number, watchRetentionMs: number): Job[] {
  const { db } = meta.deps;
  return [
    { name: 'expire-sessions', run: () => meta.sessions.cleanExpired(BATCH) },
    { name: 'clean-lock-waiters', run: () => meta.locks.cleanLapsedWaiters(BATCH) },
    { name: 'prune-request-log', run: () => db.transaction((tx) => pruneOutcomes(tx, requestRetentionMs, 10 * BATCH)) },
    {
      name: 'prune-changes',
      run: () =>
        db.transaction(async (tx) => {
          await markChanges(tx);
          return pruneChanges(tx, watchRetentionMs, 10 * BATCH);
        }),
    },
    { name: 'build-dir-stats', run: () => meta.dirStats.build(DIR_STATS_BUILD_SLICE_MS) },
    ...dataJobs(meta),
    ...trashJobs(meta),
  ];
}
