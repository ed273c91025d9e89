import type { Tx } from './db';

/** Extended-attribute SQL. */

export async function getXattr(q: Tx, inode: bigint, name: Buffer): Promise<Buffer | undefined> {
  const rows = await q.query<{ value: Buffer }>('select value from xattr where inode = $1 and name = $2', [inode, name], 'get-xattr');
  return rows[0]?.value;
}

export async function listXattrs(q: Tx, inode: bigint): Promise<Buffer[]> {
  const rows = await q.query<{ name: Buffer }>('select name from xattr where inode = $1 order by name', [inode], 'list-xattrs');
  return rows.map((r) => r.name);
}

export async function putXattr(tx: Tx, inode: bigint, name: Buffer, value: Buffer): Promise<void> {
  await tx.query(
    'insert into xattr (inode, name, value) values ($1, $2, $3) on conflict (inode, name) do update set value = excluded.value',
    [inode, name, value],
    'put-xattr',
  );
}

export async function deleteXattr(tx: Tx, inode: bigint, name: Buffer): Promise<boolean> {
  const rows = await tx.query('delete from xattr where inode = $1 and name = $2 returning 1', [inode, name], 'delete-xattr');
  return rows.length > 0;
}
