import type { Meta } from '../meta';
import { RELEASE_BATCH } from '../meta/data';
import type { Job } from './runner';

/**
 * Data-path jobs: release the data of deleted files (their slices reach the
 * deletion queue), and turn compaction claims whose lease ran out back into
 * offers, queueing the slice each had been given.
 */
export function dataJobs(meta: Meta): Job[] {
  return [
    { name: 'release-files', run: () => meta.data.releaseFiles(RELEASE_BATCH) },
    { name: 'expire-compaction-claims', run: () => meta.data.expireCompactionClaims(RELEASE_BATCH) },
  ];
}
