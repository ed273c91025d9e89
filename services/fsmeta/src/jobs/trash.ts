import type { Meta } from '../meta';
import type { Job } from './runner';

/** Trash entries (and emptied hour directories) the expiry job deletes per transaction. */
export const TRASH_EXPIRY_BATCH = 100;

/**
 * The trash expiry (JuiceFS cleanupTrash): hour directories older than
 * trash_days (+2 h) are deleted for good, one batch per transaction; every
 * replica runs it and SKIP LOCKED gives each a disjoint batch. Deleted files'
 * data then goes through the release job like any other deleted file.
 */
export function trashJobs(meta: Meta): Job[] {
  return [{ name: 'expire-trash', run: () => meta.trash.expire(TRASH_EXPIRY_BATCH) }];
}
