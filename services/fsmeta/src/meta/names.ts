import { FsError } from './errors';
import { MAX_NAME_LEN, MAX_SYMLINK_LEN } from './types';

const SLASH = 0x2f;
const NUL = 0;
export const DOT = Buffer.from('.');
export const DOTDOT = Buffer.from('..');

/** EINVAL for an empty name or one holding '/' or NUL; ENAMETOOLONG past 255 bytes (JuiceFS VFS + checkValidName). */
export function checkName(name: Buffer): void {
  if (name.length === 0) throw new FsError('EINVAL', 'empty name');
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
