// Original file: proto/fsmeta/v1/types.proto

export const LockKind = {
  LOCK_KIND_UNSPECIFIED: 'LOCK_KIND_UNSPECIFIED',
  LOCK_KIND_FLOCK: 'LOCK_KIND_FLOCK',
  LOCK_KIND_POSIX: 'LOCK_KIND_POSIX',
} as const;

export type LockKind =
  | 'LOCK_KIND_UNSPECIFIED'
  | 0
  | 'LOCK_KIND_FLOCK'
  | 1
  | 'LOCK_KIND_POSIX'
  | 2

export type LockKind__Output = typeof LockKind[keyof typeof LockKind]
