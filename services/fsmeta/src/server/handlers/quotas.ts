import type { v1 } from '@fsmeta/proto';
import type { Meta } from '../../meta';
import { InvalidArgument } from '../../meta/errors';
import type { SummaryEntry } from '../../meta/dir-stats';
import type { QuotaRow } from '../../meta/quotas';
import { FILE_TYPE_NAMES, i64, inodeArg, opContext, u64 } from '../convert';
import type { MetaImpl } from './types';

const KIND_FROM_WIRE: Record<string, number> = {
  QUOTA_KIND_UNSPECIFIED: 0,
  QUOTA_KIND_DIRECTORY: 1,
  QUOTA_KIND_USER: 2,
  QUOTA_KIND_GROUP: 3,
};
const KIND_TO_WIRE: Record<number, v1.QuotaKind__Output> = {
  1: 'QUOTA_KIND_DIRECTORY',
  2: 'QUOTA_KIND_USER',
  3: 'QUOTA_KIND_GROUP',
};

function kindArg(kind: string, field: string, allowAll = false): number {
  const k = KIND_FROM_WIRE[kind];
  if (k === undefined || (k === 0 && !allowAll)) throw new InvalidArgument(field, 'QUOTA_KIND_DIRECTORY, QUOTA_KIND_USER or QUOTA_KIND_GROUP');
  return k;
}

/** A directory quota's key is an inode (never 0); a user or group quota's a uid / gid. */
function keyArg(kind: number, key: string, field: string): bigint {
  return kind === 1 ? inodeArg(key, field) : u64(key, field);
}

function entryToWire(e: SummaryEntry): v1.SummaryEntry {
  return {
    inode: e.inode.toString(),
    name: e.name,
    type: FILE_TYPE_NAMES[e.type],
    length: e.length.toString(),
    size: e.size.toString(),
    files: e.files.toString(),
    dirs: e.dirs.toString(),
    symlinks: e.symlinks.toString(),
    children: e.children.map(entryToWire),
  };
}

function quotaToWire(q: QuotaRow): v1.Quota {
  return {
    kind: KIND_TO_WIRE[q.kind],
    key: q.key.toString(),
    maxSpace: q.maxSpace.toString(),
    maxInodes: q.maxInodes.toString(),
    usedSpace: q.usedSpace.toString(),
    usedInodes: q.usedInodes.toString(),
  };
}

export function quotaHandlers(meta: Meta): MetaImpl {
  const { quotas, dirStats } = meta;
  return {
    async SetQuota(req) {
      const ctx = opContext(req.ctx);
      if (req.quota === null) throw new InvalidArgument('quota', 'required');
      const kind = kindArg(req.quota.kind, 'quota.kind');
      const q = await quotas.setQuota(ctx, {
        kind: kind as 1 | 2 | 3,
        key: keyArg(kind, req.quota.key, 'quota.key'),
        maxSpace: i64(req.quota.maxSpace, 'quota.max_space'),
        maxInodes: i64(req.quota.maxInodes, 'quota.max_inodes'),
      });
      return { quota: quotaToWire(q) };
    },
    async GetQuota(req) {
      opContext(req.ctx);
      const kind = kindArg(req.kind, 'kind');
      return { quota: quotaToWire(await quotas.getQuota(kind, keyArg(kind, req.key, 'key'))) };
    },
    async DeleteQuota(req) {
      const ctx = opContext(req.ctx);
      const kind = kindArg(req.kind, 'kind');
      await quotas.deleteQuota(ctx, kind, keyArg(kind, req.key, 'key'));
      return {};
    },
    async ListQuotas(req) {
      opContext(req.ctx);
      return { quotas: (await quotas.listQuotas(kindArg(req.kind, 'kind', true))).map(quotaToWire) };
    },
    async GetDirStat(req) {
      const s = await dirStats.getDirStat(opContext(req.ctx), inodeArg(req.inode, 'inode'));
      return { length: s.length.toString(), space: s.space.toString(), inodes: s.inodes.toString() };
    },
    async GetSummary(req) {
      const inode = inodeArg(req.inode, 'inode');
      const s = await dirStats.getSummary(opContext(req.ctx), inode, req.recursive);
      // getSummary checked access to the directory; a file has no tree.
      const children = s.dirs > 0n ? await dirStats.tree(inode, req.depth, req.topN) : [];
      return {
        length: s.length.toString(), size: s.size.toString(), files: s.files.toString(), dirs: s.dirs.toString(), symlinks: s.symlinks.toString(),
        children: children.map(entryToWire),
      };
    },
  };
}
