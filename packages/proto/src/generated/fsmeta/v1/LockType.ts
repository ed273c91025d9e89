// Original file: proto/fsmeta/v1/types.proto

export const LockType = {
  LOCK_TYPE_UNSPECIFIED: 'LOCK_TYPE_UNSPECIFIED',
  LOCK_TYPE_READ: 'LOCK_TYPE_READ',
  LOCK_TYPE_WRITE: 'LOCK_TYPE_WRITE',
  LOCK_TYPE_UNLOCK: 'LOCK_TYPE_UNLOCK',
} as const;

export type LockType =
  | 'LOCK_TYPE_UNSPECIFIED'
  | 0
  | 'LOCK_TYPE_READ'
  | 1
  | 'LOCK_TYPE_WRITE'
  | 2
  | 'LOCK_TYPE_UNLOCK'
  | 3

export type LockType__Output = typeof LockType[keyof typeof LockType]
