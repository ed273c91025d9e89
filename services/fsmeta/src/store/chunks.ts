import type { Tx } from './db';

/** Chunk, slice-reference and data-release SQL. */

export async function queueFileRelease(tx: Tx, inode: bigint): Promise<void> {
  await tx.query('insert into file_release (inode) values ($1) on conflict do nothing', [inode], 'queue-file-release');
}
