import { FsError } from './errors';
import { MAX_NAME_LEN, MAX_SYMLINK_LEN } from './types';

const SLASH = 0x2f;
const NUL = 0;
export const DOT = Buffer.from('.');
export const DOTDOT = Buffer.from('..');

/** A name for a new entry: EINVAL when empty or holding '/' or NUL (baseMeta checkInodeName); ENAMETOOLONG past 255 bytes (JuiceFS VFS). */
export function checkName(name: Buffer): void {
  if (name.length === 0) throw new FsError('EINVAL', 'empty name');
  if (name.length > MAX_NAME_LEN) throw new FsError('ENAMETOOLONG');
  if (name.includes(SLASH) || name.includes(NUL)) throw new FsError('EINVAL', "name contains '/' or NUL");
}

/**
 * The name of an existing entry (Lookup, Unlink, Rmdir, Rename's source): baseMeta checks
 * nothing and the engine finds no such entry, so an empty name or one holding '/' or NUL is
 * ENOENT (as POSIX answers for ""); ENAMETOOLONG past 255 bytes (JuiceFS VFS).
 */
export function checkEntryName(name: Buffer): void {
  if (name.length > MAX_NAME_LEN) throw new FsError('ENAMETOOLONG');
  if (name.length === 0 || name.includes(SLASH) || name.includes(NUL)) throw new FsError('ENOENT', 'no such entry');
}

export function isDotOrDotDot(name: Buffer): boolean {
  return name.equals(DOT) || name.equals(DOTDOT);
}

/** As baseMeta.Symlink: 1..4096 bytes, no NUL, else EINVAL. */
export function checkSymlinkTarget(target: Buffer): void {
  if (target.length === 0 || target.length > MAX_SYMLINK_LEN || target.includes(NUL)) {
    throw new FsError('EINVAL', 'symlink target must be 1..4096 bytes without NUL');
  }
}
