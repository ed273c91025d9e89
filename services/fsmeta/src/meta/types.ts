/** File-system constants and the shapes meta operations exchange (JuiceFS pkg/meta parity). */

export const ROOT_INODE = 1n;
export const MAX_NAME_LEN = 255;
export const MAX_SYMLINK_LEN = 4096;
export const CHUNK_SIZE = 64 * 1024 * 1024;
export const CHUNK_BITS = 26n;
/** EFBIG past this: ChunkSize << 31, as JuiceFS's VFS maxFileSize. */
export const MAX_FILE_SIZE = BigInt(CHUNK_SIZE) << 31n;
export const DIR_LENGTH = 4096n;
/** Space is accounted in 4 KiB units, at least one per inode (JuiceFS align4K). */
export const SPACE_UNIT = 4096n;
/** Skip a parent's mtime/ctime update when it is newer than this, unless nlink changes (JuiceFS SkipDirMtime). */
export const SKIP_DIR_MTIME_NS = 100_000_000n;

export const TYPE_FILE = 1;
export const TYPE_DIRECTORY = 2;
export const TYPE_SYMLINK = 3;
export const TYPE_FIFO = 4;
export const TYPE_BLOCK_DEV = 5;
export const TYPE_CHAR_DEV = 6;
export const TYPE_SOCKET = 7;
export type FileType = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export const FLAG_IMMUTABLE = 1;
export const FLAG_APPEND = 2;

export const MODE_MASK_R = 4;
export const MODE_MASK_W = 2;
export const MODE_MASK_X = 1;

export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;
export const S_ISVTX = 0o1000;

export interface Attr {
  inode: bigint;
  type: FileType;
  flags: number;
  mode: number;
  uid: number;
  gid: number;
  rdev: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  nlink: number;
  length: bigint;
  parent: bigint;
  /** Access and default ACL ids (absent: none); see meta/acl.ts. */
  accessAcl?: number;
  defaultAcl?: number;
}

export interface Entry {
  inode: bigint;
  name: Buffer;
  type: FileType;
  attr?: Attr;
}

export interface Caller {
  uid: number;
  gid: number;
  gids: number[];
  /**
   * The caller's kernel already checked permissions (FUSE default_permissions),
   * as JuiceFS's Context.CheckPermission() == false: access checks pass and
   * the group-membership rules of chown/chgrp/setgid are left to the kernel.
   */
  permissionsChecked?: boolean;
}

/** Who asks, and for mutations which (session, request id) makes them idempotent. */
export interface OpContext {
  sessionId: bigint;
  requestId: string;
  caller: Caller;
  /** What the request id is bound to (the request log refuses its reuse for anything else); unset: unbound. */
  binding?: RequestBinding;
}

/** The RPC a request id was used for and a fingerprint of its body (computed on demand: reads never need it). */
export interface RequestBinding {
  method: string;
  fingerprint(): Buffer;
}

export function align4K(length: bigint): bigint {
  if (length <= 0n) return SPACE_UNIT;
  return ((length + SPACE_UNIT - 1n) / SPACE_UNIT) * SPACE_UNIT;
}

/** Space an inode accounts for: files by length, everything else one unit. */
export function spaceOf(type: FileType, length: bigint): bigint {
  return type === TYPE_FILE ? align4K(length) : SPACE_UNIT;
}

/** What an entry of this type adds to its directory's symlink count (directory statistics, GetSummary). */
export function symlinkCount(type: FileType): bigint {
  return type === TYPE_SYMLINK ? 1n : 0n;
}

let lastNs = 0n;
/** Wall-clock nanoseconds, strictly increasing within this process. */
export function nowNs(): bigint {
  const ns = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
  lastNs = ns > lastNs ? ns : lastNs + 1n;
  return lastNs;
}
