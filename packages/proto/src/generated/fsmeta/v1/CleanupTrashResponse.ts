// Original file: proto/fsmeta/v1/meta.proto

import type { Long } from '@grpc/proto-loader';

export interface CleanupTrashResponse {
  'removed'?: (number | string | Long);
}

export interface CleanupTrashResponse__Output {
  'removed': (string);
}
