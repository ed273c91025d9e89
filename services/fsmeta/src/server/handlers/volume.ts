import type { v1 } from '@fsmeta/proto';
import type { Meta } from '../../meta';
import type { AtimeMode } from '../../meta/deps';
import { InvalidArgument } from '../../meta/errors';
import type { DirStatsBuild } from '../../meta/dir-stats';
import type { VolumeFormat } from '../../meta/volume';
import { opContext, u64 } from '../convert';
import type { MetaImpl } from './types';

const ATIME_TO_WIRE: Record<AtimeMode, v1.AtimeMode__Output> = {
  noatime: 'ATIME_MODE_NOATIME',
  relatime: 'ATIME_MODE_RELATIME',
  strictatime: 'ATIME_MODE_STRICTATIME',
};

function atimeFromWire(m: string): AtimeMode {
  switch (m) {
    case 'ATIME_MODE_UNSPECIFIED':
    case 'ATIME_MODE_NOATIME':
      return 'noatime';
    case 'ATIME_MODE_RELATIME':
      return 'relatime';
    case 'ATIME_MODE_STRICTATIME':
      return 'strictatime';
    default:
      throw new InvalidArgument('format.atime_mode', `unknown mode ${m}`);
  }
}

export function formatToWire(f: VolumeFormat): v1.Format {
  return {
    name: f.name,
    uuid: f.uuid,
    blockSizeKib: f.blockSizeKib,
    capacity: f.capacity.toString(),
    inodes: f.inodes.toString(),
    trashDays: f.trashDays,
    dirStats: f.dirStats,
    userGroupQuota: f.userGroupQuota,
    enableAcl: f.enableAcl,
    atimeMode: ATIME_TO_WIRE[f.atimeMode],
    storage: f.storage,
    bucket: f.bucket,
    caseInsensitive: f.caseInsensitive,
  };
}

export function formatFromWire(f: v1.Format__Output | null): VolumeFormat {
  if (f === null) throw new InvalidArgument('format', 'required');
  return {
    name: f.name,
    uuid: '',
    blockSizeKib: f.blockSizeKib,
    capacity: u64(f.capacity, 'format.capacity'),
    inodes: u64(f.inodes, 'format.inodes'),
    trashDays: f.trashDays,
    dirStats: f.dirStats,
    userGroupQuota: f.userGroupQuota,
    enableAcl: f.enableAcl,
    atimeMode: atimeFromWire(f.atimeMode),
    storage: f.storage,
    bucket: f.bucket,
    caseInsensitive: f.caseInsensitive,
  };
}

function buildToWire(b: DirStatsBuild | undefined): v1.DirStatsBuild | null {
  return b === undefined ? null : { done: b.done.toString(), total: b.total.toString() };
}

export function volumeHandlers(meta: Meta): MetaImpl {
  const { volume, dirStats } = meta;
  return {
    async Format(req) {
      const format = formatToWire(await volume.format(formatFromWire(req.format), req.force));
      return { format, dirStatsBuild: buildToWire(await dirStats.buildProgress()) };
    },
    async GetFormat() {
      const format = formatToWire(await volume.requireFormat());
      return { format, dirStatsBuild: buildToWire(await dirStats.buildProgress()) };
    },
    async StatFS(req) {
      opContext(req.ctx);
      const s = await volume.statFs(u64(req.inode, 'inode'));
      return {
        totalSpace: s.totalSpace.toString(),
        availSpace: s.availSpace.toString(),
        usedInodes: s.usedInodes.toString(),
        availInodes: s.availInodes.toString(),
      };
    },
  };
}
