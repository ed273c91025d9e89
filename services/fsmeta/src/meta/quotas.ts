import type { Tx } from '../store/db';
import {
  KIND_DIRECTORY,
  KIND_GROUP,
  KIND_USER,
  charge,
  deleteQuota,
  dirQuotasOver,
  getQuota,
  linkParents,
  listQuotas,
  ownerUsage,
  putQuota,
  quotaDrift,
  repairQuotaUsage,
  subtreeUsage,
  type QuotaDrift,
  type QuotaKind,
  type QuotaRow,
} from '../store/quotas';
import { getNode } from '../store/nodes';
import type { MetaDeps } from './deps';
import { InvalidArgument, fail } from './errors';
import { mutate } from './mutation';
import { ROOT_INODE, TYPE_DIRECTORY, align4K, type Attr, type OpContext } from './types';

export { KIND_DIRECTORY, KIND_GROUP, KIND_USER, type QuotaDrift, type QuotaKind, type QuotaRow };

/** The directories whose entries name `node`, once per entry: none once it has no link left. */
export async function entryDirs(tx: Tx, node: Attr): Promise<bigint[]> {
  if (node.nlink === 0) return [];
  return node.parent !== 0n ? [node.parent] : linkParents(tx, node.inode);
}

/** Charges a regular file's length change (Truncate, Fallocate, CopyFileRange): align4K growth, as baseMeta. */
export async function chargeLength(tx: Tx, node: Attr, length: bigint): Promise<void> {
  const space = align4K(length) - align4K(node.length);
  const dl = length - node.length;
  if (space === 0n && dl === 0n) return;
  await charge(tx, { uid: node.uid, gid: node.gid, space, inodes: 0n, dirs: await entryDirs(tx, node), dirSpace: space, dirLength: dl });
}

/** Gives back a deleted inode's space and inode to the volume and its owner's quotas (its entries were charged when they went). */
export async function chargeDeleted(tx: Tx, node: Attr, space: bigint): Promise<void> {
  await charge(tx, { uid: node.uid, gid: node.gid, space: -space, inodes: -1n });
}

/** The trash's inodes start here (JuiceFS TrashInode, meta/trash.ts); nothing in the trash is under a directory quota. */
const TRASH_FIRST_INODE = 0x7fff_ffff_1000_0000n;

export interface FsTotals {
  totalSpace: bigint;
  availSpace: bigint;
  usedInodes: bigint;
  availInodes: bigint;
}

/**
 * As statRootFs's last step: the directory quotas over `inode` narrow what StatFS reports. Avail
 * is the least room any of them leaves; total and used inodes are the nearest one's.
 */
export async function narrowByQuotas(q: Tx, inode: bigint, s: FsTotals): Promise<FsTotals> {
  let dir = inode;
  if (dir > ROOT_INODE) {
    const node = await getNode(q, dir);
    if (node !== undefined && node.type !== TYPE_DIRECTORY) dir = node.parent !== 0n ? node.parent : ROOT_INODE;
  }
  const keys = await dirQuotasOver(q, dir <= 0n ? ROOT_INODE : dir);
  if (keys.length === 0) return s;
  let { availSpace, availInodes } = s;
  let nearest: QuotaRow | undefined;
  for (const key of keys) {
    const quota = await getQuota(q, KIND_DIRECTORY, key);
    if (quota === undefined) continue;
    const usedSpace = quota.usedSpace < 0n ? 0n : quota.usedSpace;
    const usedInodes = quota.usedInodes < 0n ? 0n : quota.usedInodes;
    const maxSpace = quota.maxSpace > 0n && quota.maxSpace < usedSpace ? usedSpace : quota.maxSpace;
    const maxInodes = quota.maxInodes > 0n && quota.maxInodes < usedInodes ? usedInodes : quota.maxInodes;
    nearest ??= { ...quota, usedSpace, usedInodes };
    if (maxSpace > 0n && maxSpace - usedSpace < availSpace) availSpace = maxSpace - usedSpace;
    if (maxInodes > 0n && maxInodes - usedInodes < availInodes) availInodes = maxInodes - usedInodes;
  }
  if (nearest === undefined) return s;
  return { totalSpace: nearest.usedSpace + availSpace, availSpace, usedInodes: nearest.usedInodes, availInodes };
}

export interface QuotaSpec {
  kind: QuotaKind;
  key: bigint;
  maxSpace: bigint;
  maxInodes: bigint;
}

function checkKind(kind: number): QuotaKind {
  if (kind !== KIND_DIRECTORY && kind !== KIND_USER && kind !== KIND_GROUP) {
    throw new InvalidArgument('kind', 'QUOTA_KIND_DIRECTORY, QUOTA_KIND_USER or QUOTA_KIND_GROUP');
  }
  return kind;
}

/**
 * Quotas (baseMeta.HandleQuota): directory quotas count the whole subtree under the directory (not
 * the directory itself) per entry; user and group quotas count every inode their uid / gid owns.
 * Limits <= 0 are unlimited. Changes to which quotas exist run under the exclusive structure lock
 * (store/quotas.ts), so a new quota's usage is an exact recount and no mutation is in flight.
 */
export class Quotas {
  constructor(private readonly deps: MetaDeps) {}

  /** As handleQuotaSet: creating a quota computes the usage already there; changing one keeps its usage. Root only. */
  setQuota(ctx: OpContext, spec: QuotaSpec): Promise<QuotaRow> {
    const kind = checkKind(spec.kind);
    if (ctx.caller.uid !== 0) fail('EPERM', 'only root sets quotas');
    return mutate(
      this.deps.db,
      ctx,
      async (tx) => {
        const existing = await getQuota(tx, kind, spec.key);
        let used: { space: bigint; inodes: bigint } | undefined;
        if (existing === undefined) {
          if (kind === KIND_DIRECTORY) {
            if (spec.key >= TRASH_FIRST_INODE) fail('EPERM', 'the trash is under no quota');
            const dir = await getNode(tx, spec.key);
            if (dir === undefined) fail('ENOENT');
            if (dir.type !== TYPE_DIRECTORY) fail('ENOTDIR');
            used = await subtreeUsage(tx, spec.key);
          } else {
            used = await ownerUsage(tx, kind, spec.key);
          }
        }
        await putQuota(tx, kind, spec.key, spec.maxSpace, spec.maxInodes, used);
        return (await getQuota(tx, kind, spec.key))!;
      },
      { structure: () => 'exclusive' },
    );
  }

  async getQuota(kind: number, key: bigint): Promise<QuotaRow> {
    const q = await getQuota(this.deps.db.reader, checkKind(kind), key);
    if (q === undefined) fail('ENOENT', 'no such quota');
    return q;
  }

  deleteQuota(ctx: OpContext, kind: number, key: bigint): Promise<void> {
    const k = checkKind(kind);
    if (ctx.caller.uid !== 0) fail('EPERM', 'only root deletes quotas');
    return mutate(
      this.deps.db,
      ctx,
      async (tx) => {
        if (!(await deleteQuota(tx, k, key))) fail('ENOENT', 'no such quota');
      },
      { structure: () => 'exclusive' },
    );
  }

  /**
   * The check-and-repair path (`fsmeta quota check [--repair]`, the same recount as fsck's
   * quota-usage check): every quota (or the one named) whose usage differs from a recount; with
   * `repair`, found and set to the recount in one transaction under the exclusive structure lock,
   * so no charge is in flight meanwhile. Returns what differed.
   */
  check(repair: boolean, only?: { kind: QuotaKind; key: bigint }): Promise<QuotaDrift[]> {
    if (!repair) return quotaDrift(this.deps.db.reader, only);
    return this.deps.db.transaction((tx) => repairQuotaUsage(tx, only), { structure: () => 'exclusive' });
  }

  listQuotas(kind: number): Promise<QuotaRow[]> {
    return listQuotas(this.deps.db.reader, kind === 0 ? 0 : checkKind(kind));
  }

}
