import type { Tx } from './db';
import { CHUNK_SLICES_SQL } from './dump';

/**
 * Garbage `fsmeta gc` finds and, with --delete, removes: slices that keep a
 * reference count although no chunk record names them (their objects would
 * never be deleted), request-log rows past the retention, and compaction
 * offers whose chunk is gone.
 */

const LEAKED_SLICES_SQL = `
  select r.id, r.size from slice_ref r
   where not exists (select 1 from (${CHUNK_SLICES_SQL}) s where s.id = r.id)`;

export interface Garbage {
  leakedSlices: bigint;
  leakedBytes: bigint;
  expiredRequests: bigint;
  staleCompactions: bigint;
}

export async function findGarbage(q: Tx, retentionMs: number): Promise<Garbage> {
  const rows = await q.query<{ ls: bigint; lb: bigint; er: bigint; sc: bigint }>(
    `select (select count(*) from (${LEAKED_SLICES_SQL}) l) as ls,
            (select coalesce(sum(size), 0)::bigint from (${LEAKED_SLICES_SQL}) l) as lb,
            (select count(*) from request_log where created_at < now() - make_interval(secs => $1::double precision / 1000)) as er,
            (select count(*) from compaction c where not exists (select 1 from chunk k where k.inode = c.inode and k.indx = c.indx)) as sc`,
    [retentionMs],
  );
  const r = rows[0]!;
  return { leakedSlices: r.ls, leakedBytes: r.lb, expiredRequests: r.er, staleCompactions: r.sc };
}

/**
 * Moves leaked slices to the deletion queue (storage nodes delete their
 * objects). The rows are locked first and checked again, so a write that
 * references one of them meanwhile keeps it.
 */
export async function deleteLeakedSlices(tx: Tx, limit: number): Promise<number> {
  const ids = (await tx.query<{ id: bigint }>(`select id from (${LEAKED_SLICES_SQL}) l order by id limit $1`, [limit])).map((r) => r.id);
  if (ids.length === 0) return 0;
  await tx.query('select 1 from slice_ref where id = any($1::bigint[]) order by id for update', [ids]);
  const rows = await tx.query(
    `with d as (delete from slice_ref r where r.id = any($1::bigint[])
                  and not exists (select 1 from (${CHUNK_SLICES_SQL}) s where s.id = r.id) returning id, size)
     insert into slice_deletion (id, size) select id, size from d on conflict (id) do nothing returning 1`,
    [ids],
  );
  return rows.length;
}

export async function deleteStaleCompactions(tx: Tx): Promise<number> {
  const rows = await tx.query(
    `delete from compaction c where not exists (select 1 from chunk k where k.inode = c.inode and k.indx = c.indx) returning 1`,
  );
  return rows.length;
}
