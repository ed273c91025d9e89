import { randomUUID } from 'node:crypto';
import { getUsage, insertNode, getNode, lockNodes } from '../store/nodes';
import { KIND_VOLUME, resetGrants } from '../store/quotas';
import { rebuildDirStats, startDirStatsBuild, stopDirStatsBuild } from '../store/dir-stats';
import { getSetting, lockVolume, putSetting } from '../store/settings';
import type { AtimeMode, MetaDeps } from './deps';
import { FsError, InvalidArgument } from './errors';
import { DEFAULT_BUILD_BATCH } from './dir-stats';
import { narrowByQuotas } from './quotas';
import { ensureTrashRoot } from './trash';
import { DIR_LENGTH, ROOT_INODE, TYPE_DIRECTORY, nowNs } from './types';

export interface VolumeFormat {
  name: string;
  uuid: string;
  blockSizeKib: number;
  capacity: bigint;
  inodes: bigint;
  trashDays: number;
  dirStats: boolean;
  userGroupQuota: boolean;
  enableAcl: boolean;
  atimeMode: AtimeMode;
  storage: string;
  bucket: string;
  /** Case-insensitive names (meta/case.ts); fixed at creation. */
  caseInsensitive: boolean;
}

export interface StatFs {
  totalSpace: bigint;
  availSpace: bigint;
  usedInodes: bigint;
  availInodes: bigint;
}

const FORMAT_KEY = 'format';
export const DEFAULT_BLOCK_SIZE_KIB = 4096;
const MIN_BLOCK_SIZE_KIB = 64;
const MAX_BLOCK_SIZE_KIB = 16384;
const VOLUME_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
/** StatFS without limits: start at 1 PiB and 10 Mi inodes, doubling as usage grows (as JuiceFS statRootFs). */
const VIRTUAL_SPACE = 1n << 50n;
const VIRTUAL_INODES = 10n << 20n;

/** Stored JSON form: bigints as decimal strings. */
type StoredFormat = Omit<VolumeFormat, 'capacity' | 'inodes'> & { capacity: string; inodes: string };

/** The JSON the format setting row holds (bigints as decimal strings). */
export function toStored(f: VolumeFormat): StoredFormat {
  return { ...f, capacity: f.capacity.toString(), inodes: f.inodes.toString() };
}

function fromStored(s: StoredFormat): VolumeFormat {
  // Formats stored before case-insensitive volumes existed are case-sensitive.
  return { ...s, capacity: BigInt(s.capacity), inodes: BigInt(s.inodes), caseInsensitive: s.caseInsensitive ?? false };
}

/** INVALID_ARGUMENT naming the field for a malformed format; settings fsmeta does not support yet are refused, not ignored. */
export function validateFormat(f: VolumeFormat): VolumeFormat {
  if (!VOLUME_NAME.test(f.name)) {
    throw new InvalidArgument('format.name', '3-63 lowercase letters, digits or dashes, not starting or ending with a dash');
  }
  const block = f.blockSizeKib === 0 ? DEFAULT_BLOCK_SIZE_KIB : f.blockSizeKib;
  if (block < MIN_BLOCK_SIZE_KIB || block > MAX_BLOCK_SIZE_KIB || (block & (block - 1)) !== 0) {
    throw new InvalidArgument('format.block_size_kib', 'a power of two between 64 and 16384');
  }
  return { ...f, blockSizeKib: block };
}

function changedSettings(a: VolumeFormat, b: VolumeFormat): string[] {
  return (Object.keys(a) as (keyof VolumeFormat)[]).filter((k) => k !== 'uuid' && a[k] !== b[k]);
}

/** The volume: its format, root directory and totals. */
export class Volume {
  constructor(private readonly deps: MetaDeps) {}

  /**
   * Formats the volume on first call (root directory, settings). On a formatted volume it updates
   * the mutable settings in place, keeping the UUID, as JuiceFS's Init(format, force=false) does
   * (Format.update); the same settings are a no-op. The name, block size and case sensitivity never
   * change, with or without `force` (JuiceFS's force overwrites the first two: fsmeta has no way to
   * rewrite stored data, so `force` changes nothing here and is kept for wire compatibility).
   * `ifAbsent`: a formatted volume is returned as it is (a server's first-start format must not
   * undo settings another replica or an admin set meanwhile).
   */
  async format(spec: VolumeFormat, _force: boolean, ifAbsent = false): Promise<VolumeFormat> {
    const want = validateFormat(spec);
    // Limits and statistics change under the exclusive structure lock: no mutation is in flight (store/quotas.ts).
    return this.deps.db.transaction(async (tx) => {
      await lockVolume(tx);
      const stored = await getSetting<StoredFormat>(tx, FORMAT_KEY);
      if (stored === undefined) {
        const format = { ...want, uuid: randomUUID() };
        await putSetting(tx, FORMAT_KEY, toStored(format));
        await resetGrants(tx, KIND_VOLUME, 0n, format.capacity, format.inodes);
        if (format.dirStats) await rebuildDirStats(tx);
        if (format.trashDays > 0) await ensureTrashRoot(tx);
        if ((await lockNodes(tx, [ROOT_INODE])).size === 0) {
          const now = nowNs();
          await insertNode(tx, {
            inode: ROOT_INODE, type: TYPE_DIRECTORY, flags: 0, mode: 0o777, uid: 0, gid: 0, rdev: 0,
            atimeNs: now, mtimeNs: now, ctimeNs: now, nlink: 2, length: DIR_LENGTH, parent: ROOT_INODE,
          });
        }
        return format;
      }
      const current = fromStored(stored);
      if (ifAbsent || changedSettings(current, want).length === 0) return current;
      // EINVAL (the errno JuiceFS's Init error maps to for a bad format), naming the field.
      const fixed = (field: string, from: unknown, to: unknown, why: string): never => {
        throw new FsError('EINVAL', `format.${field} cannot change (from ${JSON.stringify(from)} to ${JSON.stringify(to)}): ${why}`);
      };
      if (current.name !== want.name) fixed('name', current.name, want.name, 'the volume name is fixed when it is created');
      if (current.blockSizeKib !== want.blockSizeKib) fixed('block_size_kib', current.blockSizeKib, want.blockSizeKib, 'stored data is cut in blocks of this size');
      if (current.caseInsensitive !== want.caseInsensitive) fixed('case_insensitive', current.caseInsensitive, want.caseInsensitive, 'case sensitivity is fixed when a volume is created');
      // As JuiceFS 1.2: ACLs stay on once turned on (inodes may hold ACLs every check must honour).
      if (current.enableAcl && !want.enableAcl) throw new FsError('EINVAL', 'format.enable_acl: ACLs cannot be turned off once on');
      const updated = { ...want, uuid: current.uuid };
      await putSetting(tx, FORMAT_KEY, toStored(updated));
      if (updated.capacity !== current.capacity || updated.inodes !== current.inodes) {
        await resetGrants(tx, KIND_VOLUME, 0n, updated.capacity, updated.inodes);
      }
      // Statistics turned on for a volume with directories: kept by every mutation from this commit,
      // and computed for what is there in batches by the background job (meta/dir-stats.ts build);
      // turned off, a build in progress stops.
      if (updated.dirStats && !current.dirStats) {
        await startDirStatsBuild(tx);
        // A volume of one batch or less (by its used inodes, about its entries) is computed right
        // here: the Format returns with them ready.
        if ((await getUsage(tx)).inodes <= BigInt(this.deps.options.dirStatsBatch ?? DEFAULT_BUILD_BATCH)) await rebuildDirStats(tx);
      }
      if (!updated.dirStats && current.dirStats) await stopDirStatsBuild(tx);
      // Turning the trash on creates its root; turning it off keeps what is in it until it expires.
      if (updated.trashDays > 0) await ensureTrashRoot(tx);
      return updated;
    }, { structure: () => 'exclusive' });
  }

  async getFormat(): Promise<VolumeFormat | undefined> {
    const stored = await getSetting<StoredFormat>(this.deps.db.reader, FORMAT_KEY);
    return stored && fromStored(stored);
  }

  async requireFormat(): Promise<VolumeFormat> {
    const f = await this.getFormat();
    if (f === undefined) throw new FsError('ENOENT', 'the volume is not formatted');
    return f;
  }

  /** As baseMeta.StatFS / statRootFs, from exact totals, narrowed by the directory quotas over `inode`. */
  async statFs(inode: bigint): Promise<StatFs> {
    const q = this.deps.db.reader;
    if (inode > ROOT_INODE && (await getNode(q, inode)) === undefined) throw new FsError('ENOENT');
    const [format, usage] = await Promise.all([this.requireFormat(), getUsage(q)]);
    const used = usage.space < 0n ? 0n : usage.space;
    const iused = usage.inodes < 0n ? 0n : usage.inodes;
    let total: bigint;
    if (format.capacity > 0n) {
      total = format.capacity > used ? format.capacity : used;
    } else {
      total = VIRTUAL_SPACE;
      while (used * 10n > total * 8n) total *= 2n;
    }
    let iavail: bigint;
    if (format.inodes > 0n) {
      iavail = format.inodes > iused ? format.inodes - iused : 0n;
    } else {
      iavail = VIRTUAL_INODES;
      while (iused > iavail * 4n) iavail *= 2n;
    }
    return narrowByQuotas(q, inode, { totalSpace: total, availSpace: total - used, usedInodes: iused, availInodes: iavail });
  }
}
