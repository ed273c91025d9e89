import type { Attr, FileType } from '../meta/types';
import { quiet, type Tx } from './db';
import { LOCKS_ADVISORY_SPACE } from './locks';
import { runWrite, type OutcomeLog, type SessionCheck } from './requests';

async function runWriteCheck(tx: Tx, name: string, ctes: string, params: unknown[], log?: OutcomeLog): Promise<SessionCheck | undefined> {
  return (await runWrite(tx, name, ctes, params, log)).check;
}

/**
 * The JSON meta/mutation.ts stores for an Attr (bigints tagged as {"$bigint": "..."}),
 * built in SQL from a node row `alias`, for outcomes only known inside a statement.
 */
export function attrOutcomeJson(alias: string): string {
  const big = (col: string) => `jsonb_build_object('$bigint', ${alias}.${col}::text)`;
  return `jsonb_build_object('inode', ${big('inode')}, 'type', ${alias}.type, 'flags', ${alias}.flags, 'mode', ${alias}.mode,
    'uid', ${alias}.uid, 'gid', ${alias}.gid, 'rdev', ${alias}.rdev, 'atimeNs', ${big('atime_ns')}, 'mtimeNs', ${big('mtime_ns')},
    'ctimeNs', ${big('ctime_ns')}, 'nlink', ${alias}.nlink, 'length', ${big('length')}, 'parent', ${big('parent')})`;
}

/**
 * runWrite's options for a fast write whose result is the node row of its CTE
 * `alias` (no row: the write declined, Tx.fast): the statement selects `select`
 * over that row, records it as the outcome, and commits only when it is there.
 */
export function nodeResult(alias: string, select: string): { select: string; from: string; outcomeSql: string; finalIf: string } {
  return {
    select,
    from: `(select 1) as one left join ${alias} on true`,
    outcomeSql: `(select convert_to(jsonb_build_object('ok', ${attrOutcomeJson(alias)})::text, 'UTF8') from ${alias})`,
    finalIf: `exists (select 1 from ${alias})`,
  };
}

/** The node a nodeResult write returned; undefined when it declined. */
export function resultAttr(rows: (NodeRow & { inode: bigint | null })[]): Attr | undefined {
  const r = rows[0];
  return r === undefined || r.inode === null ? undefined : rowToAttr(r);
}

/** Namespace SQL: nodes, edges, symlinks, usage. Every function runs inside the caller's transaction. */

export const NODE_COLUMNS = 'inode, type, flags, mode, uid, gid, rdev, atime_ns, mtime_ns, ctime_ns, nlink, length, parent';

/** NODE_COLUMNS qualified by a table alias (`node.inode, node.type, ...`), for RETURNING and selects over a CTE. */
export function nodeColumns(alias: string): string {
  return NODE_COLUMNS.split(', ').map((c) => `${alias}.${c}`).join(', ');
}
/** What reads of a node select: its columns and its ACL ids (permission checks need the access ACL). */
const NODE_SELECT = `${NODE_COLUMNS}, access_acl_id, default_acl_id`;

/** A node row as selected (bigint columns; the ACL ids only where a query selects them). */
export interface NodeRow {
  inode: bigint;
  type: number;
  flags: bigint;
  mode: bigint;
  uid: bigint;
  gid: bigint;
  rdev: bigint;
  atime_ns: bigint;
  mtime_ns: bigint;
  ctime_ns: bigint;
  nlink: bigint;
  length: bigint;
  parent: bigint;
  access_acl_id?: bigint | null;
  default_acl_id?: bigint | null;
}

export function rowToAttr(r: NodeRow): Attr {
  return {
    inode: r.inode,
    type: r.type as FileType,
    flags: Number(r.flags),
    mode: Number(r.mode),
    uid: Number(r.uid),
    gid: Number(r.gid),
    rdev: Number(r.rdev),
    atimeNs: r.atime_ns,
    mtimeNs: r.mtime_ns,
    ctimeNs: r.ctime_ns,
    nlink: Number(r.nlink),
    length: r.length,
    parent: r.parent,
    ...(r.access_acl_id ? { accessAcl: Number(r.access_acl_id) } : {}),
    ...(r.default_acl_id ? { defaultAcl: Number(r.default_acl_id) } : {}),
  };
}

function attrParams(a: Attr): unknown[] {
  return [a.inode, a.type, a.flags, a.mode, a.uid, a.gid, a.rdev, a.atimeNs, a.mtimeNs, a.ctimeNs, a.nlink, a.length, a.parent];
}

export async function getNode(q: Tx, inode: bigint): Promise<Attr | undefined> {
  const rows = await q.query<NodeRow>(`select ${NODE_SELECT} from node where inode = $1`, [inode], 'get-node');
  return rows[0] && rowToAttr(rows[0]);
}

export type LockStrength = 'update' | 'key share';

/**
 * Locks the given inodes in ascending inode order with one statement and returns
 * the rows that exist. This is the only place row locks on nodes are taken
 * (docs/locking.md): 'update' for rows the mutation changes, 'key share' for a
 * parent that must not be removed while an entry is added under it.
 */
export async function lockNodes(tx: Tx, inodes: bigint[], strength: LockStrength = 'update'): Promise<Map<bigint, Attr>> {
  const ids = [...new Set(inodes)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const lock = strength === 'update' ? 'for update' : 'for key share';
  const suffix = strength === 'update' ? 'u' : 'ks';
  // One inode (the common case) by equality: PostgreSQL plans `= any($1)` anew at every call (its
  // generic plan assumes a longer array and so looks dearer), and the planning cost as much as the lock.
  const rows =
    ids.length === 1
      ? await tx.query<NodeRow>(`select ${NODE_SELECT} from node where inode = $1 ${lock}`, [ids[0]], `lock-node-${suffix}`)
      : await tx.query<NodeRow>(`select ${NODE_SELECT} from node where inode = any($1::bigint[]) order by inode ${lock}`, [ids], `lock-nodes-${suffix}`);
  return new Map(rows.map((r) => [r.inode, rowToAttr(r)]));
}

/**
 * Close's first statement: the inode's row lock (as lockNodes) and its
 * file-lock advisory lock, shared (store/locks.ts lockInodeLocks takes it
 * exclusively), held to commit. Close deletes lock rows in a later
 * statement, which so sees every lock change committed before, and none that
 * a SetLk or Flock in progress (which may have read the rows being deleted)
 * could write after it. Closes of one file do not wait for each other.
 */
export async function lockNodeForClose(tx: Tx, inode: bigint, strength: LockStrength): Promise<Attr | undefined> {
  const lock = strength === 'update' ? 'for update of node' : 'for key share of node';
  const rows = await tx.query<NodeRow>(
    `select ${NODE_SELECT} from pg_advisory_xact_lock_shared($2, hashint8($1)) as fl, node where inode = $1 ${lock}`,
    [inode, LOCKS_ADVISORY_SPACE],
    `lock-node-close-${strength === 'update' ? 'u' : 'ks'}`,
  );
  return rows[0] === undefined ? undefined : rowToAttr(rows[0]);
}

/** lockNodeForClose FOR KEY SHARE, sent without waiting for its answer (the statement behind it reads what it needs). */
export async function lockNodeForCloseAhead(tx: Tx, inode: bigint): Promise<void> {
  await tx.send(
    `select 1 from pg_advisory_xact_lock_shared($2, hashint8($1)) as fl, node where inode = $1 for key share of node`,
    [inode, LOCKS_ADVISORY_SPACE],
    'lock-node-close-ahead',
  );
}

/**
 * Locks rows of two strengths in one ascending pass: `update` FOR UPDATE,
 * `share` FOR KEY SHARE. Consecutive inodes of one strength share a statement,
 * so every transaction still takes its row locks in ascending inode order.
 */
export async function lockMixed(tx: Tx, update: bigint[], share: bigint[]): Promise<Map<bigint, Attr>> {
  const strength = new Map<bigint, LockStrength>();
  for (const id of share) strength.set(id, 'key share');
  for (const id of update) strength.set(id, 'update');
  const ids = [...strength.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // Every run's statement is sent at once (they run in order on the server): one round trip where the transaction pipelines.
  const runs: Promise<Map<bigint, Attr>>[] = [];
  for (let i = 0; i < ids.length; ) {
    const mode = strength.get(ids[i]!)!;
    let j = i;
    while (j < ids.length && strength.get(ids[j]!) === mode) j++;
    runs.push(quiet(lockNodes(tx, ids.slice(i, j), mode)));
    i = j;
  }
  const out = new Map<bigint, Attr>();
  for (const run of runs) for (const [k, v] of await run) out.set(k, v);
  return out;
}

export async function getEdge(q: Tx, parent: bigint, name: Buffer): Promise<{ inode: bigint; type: FileType } | undefined> {
  const rows = await q.query<{ inode: bigint; type: number }>(
    'select inode, type from edge where parent = $1 and name = $2',
    [parent, name],
    'get-edge',
  );
  return rows[0] && { inode: rows[0].inode, type: rows[0].type as FileType };
}

/** The parent directory and, if present, the entry's node, in one round trip (Lookup). */
export async function getParentAndChild(
  q: Tx,
  parent: bigint,
  name: Buffer,
): Promise<{ parent?: Attr; child?: Attr }> {
  const rows = await q.query<NodeRow & { which: number }>(
    `select 0 as which, ${NODE_SELECT} from node where inode = $1
     union all
     select 1, n.inode, n.type, n.flags, n.mode, n.uid, n.gid, n.rdev, n.atime_ns, n.mtime_ns, n.ctime_ns, n.nlink, n.length, n.parent,
            n.access_acl_id, n.default_acl_id
       from edge e join node n on n.inode = e.inode where e.parent = $1 and e.name = $2`,
    [parent, name],
    'get-parent-child',
  );
  const out: { parent?: Attr; child?: Attr } = {};
  for (const r of rows) {
    if (r.which === 0) out.parent = rowToAttr(r);
    else out.child = rowToAttr(r);
  }
  return out;
}

export async function nextInode(tx: Tx): Promise<bigint> {
  const rows = await tx.query<{ id: bigint }>(`select nextval('inode_seq') as id`, [], 'next-inode');
  return rows[0]!.id;
}

export async function insertNode(tx: Tx, a: Attr): Promise<void> {
  await tx.send(
    `insert into node (${NODE_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    attrParams(a),
    'insert-node',
  );
}

export async function updateNode(tx: Tx, a: Attr): Promise<void> {
  await tx.send(
    `update node set type = $2, flags = $3, mode = $4, uid = $5, gid = $6, rdev = $7, atime_ns = $8,
       mtime_ns = $9, ctime_ns = $10, nlink = $11, length = $12, parent = $13 where inode = $1`,
    attrParams(a),
    'update-node',
  );
}

/** updateNode as a write that can carry the request's outcome (SetAttr's only write). */
export async function updateNodeLogged(tx: Tx, a: Attr, log: OutcomeLog): Promise<SessionCheck | undefined> {
  return runWriteCheck(
    tx,
    'update-node',
    `n as (update node set type = $2, flags = $3, mode = $4, uid = $5, gid = $6, rdev = $7, atime_ns = $8,
       mtime_ns = $9, ctime_ns = $10, nlink = $11, length = $12, parent = $13 where inode = $1)`,
    attrParams(a),
    log,
  );
}

/**
 * A chmod (SetAttr of the mode alone) in one statement, for the plain case
 * only: the inode FOR UPDATE, and when it is outside the trash, has no ACL,
 * the mode really changes, the caller is root or the owner and (untrusted) does not
 * set the setgid bit, the new mode and ctime and the outcome (the node).
 * Anything else writes nothing and declines (Tx.fast) to the ordinary path.
 */
export async function setModeFast(
  tx: Tx,
  f: { inode: bigint; mode: number; now: bigint; trashInode: bigint; trusted: boolean; uid: number; setgidBit: number },
  log: OutcomeLog,
): Promise<{ attr?: Attr; check?: SessionCheck }> {
  const { rows, check } = await runWrite<NodeRow & { inode: bigint | null }>(
    tx,
    'set-mode-fast',
    `c as (select inode from node where inode = $1 for update),
          n as (update node set mode = $2, ctime_ns = $3 from c
                 where node.inode = c.inode and node.parent <= $4 and coalesce(node.access_acl_id, 0) = 0
                   and coalesce(node.default_acl_id, 0) = 0 and node.mode <> $2::bigint
                   and ($5::boolean or ($2::bigint & $7::bigint) = 0) and ($6::bigint = 0 or node.uid = $6::bigint)
                returning ${nodeColumns('node')})`,
    [f.inode, f.mode, f.now, f.trashInode, f.trusted, f.uid, f.setgidBit],
    log,
    nodeResult('n', 'n.*'),
  );
  return { attr: resultAttr(rows), check };
}

export async function deleteNode(tx: Tx, inode: bigint): Promise<void> {
  await tx.send('delete from node where inode = $1', [inode], 'delete-node');
  await tx.send('delete from xattr where inode = $1', [inode], 'delete-xattrs');
}

export async function insertEdge(tx: Tx, parent: bigint, name: Buffer, inode: bigint, type: FileType): Promise<void> {
  await tx.send('insert into edge (parent, name, inode, type) values ($1, $2, $3, $4)', [parent, name, inode, type], 'insert-edge');
}

export async function deleteEdge(tx: Tx, parent: bigint, name: Buffer): Promise<void> {
  await tx.send('delete from edge where parent = $1 and name = $2', [parent, name], 'delete-edge');
}

export async function setEdgeTarget(tx: Tx, parent: bigint, name: Buffer, inode: bigint, type: FileType): Promise<void> {
  await tx.send('update edge set inode = $3, type = $4 where parent = $1 and name = $2', [parent, name, inode, type], 'set-edge');
}

export async function hasChildren(q: Tx, parent: bigint): Promise<boolean> {
  const rows = await q.query('select 1 from edge where parent = $1 limit 1', [parent], 'has-children');
  return rows.length > 0;
}

/** Distinct directories holding a link to the inode (for hard-linked files, whose parent is 0). */
export async function edgeParents(q: Tx, inode: bigint): Promise<bigint[]> {
  const rows = await q.query<{ parent: bigint }>('select distinct parent from edge where inode = $1', [inode], 'edge-parents');
  return rows.map((r) => r.parent);
}

/**
 * Changes a directory's nlink by `nlinkDelta` and sets its mtime/ctime to `now`,
 * skipping a pure time update when its mtime is newer than `skipNs`
 * (JuiceFS SkipDirMtime coalescing). Returns false if the directory is gone.
 */
export async function touchDir(tx: Tx, inode: bigint, nlinkDelta: number, now: bigint, skipNs: bigint): Promise<void> {
  await tx.send(
    `update node set nlink = nlink + $2, mtime_ns = greatest(mtime_ns, $3), ctime_ns = greatest(ctime_ns, $3)
      where inode = $1 and ($2::bigint <> 0 or mtime_ns < $3::bigint - $4::bigint)`,
    [inode, nlinkDelta, now, skipNs],
    'touch-dir',
  );
}

export async function getSymlink(q: Tx, inode: bigint): Promise<Buffer | undefined> {
  const rows = await q.query<{ target: Buffer }>('select target from symlink where inode = $1', [inode], 'get-symlink');
  return rows[0]?.target;
}

/** A node and, for a symlink, its target, in one statement (ReadLink). */
export async function getNodeAndTarget(q: Tx, inode: bigint): Promise<{ attr: Attr; target?: Buffer } | undefined> {
  const rows = await q.query<NodeRow & { target: Buffer | null }>(
    `select ${N_COLS}, s.target from node n left join symlink s on s.inode = n.inode where n.inode = $1`,
    [inode],
    'get-node-target',
  );
  const r = rows[0];
  return r === undefined ? undefined : { attr: rowToAttr(r), ...(r.target === null ? {} : { target: r.target }) };
}

export async function deleteSymlink(tx: Tx, inode: bigint): Promise<void> {
  await tx.send('delete from symlink where inode = $1', [inode], 'delete-symlink');
}

export interface DirPage {
  dir?: Attr;
  /** The directory's parent (the root's is itself), when asked for. */
  parent?: Attr;
  entries: { inode: bigint; name: Buffer; type: FileType; attr?: Attr }[];
}

/** Every column of a NodeRow, ACL ids included, from a node aliased `n`. */
export const N_COLS =
  'n.inode, n.type, n.flags, n.mode, n.uid, n.gid, n.rdev, n.atime_ns, n.mtime_ns, n.ctime_ns, n.nlink, n.length, n.parent, n.access_acl_id, n.default_acl_id';
/** The node columns of an entry in a packed page (readDirPage), after its name, inode and type. */
const PACKED_ATTR_COLS = ['flags', 'mode', 'uid', 'gid', 'rdev', 'atime_ns', 'mtime_ns', 'ctime_ns', 'nlink', 'length', 'parent', 'access_acl_id', 'default_acl_id'];
const NULL_NODE_COLS = N_COLS.split(', ').map(() => 'null').join(', ');

/**
 * One page of a directory in one round trip: the directory itself, its parent
 * when `withParent`, and up to `limit` entries after `after` in byte order
 * (with their attributes when `plus`). The entries come packed into one text
 * value, an entry's fields (its name in hex, then numbers) joined by commas
 * and the entries by semicolons, unpacked by unpackEntries: node-postgres
 * makes a string of every field of every row, which for 1,000 rows of 17
 * columns was most of a Readdir's CPU; one value is one string, read in one
 * pass (docs/benchmarks.md, "Readdir as one value").
 */
export async function readDirPage(
  q: Tx,
  inode: bigint,
  after: Buffer | undefined,
  limit: number,
  plus: boolean,
  withParent: boolean,
): Promise<DirPage> {
  const fields = plus ? `e.inode, n.type, ${PACKED_ATTR_COLS.map((c) => `n.${c}`).join(', ')}` : 'e.inode, e.type';
  const entryFrom = plus ? 'edge e join node n on n.inode = e.inode' : 'edge e';
  const rows = await q.query<NodeRow & { k: number; page: string | null }>(
    `select 0 as k, ${N_COLS}, null::text as page from node n where n.inode = $1
     union all
     select 1, ${N_COLS}, null from node n
      where $4::boolean and n.inode = (select case when d.inode = 1 then 1 else d.parent end from node d where d.inode = $1)
     union all
     select 2, ${NULL_NODE_COLS}, (select string_agg(x.packed, ';') from
       (select concat_ws(',', encode(e.name, 'hex'), ${fields}) as packed from ${entryFrom}
         where e.parent = $1 and ($2::bytea is null or e.name > $2) order by e.name limit $3) x)`,
    [inode, after ?? null, limit, withParent],
    `read-dir-page${plus ? '-plus' : ''}`,
  );
  const page: DirPage = { entries: [] };
  for (const r of rows) {
    if (r.k === 0) page.dir = rowToAttr(r);
    else if (r.k === 1) page.parent = rowToAttr(r);
    else if (r.page !== null) page.entries = unpackEntries(r.page, plus);
  }
  // In byte order whatever order the aggregate kept (already sorted, this is one pass).
  page.entries.sort((a, b) => Buffer.compare(a.name, b.name));
  return page;
}

/**
 * readDirPage's packed entries, read in one pass over the text: numbers are
 * parsed where they stand (no string per field, which splitting made 17 of per
 * entry; only a 64-bit value past 2^53, and each name's hex, is cut out).
 */
export function unpackEntries(packed: string, plus: boolean): DirPage['entries'] {
  const r = new PackedReader(packed);
  const entries: DirPage['entries'] = [];
  while (!r.done()) {
    const name = r.hex();
    const inode = r.big();
    const type = r.num() as FileType;
    if (!plus) {
      entries.push({ inode, name, type });
      continue;
    }
    const attr: Attr = {
      inode,
      type,
      flags: r.num(),
      mode: r.num(),
      uid: r.num(),
      gid: r.num(),
      rdev: r.num(),
      atimeNs: r.big(),
      mtimeNs: r.big(),
      ctimeNs: r.big(),
      nlink: r.num(),
      length: r.big(),
      parent: r.big(),
    };
    const accessAcl = r.num();
    const defaultAcl = r.num();
    if (accessAcl !== 0) attr.accessAcl = accessAcl;
    if (defaultAcl !== 0) attr.defaultAcl = defaultAcl;
    entries.push({ inode, name, type, attr });
  }
  return entries;
}

const COMMA = 44;
const SEMICOLON = 59;
const MINUS = 45;
const ZERO = 48;

/** Fields of a packed page: each ends at a comma, an entry at a semicolon, the page at its end. */
class PackedReader {
  private pos = 0;

  constructor(private readonly s: string) {}

  done(): boolean {
    return this.pos >= this.s.length;
  }

  /** The end of the field at `pos`; moves past its separator. */
  private field(): [number, number] {
    const start = this.pos;
    let end = start;
    const s = this.s;
    while (end < s.length) {
      const c = s.charCodeAt(end);
      if (c === COMMA || c === SEMICOLON) break;
      end++;
    }
    this.pos = end + 1;
    return [start, end];
  }

  hex(): Buffer {
    const [start, end] = this.field();
    return Buffer.from(this.s.slice(start, end), 'hex');
  }

  /** A number that fits a double exactly (every column but the 64-bit ones). */
  num(): number {
    const [start, end] = this.field();
    const s = this.s;
    const neg = s.charCodeAt(start) === MINUS;
    let v = 0;
    for (let i = neg ? start + 1 : start; i < end; i++) v = v * 10 + (s.charCodeAt(i) - ZERO);
    return neg ? -v : v;
  }

  /** A 64-bit column: parsed as a double below 2^53 (15 digits), else as text. */
  big(): bigint {
    const [start, end] = this.field();
    const s = this.s;
    const neg = s.charCodeAt(start) === MINUS;
    const from = neg ? start + 1 : start;
    if (end - from > 15) return BigInt(s.slice(start, end));
    let v = 0;
    for (let i = from; i < end; i++) v = v * 10 + (s.charCodeAt(i) - ZERO);
    return BigInt(neg ? -v : v);
  }
}

/**
 * Adds to the volume's used space and inode count (and checks its limits). The
 * totals are striped over 64 rows picked by backend pid, so concurrent
 * transactions rarely share a row, and the change commits (or rolls back) with
 * the mutation itself. Volume only: a change that quotas or directory
 * statistics see goes through store/quotas.ts `charge`.
 */
export async function addUsage(tx: Tx, space: bigint, inodes: bigint): Promise<void> {
  if (space === 0n && inodes === 0n) return;
  await tx.send('select fsmeta_charge(null, null, $1::bigint, $2::bigint, null, 0, 0, 0)', [space, inodes], 'add-usage');
}

export async function getUsage(q: Tx): Promise<{ space: bigint; inodes: bigint }> {
  const rows = await q.query<{ space: bigint | null; inodes: bigint | null }>(
    'select sum(space)::bigint as space, sum(inodes)::bigint as inodes from usage_shard',
    [],
    'get-usage',
  );
  return { space: rows[0]?.space ?? 0n, inodes: rows[0]?.inodes ?? 0n };
}

/** Sets atime to `now` if the relatime rule (or, with `strictNs`, the strict rule) still holds for the current row. */
export async function updateAtime(q: Tx, inode: bigint, now: bigint, dayNs: bigint, strictNs: bigint | undefined): Promise<void> {
  await q.query(
    `update node set atime_ns = $2 where inode = $1 and atime_ns < $2 and
       (atime_ns < mtime_ns or atime_ns < ctime_ns or $2 - atime_ns > $3 or ($4::bigint is not null and $2 - atime_ns > $4))`,
    [inode, now, dayNs, strictNs ?? null],
    'touch-atime',
  );
}

/**
 * Create's first step in one round trip: locks the parent, reads whether the
 * name is taken, and draws the next inode number (wasted when the name is
 * taken: gaps are fine). A new directory changes the parent's nlink, so the
 * parent row is locked FOR UPDATE. Any other entry only has to keep the
 * parent from being removed: it takes the parent's advisory lock in shared
 * mode, which removals take exclusively (getEdgeForRemoval), instead of a
 * FOR KEY SHARE row lock that would rewrite the hot parent row (a MultiXact
 * per locker) when many creates share one directory. That lock is taken
 * during this statement, so insertEntry re-checks the parent still exists.
 */
export async function lockParentForCreate(
  tx: Tx,
  parent: bigint,
  name: Buffer,
  strength: LockStrength,
): Promise<{ parent?: Attr; existing?: bigint; nextInode: bigint }> {
  const rows = await tx.query<NodeRow & { existing: bigint | null; next_inode: bigint }>(
    strength === 'update'
      ? `select p.inode, p.type, p.flags, p.mode, p.uid, p.gid, p.rdev, p.atime_ns, p.mtime_ns, p.ctime_ns, p.nlink, p.length, p.parent,
                p.access_acl_id, p.default_acl_id,
                e.inode as existing, nextval('inode_seq') as next_inode
           from node p left join edge e on e.parent = p.inode and e.name = $2
          where p.inode = $1 for update of p`
      : `select p.inode, p.type, p.flags, p.mode, p.uid, p.gid, p.rdev, p.atime_ns, p.mtime_ns, p.ctime_ns, p.nlink, p.length, p.parent,
                p.access_acl_id, p.default_acl_id,
                e.inode as existing, nextval('inode_seq') as next_inode
           from (select pg_advisory_xact_lock_shared($1)) l, node p left join edge e on e.parent = p.inode and e.name = $2
          where p.inode = $1`,
    [parent, name],
    `lock-parent-create-${strength === 'update' ? 'u' : 'ks'}`,
  );
  const r = rows[0];
  if (r === undefined) return { nextInode: 0n };
  return { parent: rowToAttr(r), existing: r.existing ?? undefined, nextInode: r.next_inode };
}

/**
 * Create's writes in one statement: the entry, the node, the symlink target,
 * the parent's nlink and (coalesced) times, the usage totals and, for Create,
 * the session's open reference.
 */
export async function insertEntry(
  tx: Tx,
  a: Attr,
  name: Buffer,
  target: Buffer | undefined,
  parentNlinkDelta: number,
  skipNs: bigint,
  openBySession: bigint | undefined,
  log?: OutcomeLog,
): Promise<{ parentFound: boolean; check?: SessionCheck }> {
  const { rows, check } = await runWrite<{ parent_found: boolean }>(
    tx,
    'insert-entry',
    `g as (select 1 from node where inode = $13),
          e as (insert into edge (parent, name, inode, type) select $13, $14, $1, $2 from g),
          n as (insert into node (${NODE_COLUMNS}) select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 from g),
          s as (insert into symlink (inode, target) select $1, $15::bytea from g where $15::bytea is not null),
          d as (update node set nlink = nlink + $16, mtime_ns = greatest(mtime_ns, $9), ctime_ns = greatest(ctime_ns, $9)
                 where inode = $13 and ($16::bigint <> 0 or mtime_ns < $9::bigint - $17::bigint)),
          u as (select fsmeta_charge($5, $6, $18, 1, array[$13::bigint], $18, 1, 0, case when $2::smallint = 3 then 1 else 0 end) as c from g),
          o as (insert into open_file (sid, inode, refs) select $19::bigint, $1, 1 from g where $19::bigint is not null
                on conflict (sid, inode) do update set refs = open_file.refs + 1)`,
    [...attrParams(a), name, target ?? null, parentNlinkDelta, skipNs, 4096n, openBySession ?? null],
    log,
    // Referencing u runs the charge (usage, limits, quotas, directory statistics: store/quotas.ts).
    { select: 'exists (select 1 from g) and (select count(*) from u) >= 0 as parent_found', finalIf: 'exists (select 1 from g)' },
  );
  return { parentFound: rows[0]?.parent_found === true, check };
}

/**
 * SQL: the mode bits of node row `d` (a table alias, or '' for an unqualified row) grant every bit
 * of `mask` to the caller (SQL expressions for its uid and groups): the owner's bits, else the
 * group's, else the others' (meta/perm.ts accessBits). ACLs are the caller's to rule out: the fast
 * bodies decline when the node has one.
 */
export function modeGrantsSql(d: string, uid: string, gids: string, mask: string): string {
  const c = (col: string): string => (d === '' ? col : `${d}.${col}`);
  return `((case when ${c('uid')} = ${uid} then ${c('mode')} >> 6 when ${c('gid')} = any(${gids}::bigint[]) then ${c('mode')} >> 3 else ${c('mode')} end) & ${mask}) = ${mask}`;
}

/**
 * SQL: directory row `d` (as modeGrantsSql) grants write and search to the caller by its mode bits
 * and has no access ACL, or the caller is `trusted` (SQL expressions for the caller's flag, uid and
 * groups). The fast bodies' permission check; anything else declines.
 */
function grantsWriteSearchSql(d: string, trusted: string, uid: string, gids: string): string {
  const acl = d === '' ? 'access_acl_id' : `${d}.access_acl_id`;
  return `(${trusted}::boolean or (coalesce(${acl}, 0) = 0 and ${modeGrantsSql(d, uid, gids, '3')}))`;
}

/** SQL: the space node row `n` is accounted for (meta/types.ts spaceOf), `unit` being SPACE_UNIT. */
function accountedSpaceSql(n: string, unit: string): string {
  return `case when ${n}.type = 1 and ${n}.length > 0 then ((${n}.length + ${unit} - 1) / ${unit}) * ${unit} else ${unit} end`;
}

/** What insertEntryFast creates, and what its permission check and refusals go by. */
export interface FastEntry {
  parent: bigint;
  name: Buffer;
  type: FileType;
  /** The new node's mode, uid, gid (umask applied: the parent has no default ACL and no setgid bit, or the statement declines). */
  mode: number;
  uid: number;
  gid: number;
  rdev: number;
  now: bigint;
  nlink: number;
  length: bigint;
  target?: Buffer;
  parentNlinkDelta: number;
  skipNs: bigint;
  openBySession?: bigint;
  /** The caller passes permission checks without them (root, or a kernel that checked). */
  trusted: boolean;
  /** The caller's groups (primary first). */
  gids: number[];
  /** Parent flags the new node inherits (skip-trash). */
  inheritFlags: number;
  /** Parent flags that refuse a new entry (immutable). */
  refuseFlags: number;
  /** The trash inode: a parent at or above it is the trash, a parent whose parent is above it sits in the trash. */
  trashInode: bigint;
  /** The setgid bit: a setgid parent hands its group down, which the statement leaves to the ordinary path. */
  setgidBit: number;
  space: bigint;
}

/**
 * Create's whole body in one statement, for the plain case only: the parent
 * (locked by the caller's statement just before: its advisory lock shared, or
 * its row FOR UPDATE for a new directory) is a directory outside the trash,
 * not immutable, without default ACL or setgid bit, writable and searchable
 * by its mode bits (no access ACL) or by a trusted caller, and the name is
 * free. Then it writes what insertEntry writes, with the next inode, and the
 * outcome. Anything else writes nothing, so the log is not recorded and the
 * fast attempt declines (Tx.fast): the ordinary path decides the errno.
 */
export async function insertEntryFast(tx: Tx, f: FastEntry, log: OutcomeLog): Promise<{ attr?: Attr; check?: SessionCheck }> {
  const { rows, check } = await runWrite<NodeRow & { inode: bigint | null }>(
    tx,
    'insert-entry-fast',
    `p as (select flags from node
            where inode = $1 and type = 2 and inode < $19 and parent <= $19 and (flags & $18) = 0
              and coalesce(default_acl_id, 0) = 0 and (mode & $20) = 0
              and ${grantsWriteSearchSql('', '$15', '$5', '$16')}
              and not exists (select 1 from edge where parent = $1 and name = $2)),
          i as (select nextval('inode_seq') as inode from p),
          e as (insert into edge (parent, name, inode, type) select $1, $2, i.inode, $3 from i),
          n as (insert into node (${NODE_COLUMNS}) select i.inode, $3, p.flags & $17, $4, $5, $6, $7, $8, $8, $8, $9, $10, $1 from i, p
                returning ${NODE_COLUMNS}),
          s as (insert into symlink (inode, target) select i.inode, $11::bytea from i where $11::bytea is not null),
          d as (update node set nlink = nlink + $12, mtime_ns = greatest(mtime_ns, $8), ctime_ns = greatest(ctime_ns, $8)
                 where inode = $1 and exists (select 1 from p) and ($12::bigint <> 0 or mtime_ns < $8::bigint - $13::bigint)),
          u as (select fsmeta_charge($5, $6, $21, 1, array[$1::bigint], $21, 1, 0, case when $3::smallint = 3 then 1 else 0 end) as c from p),
          o as (insert into open_file (sid, inode, refs) select $14::bigint, i.inode, 1 from i where $14::bigint is not null
                on conflict (sid, inode) do update set refs = open_file.refs + 1)`,
    [
      f.parent, f.name, f.type, f.mode, f.uid, f.gid, f.rdev, f.now, f.nlink, f.length, f.target ?? null, f.parentNlinkDelta, f.skipNs,
      f.openBySession ?? null, f.trusted, f.gids, f.inheritFlags, f.refuseFlags, f.trashInode, f.setgidBit, f.space,
    ],
    log,
    // Referencing u runs the charge (usage, limits, quotas, directory statistics: store/quotas.ts).
    nodeResult('n', 'n.*, (select count(*) from u) as charged'),
  );
  return { attr: resultAttr(rows), check };
}

/** What the fast link checks and writes (linkFast): the request's side; the rows are read under the locks. */
export interface FastLink {
  inode: bigint;
  parent: bigint;
  name: Buffer;
  now: bigint;
  skipNs: bigint;
  /** The caller passes permission checks without them (root, or a kernel that checked). */
  trusted: boolean;
  uid: number;
  /** The caller's groups (primary first). */
  gids: number[];
  /** Flags of the node that refuse a link (immutable, append-only). */
  nodeRefuseFlags: number;
  /** Flags of the directory that refuse a new entry (immutable). */
  dirRefuseFlags: number;
  trashInode: bigint;
  space: bigint;
}

/**
 * Link's plain case in one statement, sent right behind the locks of the node
 * and the directory (lockMixed) with COMMIT: both rows and the name are read
 * under the locks; when the node is no directory and neither immutable nor
 * append-only, the directory is outside the trash, not immutable, grants
 * write and search by its mode bits (no access ACL) and has no such entry,
 * the entry is added, the node gets its link (parent 0, as the ordinary
 * path), the directory's quotas and statistics count it and its times move.
 * Anything else writes nothing and declines (fsmeta_fallback) to the
 * ordinary path, which decides the errno.
 */
export async function linkFast(tx: Tx, f: FastLink, log: OutcomeLog): Promise<{ attr?: Attr; check?: SessionCheck }> {
  const { rows, check } = await runWrite<NodeRow & { inode: bigint | null }>(
    tx,
    'link-fast',
    `pl as (select n.inode, n.type, n.length,
                   ${accountedSpaceSql('n', '$12')} as space
              from node n, node d
             where n.inode = $1 and n.type <> 2 and (n.flags & $9) = 0
               and d.inode = $2 and d.type = 2 and d.inode < $11 and d.parent <= $11 and (d.flags & $10) = 0
               and ${grantsWriteSearchSql('d', '$6', '$7', '$8')}
               and not exists (select 1 from edge where parent = $2 and name = $3)),
          e as (insert into edge (parent, name, inode, type) select $2, $3, pl.inode, pl.type from pl),
          n as (update node set parent = 0, nlink = node.nlink + 1, ctime_ns = $4 from pl where node.inode = pl.inode
                returning ${nodeColumns('node')}),
          u as (select fsmeta_charge(null, null, 0, 0, array[$2::bigint], pl.space, 1, case when pl.type = 1 then pl.length else 0 end,
                                     case when pl.type = 3 then 1 else 0 end) as c from pl),
          t as (update node set mtime_ns = greatest(mtime_ns, $4), ctime_ns = greatest(ctime_ns, $4)
                 where inode = $2 and exists (select 1 from pl) and mtime_ns < $4::bigint - $5::bigint)`,
    [f.inode, f.parent, f.name, f.now, f.skipNs, f.trusted, f.uid, f.gids, f.nodeRefuseFlags, f.dirRefuseFlags, f.trashInode, f.space],
    log,
    // Referencing u runs the charge.
    nodeResult('n', 'n.*, (select count(*) from u) as charged'),
  );
  return { attr: resultAttr(rows), check };
}

/** The lock lockParentForCreate takes, alone and without waiting for its answer (insertEntryFast reads the rest). */
export async function lockParentOnly(tx: Tx, parent: bigint, strength: LockStrength): Promise<void> {
  if (strength === 'update') await tx.send('select 1 from node where inode = $1 for update', [parent], 'lock-parent-u');
  else await tx.send('select pg_advisory_xact_lock_shared($1)', [parent], 'lock-parent-ks');
}

/** An entry's locks and what the removals read under them (lockEntry). */
export interface LockedEntry {
  rows: Map<bigint, Attr>;
  entry?: { inode: bigint; type: FileType };
  /** The entry's node is open somewhere. */
  open: boolean;
  /** The entry's node has children. */
  hasChildren: boolean;
}

const LOCK_ENTRY_SQL = 'select inode, type from fsmeta_lock_entry($1, $2, $3::bigint[], $4::bigint[])';

/**
 * Finds an entry and locks its node FOR UPDATE together with `update` and
 * `share` (FOR KEY SHARE), in ascending order, until the entry is stable
 * (fsmeta_lock_entry, migration 0012: a directory's exclusive advisory lock
 * first, which waits out creates holding it shared and keeps new ones out).
 * The statement behind it, sent at once (one round trip where the transaction
 * pipelines) and run once the locks are granted, reads the locked rows and
 * whether the entry's node is open anywhere or has children.
 */
export async function lockEntry(tx: Tx, parent: bigint, name: Buffer, update: bigint[], share: bigint[]): Promise<LockedEntry> {
  const locking = quiet(
    tx.query<{ inode: bigint; type: number }>(LOCK_ENTRY_SQL, [parent, name, update, share], 'lock-entry'),
  );
  const reading = quiet(
    tx.query<NodeRow & { open: boolean; has_children: boolean }>(
      `with e as (select inode from edge where parent = $1 and name = $2)
       select ${NODE_SELECT},
              exists (select 1 from open_file o where o.inode = node.inode) as open,
              exists (select 1 from edge c where c.parent = node.inode) as has_children
         from node where inode = any($3::bigint[] || (select inode from e))`,
      [parent, name, [...update, ...share]],
      'locked-entry',
    ),
  );
  const found = (await locking)[0];
  const read = await reading;
  const rows = new Map(read.map((r) => [r.inode, rowToAttr(r)]));
  if (found === undefined) return { rows, open: false, hasChildren: false };
  const node = read.find((r) => r.inode === found.inode);
  return { rows, entry: { inode: found.inode, type: found.type as FileType }, open: node?.open ?? false, hasChildren: node?.has_children ?? false };
}

export interface EntryRemoval {
  parent: bigint;
  name: Buffer;
  /** The node the entry named, locked by the caller. */
  node: Attr;
  /** Keep the node (other links left, or open somewhere) with this nlink; undefined deletes it. */
  keepNlink?: number;
  now: bigint;
  /** Change of the parent's nlink (-1 for a directory). */
  parentNlinkDelta: number;
  skipNs: bigint;
}

/**
 * Unlink's and Rmdir's writes in one statement: the entry goes; the node either
 * keeps going with one link less or is deleted with its xattrs and symlink
 * target, its space and inode given back and, for a regular file, its data
 * queued for release; the parent's nlink and (coalesced) times change.
 */
export async function removeEntry(tx: Tx, r: EntryRemoval, space: bigint, log?: OutcomeLog): Promise<SessionCheck | undefined> {
  const drop = r.keepNlink === undefined;
  const { check } = await runWrite(
    tx,
    'remove-entry',
    `de as (delete from edge where parent = $1 and name = $2),
          kn as (update node set nlink = $4, ctime_ns = $5 where inode = $3 and not $6::boolean),
          dn as (delete from node where inode = $3 and $6::boolean),
          dx as (delete from xattr where inode = $3 and $6::boolean),
          ds as (delete from symlink where inode = $3 and $6::boolean),
          q as (insert into file_release (inode) select $3 where $6::boolean and $7::boolean on conflict do nothing),
          u as (select fsmeta_charge($11, $12, case when $6::boolean then -$8::bigint else 0 end, case when $6::boolean then -1 else 0 end,
                                     array[$1::bigint], -$8::bigint, -1, -$13::bigint, case when $15::boolean then -1 else 0 end) as c),
          dq as (delete from quota where kind = 1 and key = $3 and $6::boolean and $14::boolean),
          dd as (delete from dir_stat where inode = $3 and $6::boolean and $14::boolean),
          p as (update node set nlink = nlink + $9, mtime_ns = greatest(mtime_ns, $5), ctime_ns = greatest(ctime_ns, $5)
                 where inode = $1 and ($9::bigint <> 0 or mtime_ns < $5::bigint - $10::bigint))`,
    [
      r.parent, r.name, r.node.inode, r.keepNlink ?? 0, r.now, drop, r.node.type === 1, space, r.parentNlinkDelta, r.skipNs,
      r.node.uid, r.node.gid, r.node.type === 1 ? r.node.length : 0n, r.node.type === 2, r.node.type === 3,
    ],
    log,
    // Referencing u runs the charge; a removed directory takes its quota and statistics with it.
    { select: '(select count(*) from u) as charged' },
  );
  return check;
}

/** What the fast removal checks and writes (removeEntryFast): the request's side; the rows are read under the locks. */
export interface FastRemoval {
  parent: bigint;
  name: Buffer;
  /** Rmdir (the entry must be an empty directory) rather than Unlink (it must be no directory). */
  dir: boolean;
  now: bigint;
  skipNs: bigint;
  /** The caller passes permission checks without them (root, or a kernel that checked). */
  trusted: boolean;
  uid: number;
  /** The caller's groups (primary first). */
  gids: number[];
  /** Flags that refuse a removal, on the directory or the node (immutable, append-only). */
  refuseFlags: number;
  /** The sticky bit: a sticky directory's ownership rule is left to the ordinary path. */
  stickyBit: number;
  trashInode: bigint;
  space: bigint;
}

/**
 * Unlink's and Rmdir's plain case in one statement, sent right behind the
 * entry's locks (lockEntrySent) with COMMIT: the entry, its node and the
 * directory are read under those locks and removeEntry's writes made from
 * them, when the entry is of the kind asked for (an empty directory, or no
 * directory), the directory grants write and search by its mode bits (no
 * access ACL), neither is immutable or append-only, the directory is not
 * sticky, outside the trash, and the volume keeps no trash. Anything else
 * writes nothing and declines (fsmeta_fallback): the ordinary path runs,
 * decides the errno and does the rest. The last link of a file open anywhere
 * keeps its node (nlink 0), as there. Only the entry the locks found is
 * removed (fsmeta.locked_entry, migration 0015): one created since, whose
 * node this transaction holds no lock on, declines too.
 */
export async function removeEntryFast(tx: Tx, f: FastRemoval, log: OutcomeLog): Promise<SessionCheck | undefined> {
  const { check } = await runWrite(
    tx,
    'remove-entry-fast',
    `pl as (select n.inode, n.type, n.uid, n.gid, n.nlink, n.length,
                   not $12::boolean and (n.nlink > 1 or (n.type = 1 and exists (select 1 from open_file o where o.inode = n.inode))) as keep,
                   ${accountedSpaceSql('n', '$11')} as space
              from node d, edge e, node n
             where d.inode = $1 and d.type = 2 and d.inode < $10 and d.parent <= $10 and (d.flags & $8) = 0 and (d.mode & $9) = 0
               and ${grantsWriteSearchSql('d', '$5', '$6', '$7')}
               and e.parent = $1 and e.name = $2 and (e.type = 2) = $12::boolean
               and n.inode = e.inode and (n.type = 2) = $12::boolean and (n.flags & $8) = 0
               and n.inode = nullif(current_setting('fsmeta.locked_entry', true), '')::bigint
               and not ($12::boolean and exists (select 1 from edge c where c.parent = n.inode))
               and coalesce((select (value->>'trashDays')::bigint from setting where name = 'format'), 0) <= 0),
          de as (delete from edge where parent = $1 and name = $2 and exists (select 1 from pl)),
          kn as (update node set nlink = pl.nlink - 1, ctime_ns = $3 from pl where node.inode = pl.inode and pl.keep),
          dn as (delete from node using pl where node.inode = pl.inode and not pl.keep),
          dx as (delete from xattr using pl where xattr.inode = pl.inode and not pl.keep),
          ds as (delete from symlink using pl where symlink.inode = pl.inode and not pl.keep),
          q as (insert into file_release (inode) select inode from pl where not keep and type = 1 on conflict do nothing),
          u as (select fsmeta_charge(pl.uid, pl.gid, case when pl.keep then 0 else -pl.space end, case when pl.keep then 0 else -1 end,
                                     array[$1::bigint], -pl.space, -1, case when pl.type = 1 then -pl.length else 0 end,
                                     case when pl.type = 3 then -1 else 0 end) as c from pl),
          dq as (delete from quota using pl where quota.kind = 1 and quota.key = pl.inode and pl.type = 2),
          dd as (delete from dir_stat using pl where dir_stat.inode = pl.inode and pl.type = 2),
          p as (update node set nlink = nlink - case when $12::boolean then 1 else 0 end,
                                mtime_ns = greatest(mtime_ns, $3), ctime_ns = greatest(ctime_ns, $3)
                 where inode = $1 and exists (select 1 from pl) and ($12::boolean or mtime_ns < $3::bigint - $4::bigint))`,
    [f.parent, f.name, f.now, f.skipNs, f.trusted, f.uid, f.gids, f.refuseFlags, f.stickyBit, f.trashInode, f.space, f.dir],
    log,
    // Referencing u runs the charge.
    { select: '(select count(*) from u) as charged', finalIf: 'exists (select 1 from pl)' },
  );
  return check;
}

/** lockEntry's locks alone, sent without waiting for them (removeEntryFast reads the rows itself). */
export async function lockEntrySent(tx: Tx, parent: bigint, name: Buffer, update: bigint[], share: bigint[]): Promise<void> {
  await tx.send(LOCK_ENTRY_SQL, [parent, name, update, share], 'lock-entry');
}

type EdgeRef = { inode: bigint; type: FileType } | undefined;

/**
 * Rename's locks (fsmeta_lock_rename, migration 0013): both entries read; a
 * destination directory's exclusive advisory lock (as Rmdir) and, for a
 * directory moving to another parent, the cluster-wide directory-move lock
 * (Linux's s_vfs_rename_mutex), both before any row lock; then both parents
 * and both entries' nodes FOR UPDATE in one ascending statement, until both
 * entries are stable. The statement behind it, sent at once (one round trip
 * where the transaction pipelines), reads the locked rows.
 */
export async function lockRename(
  tx: Tx,
  p1: bigint,
  n1: Buffer,
  p2: bigint,
  n2: Buffer,
  exchange: boolean,
): Promise<{ rows: Map<bigint, Attr>; src: EdgeRef; dst: EdgeRef }> {
  const locking = quiet(
    tx.query<{ which: number; inode: bigint; type: number }>(
      'select which, inode, type from fsmeta_lock_rename($1, $2, $3, $4, $5)',
      [p1, n1, p2, n2, exchange],
      'lock-rename',
    ),
  );
  const reading = quiet(
    tx.query<NodeRow>(
      `select ${NODE_SELECT} from node
        where inode = any(array[$1, $3,
                                (select inode from edge where parent = $1 and name = $2),
                                (select inode from edge where parent = $3 and name = $4)])`,
      [p1, n1, p2, n2],
      'locked-rename',
    ),
  );
  const out: [EdgeRef, EdgeRef] = [undefined, undefined];
  for (const r of await locking) out[r.which] = { inode: r.inode, type: r.type as FileType };
  const rows = new Map((await reading).map((r) => [r.inode, rowToAttr(r)]));
  return { rows, src: out[0], dst: out[1] };
}

/**
 * The plain rename's locks (renameFast), sent without waiting for them: both
 * parents and the source entry's node FOR UPDATE in one ascending statement,
 * plain SQL rather than fsmeta_lock_rename's loop (its PL/pgSQL call cost
 * about as much as its statements). No re-read until stable and no
 * directory-move lock: the entry it locked is left in fsmeta.locked_src (''
 * if none, or if its node went meanwhile), and renameFast declines unless the
 * entry still names that node, and for any directory changing parents or any
 * destination entry; the ordinary path (lockRename) then does it all.
 */
export async function lockRenameSent(tx: Tx, p1: bigint, n1: Buffer, p2: bigint): Promise<void> {
  await tx.send(
    `with s as materialized (select inode from edge where parent = $1 and name = $2),
          l as materialized (select inode from node where inode = any(array[$1, $3, (select inode from s)]) order by inode for update)
     select (select count(*) from l) as locked,
            set_config('fsmeta.locked_src', coalesce((select s.inode::text from s where s.inode in (select inode from l)), ''), true) as src`,
    [p1, n1, p2],
    'lock-rename-plain',
  );
}

/** What the fast rename checks and writes (renameFast): the request's side; the rows are read under the locks. */
export interface FastRename {
  parentSrc: bigint;
  nameSrc: Buffer;
  parentDst: bigint;
  nameDst: Buffer;
  now: bigint;
  skipNs: bigint;
  /** The caller passes permission checks without them (root, or a kernel that checked). */
  trusted: boolean;
  uid: number;
  /** The caller's groups (primary first). */
  gids: number[];
  /** Flags that refuse the move, on the source directory or the node (immutable, append-only). */
  srcRefuseFlags: number;
  /** Flags of the destination directory that refuse a new entry (immutable). */
  dstRefuseFlags: number;
  /** The sticky bit: a sticky source directory's ownership rule is left to the ordinary path. */
  stickyBit: number;
  trashInode: bigint;
}

/**
 * Rename's plain case in one statement, sent right behind its locks
 * (lockRenameSent) with COMMIT: both directories, the source entry and its
 * node are read under those locks, and moveEntry's writes made from them,
 * when both directories are outside the trash, grant write and search by
 * their mode bits (no access ACL), the source directory is neither sticky,
 * immutable nor append-only, the destination not immutable, the node neither
 * immutable nor append-only, no directory if it changes parents (no cycle
 * check, no ".." to rewrite, no quota tree to recount), and the destination
 * name is free. Anything else writes nothing and declines (fsmeta_fallback):
 * the ordinary path decides the errno and does the rest (a replaced entry, an
 * exchange). Only the source the locks found moves (fsmeta.locked_src).
 */
export async function renameFast(tx: Tx, f: FastRename, log: OutcomeLog): Promise<{ attr?: Attr; check?: SessionCheck }> {
  const { rows, check } = await runWrite<NodeRow & { inode: bigint | null }>(
    tx,
    'rename-fast',
    `pl as (select n.inode, n.type
              from node ps, node pd, edge e, node n
             where ps.inode = $1 and ps.type = 2 and ps.inode < $13 and ps.parent <= $13 and (ps.flags & $10) = 0 and (ps.mode & $12) = 0
               and ${grantsWriteSearchSql('ps', '$7', '$8', '$9')}
               and pd.inode = $3 and pd.type = 2 and pd.inode < $13 and pd.parent <= $13 and (pd.flags & $11) = 0
               and ${grantsWriteSearchSql('pd', '$7', '$8', '$9')}
               and e.parent = $1 and e.name = $2 and n.inode = e.inode and (n.flags & $10) = 0
               and n.inode = nullif(current_setting('fsmeta.locked_src', true), '')::bigint
               and n.inode <> $1 and n.inode <> $3 and ($1 = $3 or n.type <> 2)
               and not ($1 = $3 and $2 = $4)
               and not exists (select 1 from edge where parent = $3 and name = $4)),
          de as (delete from edge where parent = $1 and name = $2 and exists (select 1 from pl)),
          ie as (insert into edge (parent, name, inode, type) select $3, $4, pl.inode, pl.type from pl),
          mn as (update node set ctime_ns = $5, parent = case when $1 <> $3 and node.parent <> 0 then $3 else node.parent end
                  from pl where node.inode = pl.inode
                returning ${nodeColumns('node')}),
          ts as (update node set mtime_ns = greatest(mtime_ns, $5), ctime_ns = greatest(ctime_ns, $5)
                  where inode = $1 and $1 <> $3 and exists (select 1 from pl) and mtime_ns < $5::bigint - $6::bigint),
          td as (update node set mtime_ns = greatest(mtime_ns, $5), ctime_ns = greatest(ctime_ns, $5)
                  where inode = $3 and exists (select 1 from pl) and mtime_ns < $5::bigint - $6::bigint),
          qa as (select fsmeta_move($1, $3, pl.inode, false) as ok from pl)`,
    [
      f.parentSrc, f.nameSrc, f.parentDst, f.nameDst, f.now, f.skipNs, f.trusted, f.uid, f.gids, f.srcRefuseFlags, f.dstRefuseFlags, f.stickyBit,
      f.trashInode,
    ],
    log,
    // Referencing qa moves the entry's share of quotas and statistics (for a non-directory it never needs a recount).
    { ...nodeResult('mn', 'mn.*'), finalIf: 'exists (select 1 from mn) and (select ok from qa)' },
  );
  return { attr: resultAttr(rows), check };
}

/**
 * A plain move (no entry replaced) in one statement: the source entry goes,
 * the destination entry appears, the moved node gets its new ctime and
 * parent, and both parents their nlink change and (coalesced) times; the
 * entry's share of quotas and directory statistics moves (fsmeta_move, which
 * answers `accounted` false when a directory changes quota trees without
 * `mayRecount`: the caller rolls back and starts over under the exclusive
 * structure lock).
 */
export async function moveEntry(
  tx: Tx,
  m: {
    parentSrc: bigint;
    nameSrc: Buffer;
    parentDst: bigint;
    nameDst: Buffer;
    moved: Attr;
    srcNlink: number;
    dstNlink: number;
    now: bigint;
    skipNs: bigint;
    /** The source parent's coalescing window, when it differs (a trash hour directory is never touched). */
    skipSrcNs?: bigint;
    mayRecount: boolean;
  },
  log?: OutcomeLog,
): Promise<{ check?: SessionCheck; accounted: boolean }> {
  const { rows, check } = await runWrite<{ accounted: boolean }>(
    tx,
    'move-entry',
    `de as (delete from edge where parent = $1 and name = $2),
          ie as (insert into edge (parent, name, inode, type) values ($3, $4, $5, $6)),
          mn as (update node set ctime_ns = $7, parent = $8 where inode = $5),
          ps as (update node set nlink = nlink + $9, mtime_ns = greatest(mtime_ns, $7), ctime_ns = greatest(ctime_ns, $7)
                  where inode = $1 and $1 <> $3 and ($9::bigint <> 0 or mtime_ns < $7::bigint - $12::bigint)),
          pd as (update node set nlink = nlink + $10, mtime_ns = greatest(mtime_ns, $7), ctime_ns = greatest(ctime_ns, $7)
                  where inode = $3 and ($10::bigint <> 0 or mtime_ns < $7::bigint - $11::bigint)),
          qa as (select fsmeta_move($1, $3, $5, $13) as ok)`,
    [
      m.parentSrc, m.nameSrc, m.parentDst, m.nameDst, m.moved.inode, m.moved.type, m.now, m.moved.parent, m.srcNlink, m.dstNlink, m.skipNs,
      m.skipSrcNs ?? m.skipNs, m.mayRecount,
    ],
    log,
    { select: '(select ok from qa) as accounted', finalIf: '(select ok from qa) is not false' },
  );
  return { check, accounted: rows[0]?.accounted !== false };
}
