import type { Tx } from './db';

/** SQL of subtree confinement (identities with a subdir, docs/security.md). */

/** Deepest directory chain followed upwards; deeper trees are refused rather than walked without end. */
const MAX_DEPTH = 4096;

/** The inode and type a name has in a directory, or undefined. */
export async function lookupEdge(q: Tx, parent: bigint, name: Buffer): Promise<{ inode: bigint; type: number } | undefined> {
  const rows = await q.query<{ inode: bigint; type: number }>('select inode, type from edge where parent = $1 and name = $2', [parent, name]);
  return rows[0];
}

/**
 * Where `inode` stands relative to the subtree rooted at `root`: 'tree' when
 * some chain of links leads up from it to `root` (any hard link inside counts,
 * as a path through it would), 'open' when it is outside (or unlinked) but open
 * in session `sid`, else 'outside'. One recursive statement over edge (index
 * edge_inode); takes no locks.
 */
export async function subtreePlace(q: Tx, root: bigint, inode: bigint, sid: bigint): Promise<'tree' | 'open' | 'outside'> {
  const rows = await q.query<{ place: 'tree' | 'open' | 'outside' }>(
    `with recursive up (inode, depth) as (
       select $2::bigint, 0
       union
       select e.parent, up.depth + 1 from up join edge e on e.inode = up.inode
        where up.inode <> $1 and up.inode <> 1 and up.depth < $4
     )
     select case when exists (select 1 from up where inode = $1) then 'tree'
                 when exists (select 1 from open_file where sid = $3 and inode = $2) then 'open'
                 else 'outside' end as place`,
    [root, inode, sid, MAX_DEPTH],
    'subtree-place',
  );
  return rows[0]!.place;
}

/**
 * Which of `inodes` are inside the subtree at `root` by the rule of
 * subtreePlace (a chain of links up to `root`; `root` itself counts), in one
 * statement for many inodes. Inodes that no longer exist are outside.
 */
export async function insideSubtree(q: Tx, root: bigint, inodes: bigint[]): Promise<Set<bigint>> {
  if (inodes.length === 0) return new Set();
  const rows = await q.query<{ start: bigint }>(
    `with recursive up (start, inode, depth) as (
       select i, i, 0 from unnest($2::bigint[]) as i
       union
       select up.start, e.parent, up.depth + 1 from up join edge e on e.inode = up.inode
        where up.inode <> $1 and up.inode <> 1 and up.depth < $3
     )
     select distinct start from up where inode = $1`,
    [root, inodes, MAX_DEPTH],
    'inside-subtree',
  );
  return new Set(rows.map((r) => r.start));
}
