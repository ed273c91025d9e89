import type { Meta } from '../meta';
import { pruneOutcomes } from '../store/requests';
import { dataJobs } from './data';
import { trashJobs } from './trash';
import type { Job } from './runner';

const BATCH = 100;

/** The background jobs every replica runs. */
export function metaJobs(meta: Meta, requestRetentionMs: number): Job[] {
  const { db } = meta.deps;
  return [
    { name: 'expire-sessions', run: () => meta.sessions.cleanExpired(BATCH) },
    { name: 'prune-request-log', run: () => db.transaction((tx) => pruneOutcomes(tx, requestRetentionMs, 10 * BATCH)) },
    ...dataJobs(meta),
    ...trashJobs(meta),
  ];
}
