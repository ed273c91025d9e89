import { status } from '@grpc/grpc-js';

/**
 * POSIX errno values (Linux numbering) that fsmeta reports, and the gRPC status
 * code each one travels as. The exact errno rides along in trailing metadata
 * (`fsmeta-errno`) and in a google.rpc.ErrorInfo whose reason is the errno name.
 * docs/api.md documents this table; change both together.
 */
export const ERRNO = {
  EPERM: { errno: 1, code: status.PERMISSION_DENIED },
  ENOENT: { errno: 2, code: status.NOT_FOUND },
  EINTR: { errno: 4, code: status.CANCELLED },
  // DATA_LOSS, not INTERNAL: EIO here means corrupt metadata (a chunk that does not decode), and
  // INTERNAL is kept for server bugs, which a caller must be able to tell apart.
  EIO: { errno: 5, code: status.DATA_LOSS },
  E2BIG: { errno: 7, code: status.INVALID_ARGUMENT },
  EBADF: { errno: 9, code: status.INVALID_ARGUMENT },
  EAGAIN: { errno: 11, code: status.ABORTED },
  EACCES: { errno: 13, code: status.PERMISSION_DENIED },
  EBUSY: { errno: 16, code: status.FAILED_PRECONDITION },
  EEXIST: { errno: 17, code: status.ALREADY_EXISTS },
  EXDEV: { errno: 18, code: status.FAILED_PRECONDITION },
  ENOTDIR: { errno: 20, code: status.FAILED_PRECONDITION },
  EISDIR: { errno: 21, code: status.FAILED_PRECONDITION },
  EINVAL: { errno: 22, code: status.INVALID_ARGUMENT },
  EFBIG: { errno: 27, code: status.OUT_OF_RANGE },
  ENOSPC: { errno: 28, code: status.RESOURCE_EXHAUSTED },
  EROFS: { errno: 30, code: status.FAILED_PRECONDITION },
  EMLINK: { errno: 31, code: status.FAILED_PRECONDITION },
  EPIPE: { errno: 32, code: status.FAILED_PRECONDITION },
  ERANGE: { errno: 34, code: status.OUT_OF_RANGE },
  EDEADLK: { errno: 35, code: status.ABORTED },
  ENAMETOOLONG: { errno: 36, code: status.INVALID_ARGUMENT },
  ENOLCK: { errno: 37, code: status.FAILED_PRECONDITION },
  ENOSYS: { errno: 38, code: status.UNIMPLEMENTED },
  ENOTEMPTY: { errno: 39, code: status.FAILED_PRECONDITION },
  ELOOP: { errno: 40, code: status.FAILED_PRECONDITION },
  ENODATA: { errno: 61, code: status.NOT_FOUND },
  EOVERFLOW: { errno: 75, code: status.OUT_OF_RANGE },
  ENOTSUP: { errno: 95, code: status.FAILED_PRECONDITION },
  ETIMEDOUT: { errno: 110, code: status.DEADLINE_EXCEEDED },
  ESTALE: { errno: 116, code: status.FAILED_PRECONDITION },
  EDQUOT: { errno: 122, code: status.RESOURCE_EXHAUSTED },
} as const;

export type ErrnoName = keyof typeof ERRNO;

/** Trailing-metadata keys carrying the errno of a failed call. */
export const ERRNO_METADATA_KEY = 'fsmeta-errno';
export const ERRNO_NAME_METADATA_KEY = 'fsmeta-errno-name';
/** google.rpc.ErrorInfo.domain of fsmeta errors. */
export const ERROR_DOMAIN = 'fsmeta.dev';

const BY_NUMBER = new Map<number, ErrnoName>(
  (Object.keys(ERRNO) as ErrnoName[]).map((name) => [ERRNO[name].errno, name]),
);

export function errnoName(errno: number): ErrnoName | undefined {
  return BY_NUMBER.get(errno);
}

export function isErrnoName(name: string): name is ErrnoName {
  return Object.prototype.hasOwnProperty.call(ERRNO, name);
}
