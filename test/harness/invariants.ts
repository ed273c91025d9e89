import { Client } from 'pg';

const SPACE_UNIT = 4096n;
const TYPE_FILE = 1;
const TYPE_DIRECTORY = 2;
/** The trash root (JuiceFS TrashInode): like the root, no entry names it and it does not count in the totals. */
const TRASH_INODE = 0x7fff_ffff_1000_0000n;
const TRASH = TRASH_INODE.toString();

function align4K(length: bigint): bigint {
  return length <= 0n ? SPACE_UNIT : ((length + SPACE_UNIT - 1n) / SPACE_UNIT) * SPACE_UNIT;
}

interface NodeRow {
  inode: string;
  type: number;
  nlink: string;
  parent: string;
  length: string;
}
interface EdgeRow {
  parent: string;
  name: Buffer;
  inode: string;
  type: number;
}

/**
 * Reads the whole namespace straight from PostgreSQL and returns every
 * violated invariant (empty when all hold): directory nlink = 2 + subdirs;
 * file nlink = its entries (0 only while open); every node reachable from the
 * root exactly along its entries; no cycles, orphans or dangling entries;
 * used space and inode totals equal to a full recount. The trash root and its
 * hour directories are directories whose nlink does not count subdirectories
 * (as JuiceFS); the trash is reached from its own root.
 */
export async function checkInvariants(databaseUrl: string): Promise<string[]> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const nodes = (await c.query<NodeRow>('select inode::text, type, nlink::text, parent::text, length::text from node')).rows;
    const edges = (await c.query<EdgeRow>('select parent::text, name, inode::text, type from edge')).rows;
    const open = new Set((await c.query<{ inode: string }>('select distinct inode::text from open_file')).rows.map((r) => r.inode));
    const usage = (await c.query<{ space: string; inodes: string }>('select sum(space)::text as space, sum(inodes)::text as inodes from usage_shard')).rows[0]!;
    const problems: string[] = [];
    const byInode = new Map(nodes.map((n) => [n.inode, n]));
    const children = new Map<string, EdgeRow[]>();
    const linksTo = new Map<string, EdgeRow[]>();
    for (const e of edges) {
      if (!children.has(e.parent)) children.set(e.parent, []);
      children.get(e.parent)!.push(e);
      if (!linksTo.has(e.inode)) linksTo.set(e.inode, []);
      linksTo.get(e.inode)!.push(e);
      const target = byInode.get(e.inode);
      if (target === undefined) problems.push(`entry ${e.parent}/${e.name.toString('hex')} points at missing inode ${e.inode}`);
      else if (target.type !== e.type) problems.push(`entry type of ${e.inode} differs from its node`);
      const parent = byInode.get(e.parent);
      if (parent === undefined || parent.type !== TYPE_DIRECTORY) problems.push(`entry under non-directory ${e.parent}`);
    }
    let space = 0n;
    let inodes = 0n;
    for (const n of nodes) {
      const links = linksTo.get(n.inode) ?? [];
      if (n.inode !== '1' && n.inode !== TRASH) {
        space += n.type === TYPE_FILE ? align4K(BigInt(n.length)) : SPACE_UNIT;
        inodes += 1n;
      }
      if (n.type === TYPE_DIRECTORY) {
        const subdirs = (children.get(n.inode) ?? []).filter((e) => e.type === TYPE_DIRECTORY).length;
        const trashDir = BigInt(n.inode) >= TRASH_INODE;
        if (!trashDir && Number(n.nlink) !== 2 + subdirs) problems.push(`dir ${n.inode} nlink ${n.nlink} != 2 + ${subdirs}`);
        if (n.inode !== '1' && n.inode !== TRASH) {
          if (links.length !== 1) problems.push(`dir ${n.inode} has ${links.length} entries`);
          else if (links[0]!.parent !== n.parent) problems.push(`dir ${n.inode} parent ${n.parent} but entry in ${links[0]!.parent}`);
        }
      } else {
        if (Number(n.nlink) !== links.length) problems.push(`inode ${n.inode} nlink ${n.nlink} != ${links.length} entries`);
        if (links.length === 0 && !open.has(n.inode)) problems.push(`orphan inode ${n.inode}: no entry and not open`);
        if (n.parent !== '0' && links.length > 0 && !links.some((e) => e.parent === n.parent)) {
          problems.push(`inode ${n.inode} parent ${n.parent} holds none of its entries`);
        }
      }
    }
    // Reachability and acyclicity: a walk from the root must visit every directory once.
    const seen = new Set<string>(['1', TRASH]);
    const stack = ['1', TRASH];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      for (const e of children.get(dir) ?? []) {
        if (e.type !== TYPE_DIRECTORY) {
          seen.add(e.inode);
          continue;
        }
        if (seen.has(e.inode)) {
          problems.push(`directory ${e.inode} reached twice (cycle or second link)`);
          continue;
        }
        seen.add(e.inode);
        stack.push(e.inode);
      }
    }
    for (const n of nodes) {
      if (!seen.has(n.inode) && !(Number(n.nlink) === 0 && open.has(n.inode))) problems.push(`inode ${n.inode} unreachable from the root`);
    }
    if (BigInt(usage.inodes ?? '0') !== inodes) problems.push(`inode total ${usage.inodes} != recount ${inodes}`);
    if (BigInt(usage.space ?? '0') !== space) problems.push(`space total ${usage.space} != recount ${space}`);
    return problems;
  } finally {
    await c.end();
  }
}
