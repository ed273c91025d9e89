import type { FileType } from '../meta/types';
import type { Tx } from './db';

/** SQL for case-insensitive volumes: the entries of a directory, and the per-directory name lock. */

/** Every entry of a directory (a case-insensitive miss compares them all, as JuiceFS resolveCase). */
export async function listEdges(q: Tx, parent: bigint): Promise<{ name: Buffer; inode: bigint; type: FileType }[]> {
  return q.query<{ name: Buffer; inode: bigint; type: FileType }>('select name, inode, type from edge where parent = $1', [parent], 'list-edges');
}

/** Advisory key space of the case lock (two-int4 keys never collide with fsmeta's bigint keys). */
const CASE_LOCK_CLASS = 0x43415345; // "CASE"

/**
 * Serialises name changes in one directory of a case-insensitive volume, so
 * two entries differing only in case cannot be created at once. Taken before
 * any other lock of the transaction.
 */
export async function lockCaseNames(tx: Tx, parent: bigint): Promise<void> {
  await tx.query('select pg_advisory_xact_lock($1::int4, ($2::bigint % 2147483647)::int4)', [CASE_LOCK_CLASS, parent], 'lock-case-names');
}
