// Original file: proto/fsmeta/v1/types.proto

export const AtimeMode = {
  ATIME_MODE_UNSPECIFIED: 'ATIME_MODE_UNSPECIFIED',
  ATIME_MODE_NOATIME: 'ATIME_MODE_NOATIME',
  ATIME_MODE_RELATIME: 'ATIME_MODE_RELATIME',
  ATIME_MODE_STRICTATIME: 'ATIME_MODE_STRICTATIME',
} as const;

export type AtimeMode =
  | 'ATIME_MODE_UNSPECIFIED'
  | 0
  | 'ATIME_MODE_NOATIME'
  | 1
  | 'ATIME_MODE_RELATIME'
  | 2
  | 'ATIME_MODE_STRICTATIME'
  | 3

export type AtimeMode__Output = typeof AtimeMode[keyof typeof AtimeMode]
