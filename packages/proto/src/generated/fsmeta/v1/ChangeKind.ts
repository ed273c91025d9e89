// Original file: proto/fsmeta/v1/meta.proto

export const ChangeKind = {
  CHANGE_KIND_UNSPECIFIED: 'CHANGE_KIND_UNSPECIFIED',
  CHANGE_KIND_ATTR: 'CHANGE_KIND_ATTR',
  CHANGE_KIND_ENTRY: 'CHANGE_KIND_ENTRY',
  CHANGE_KIND_REMOVED: 'CHANGE_KIND_REMOVED',
  CHANGE_KIND_CHUNK: 'CHANGE_KIND_CHUNK',
  CHANGE_KIND_XATTR: 'CHANGE_KIND_XATTR',
} as const;

export type ChangeKind =
  | 'CHANGE_KIND_UNSPECIFIED'
  | 0
  | 'CHANGE_KIND_ATTR'
  | 1
  | 'CHANGE_KIND_ENTRY'
  | 2
  | 'CHANGE_KIND_REMOVED'
  | 3
  | 'CHANGE_KIND_CHUNK'
  | 4
  | 'CHANGE_KIND_XATTR'
  | 5

export type ChangeKind__Output = typeof ChangeKind[keyof typeof ChangeKind]
