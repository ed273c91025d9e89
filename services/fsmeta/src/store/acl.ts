import type { Tx } from './db';

/** ACL SQL: the acl table of unique rule sets (JuiceFS jfs_acl) and the ids nodes hold. */

export interface AclRow {
  owner: number;
  grp: number;
  mask: number;
  other: number;
  /** 6 bytes per entry, big-endian (id u32, perm u16), sorted by id. */
  namedUsers: Buffer;
  namedGroups: Buffer;
}

export async function getAclRow(q: Tx, id: number): Promise<AclRow | undefined> {
  const rows = await q.query<{ owner: number; grp: number; mask: number; other: number; named_users: Buffer; named_groups: Buffer }>(
    'select owner, grp, mask, other, named_users, named_groups from acl where id = $1',
    [id],
    'get-acl',
  );
  const r = rows[0];
  return r && { owner: r.owner, grp: r.grp, mask: r.mask, other: r.other, namedUsers: r.named_users, namedGroups: r.named_groups };
}

/**
 * The id of a rule set, inserting it if new. Two transactions inserting the
 * same rules meet on the unique key: the second waits for the first and,
 * once it committed, reads its id.
 */
export async function putAclRow(tx: Tx, r: AclRow): Promise<number> {
  const params = [r.owner, r.grp, r.mask, r.other, r.namedUsers, r.namedGroups];
  const inserted = await tx.query<{ id: string }>(
    `insert into acl (owner, grp, mask, other, named_users, named_groups) values ($1, $2, $3, $4, $5, $6)
     on conflict (owner, grp, mask, other, named_users, named_groups) do nothing returning id`,
    params,
    'put-acl',
  );
  if (inserted[0] !== undefined) return Number(inserted[0].id);
  const found = await tx.query<{ id: string }>(
    'select id from acl where owner = $1 and grp = $2 and mask = $3 and other = $4 and named_users = $5 and named_groups = $6',
    params,
    'find-acl',
  );
  if (found[0] === undefined) throw Object.assign(new Error('ACL row vanished'), { code: '40001' });
  return Number(found[0].id);
}

/** Sets a node's access and default ACL ids (0: none). */
export async function setNodeAcls(tx: Tx, inode: bigint, accessAcl: number, defaultAcl: number): Promise<void> {
  await tx.query('update node set access_acl_id = $2, default_acl_id = $3 where inode = $1', [inode, accessAcl, defaultAcl], 'set-node-acls');
}
