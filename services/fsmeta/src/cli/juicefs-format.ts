import type { VolumeFormat } from '../meta/volume';
import type { NodeRecord } from '../store/dump';
import { encodeRecord, type SliceRecord } from '../meta/slices';
import { TYPE_FILE } from '../meta/types';

/**
 * JuiceFS's JSON dump format (pkg/meta/dump.go: DumpedMeta, DumpedEntry,
 * DumpedAttr, DumpedSlice): the shapes and the conversions to and from fsmeta's
 * rows. Times are seconds plus nanoseconds; names, symlink targets and xattr
 * values are percent-escaped strings (see names.ts).
 */

export const TYPE_STRINGS: Record<number, string> = {
  1: 'regular', 2: 'directory', 3: 'symlink', 4: 'fifo', 5: 'blockdev', 6: 'chardev', 7: 'socket',
};
const TYPES_BY_STRING = new Map(Object.entries(TYPE_STRINGS).map(([k, v]) => [v, Number(k)]));

export function typeFromString(s: string): number | undefined {
  return TYPES_BY_STRING.get(s);
}

const NS = 1_000_000_000n;

function splitNs(ns: bigint): [bigint, bigint] {
  let s = ns / NS;
  let n = ns % NS;
  if (n < 0n) {
    s -= 1n;
    n += NS;
  }
  return [s, n];
}

/** DumpedAttr as JuiceFS writes it (field order and omitempty as its struct tags). */
export function attrJson(n: NodeRecord, inode: bigint = n.inode, nlink: bigint = n.nlink): string {
  const [as, an] = splitNs(n.atime_ns);
  const [ms, mn] = splitNs(n.mtime_ns);
  const [cs, cn] = splitNs(n.ctime_ns);
  let s = `{"inode":${inode}`;
  if (n.flags !== 0n) s += `,"flags":${n.flags}`;
  s += `,"type":"${TYPE_STRINGS[n.type] ?? 'regular'}","mode":${n.mode},"uid":${n.uid},"gid":${n.gid},"atime":${as},"mtime":${ms},"ctime":${cs}`;
  if (an !== 0n) s += `,"atimensec":${an}`;
  if (mn !== 0n) s += `,"mtimensec":${mn}`;
  if (cn !== 0n) s += `,"ctimensec":${cn}`;
  // JuiceFS dumpAttr writes length only for regular files.
  s += `,"nlink":${nlink},"length":${n.type === TYPE_FILE ? n.length : 0n}`;
  if (n.rdev !== 0n) s += `,"rdev":${n.rdev}`;
  return `${s}}`;
}

/** DumpedSlice list of one chunk blob: {"id","pos"?,"size","off"?,"len"}. */
export function slicesJson(records: SliceRecord[]): string {
  return `[${records
    .map((r) => `{"id":${r.id}${r.pos !== 0 ? `,"pos":${r.pos}` : ''},"size":${r.size}${r.off !== 0 ? `,"off":${r.off}` : ''},"len":${r.len}}`)
    .join(',')}]`;
}

/** A dumped slice back to its 24-byte record (JuiceFS's old `chunkid` is accepted for `id`). */
export function recordFromJson(v: Record<string, unknown>, where: string): Buffer {
  const num = (k: string, max: bigint): bigint => {
    const x = v[k];
    if (x === undefined) return 0n;
    if (typeof x !== 'string' || !/^\d+$/.test(x) || BigInt(x) > max) throw new Error(`${where}: slice ${k} ${JSON.stringify(x)} is not a valid number`);
    return BigInt(x);
  };
  const U32 = 0xffffffffn;
  const id = v.id !== undefined && v.id !== '0' ? num('id', (1n << 64n) - 1n) : num('chunkid', (1n << 64n) - 1n);
  return encodeRecord({ pos: Number(num('pos', U32)), id, size: Number(num('size', U32)), off: Number(num('off', U32)), len: Number(num('len', U32)) });
}

/** JuiceFS Format (the dump's "Setting") keys fsmeta's volume format owns. */
export function settingFromFormat(f: VolumeFormat, kept: Record<string, unknown>, active: { trash: boolean; acl: boolean; dirStats: boolean; quota: boolean }): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Name: f.name,
    UUID: f.uuid,
    Storage: f.storage,
    Bucket: f.bucket,
    BlockSize: f.blockSizeKib,
    Compression: 'none',
    ...kept,
  };
  out.Name = f.name;
  out.UUID = f.uuid;
  if (f.storage !== '' || kept.Storage === undefined) out.Storage = f.storage;
  if (f.bucket !== '' || kept.Bucket === undefined) out.Bucket = f.bucket;
  out.BlockSize = f.blockSizeKib;
  if (f.capacity > 0n) out.Capacity = Number(f.capacity);
  else delete out.Capacity;
  if (f.inodes > 0n) out.Inodes = Number(f.inodes);
  else delete out.Inodes;
  // Settings this fsmeta does not enforce keep the value the loaded dump had.
  if (active.trash) out.TrashDays = f.trashDays;
  else out.TrashDays ??= 0;
  // Written when on or when the loaded Setting had the key: a dump of a dump keeps its keys.
  if (active.acl && (f.enableAcl || 'EnableACL' in kept)) out.EnableACL = f.enableAcl;
  if (active.dirStats && (f.dirStats || 'DirStats' in kept)) out.DirStats = f.dirStats;
  if (active.quota && (f.userGroupQuota || 'UserGroupQuota' in kept)) out.UserGroupQuota = f.userGroupQuota;
  out.MetaVersion ??= 1;
  return out;
}
