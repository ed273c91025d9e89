// Original file: proto/fsmeta/v1/types.proto

export const QuotaKind = {
  QUOTA_KIND_UNSPECIFIED: 'QUOTA_KIND_UNSPECIFIED',
  QUOTA_KIND_DIRECTORY: 'QUOTA_KIND_DIRECTORY',
  QUOTA_KIND_USER: 'QUOTA_KIND_USER',
  QUOTA_KIND_GROUP: 'QUOTA_KIND_GROUP',
} as const;

export type QuotaKind =
  | 'QUOTA_KIND_UNSPECIFIED'
  | 0
  | 'QUOTA_KIND_DIRECTORY'
  | 1
  | 'QUOTA_KIND_USER'
  | 2
  | 'QUOTA_KIND_GROUP'
  | 3

export type QuotaKind__Output = typeof QuotaKind[keyof typeof QuotaKind]
