import { FsError } from './errors';
import { MAX_NAME_LEN, MAX_SYMLINK_LEN } from './types';

const SLASH = 0x2f;
const NUL = 0;
export const DOT = Buffer.from('.');
export const DOTDOT = Buffer.from('..');

/** ENOENT for an empty name, EINVAL for one holding '/' or NUL; ENAMETOOLONG past 255 bytes (JuiceFS VFS + checkValidName). */
export function checkName(name: Buffer): void {
  // An empty name names nothing (baseMeta.Mknod / Rename and the engine lookups answer ENOENT, as POSIX does).
  if (name.length === 0) throw new FsError('ENOENT', 'empty name');
  if (name.length > MAX_NAME_LEN) throw new FsError('ENAMETOOLONG');
  if (name.includes(SLASH) || name.includes(NUL)) throw new FsError('EINVAL', "name contains '/' or NUL");
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
