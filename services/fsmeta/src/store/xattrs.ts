import type { Tx } from './db';
import type { Attr } from '../meta/types';
import { N_COLS, modeGrantsSql, rowToAttr, type NodeRow } from './nodes';
import { runWrite, type OutcomeLog, type SessionCheck } from './requests';

/** Extended-attribute SQL. */

export async function getXattr(q: Tx, inode: bigint, name: Buffer): Promise<Buffer | undefined> {
  const rows = await q.query<{ value: Buffer }>('select value from xattr where inode = $1 and name = $2', [inode, name], 'get-xattr');
  return rows[0]?.value;
}

/** A node and its attribute `name` (undefined: none), in one statement (GetXattr). */
export async function getNodeAndXattr(q: Tx, inode: bigint, name: Buffer): Promise<{ attr: Attr; value?: Buffer } | undefined> {
  const rows = await q.query<NodeRow & { xvalue: Buffer | null }>(
    `select ${N_COLS}, (select value from xattr where inode = $1 and name = $2) as xvalue from node n where n.inode = $1`,
    [inode, name],
    'get-node-xattr',
  );
  const r = rows[0];
  return r === undefined ? undefined : { attr: rowToAttr(r), ...(r.xvalue === null ? {} : { value: r.xvalue }) };
}

/** A node and the names of its attributes in byte order, in one statement (ListXattr). */
export async function getNodeAndXattrNames(q: Tx, inode: bigint): Promise<{ attr: Attr; names: Buffer[] } | undefined> {
  const rows = await q.query<NodeRow & { names: Buffer[] | null }>(
    `select ${N_COLS}, (select array_agg(name order by name) from xattr where inode = $1) as names from node n where n.inode = $1`,
    [inode],
    'get-node-xattr-names',
  );
  const r = rows[0];
  return r === undefined ? undefined : { attr: rowToAttr(r), names: r.names ?? [] };
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

/** What the fast SetXattr checks and writes (setXattrFast): the request's side; the node is read under its lock. */
export interface FastXattr {
  inode: bigint;
  name: Buffer;
  value: Buffer;
  /** 0, XATTR_CREATE (1) or XATTR_REPLACE (2). */
  flags: number;
  /** The name needs write permission on the node (user.*). */
  checkWrite: boolean;
  /** The caller passes permission checks without them (root, or a kernel that checked). */
  trusted: boolean;
  uid: number;
  /** The caller's groups (primary first). */
  gids: number[];
  /** Node flags that refuse the change (immutable, append-only). */
  refuseFlags: number;
}

/**
 * SetXattr's plain case in one statement with COMMIT: the node locked FOR KEY
 * SHARE (as the ordinary path) and read under the lock, neither immutable nor
 * append-only, writable by its mode bits (no access ACL) where the name asks
 * for it, and the attribute present or absent as `flags` wants; then the value
 * is written (unless it is already the same) and the outcome recorded.
 * Anything else writes nothing and declines (fsmeta_fallback): the ordinary
 * path decides the errno.
 */
export async function setXattrFast(tx: Tx, f: FastXattr, log: OutcomeLog): Promise<SessionCheck | undefined> {
  const { check } = await runWrite(
    tx,
    'set-xattr-fast',
    `n as (select inode from node
            where inode = $1 and (flags & $9) = 0
              and (not $5::boolean or $6::boolean
                   or (coalesce(access_acl_id, 0) = 0
                       and ${modeGrantsSql('', '$7', '$8', '2')}))
            for key share),
          cur as (select value from xattr where inode = $1 and name = $2),
          ok as (select 1 from n where $4::int = 0 or ($4::int = 1 and not exists (select 1 from cur)) or ($4::int = 2 and exists (select 1 from cur))),
          w as (insert into xattr (inode, name, value) select $1, $2, $3 from ok where not exists (select 1 from cur where value = $3)
                on conflict (inode, name) do update set value = excluded.value)`,
    [f.inode, f.name, f.value, f.flags, f.checkWrite, f.trusted, f.uid, f.gids, f.refuseFlags],
    log,
    { finalIf: 'exists (select 1 from ok)' },
  );
  return check;
}
