// Original file: proto/fsmeta/v1/meta.proto

import type { Long } from '@grpc/proto-loader';

export interface GetDirStatResponse {
  'length'?: (number | string | Long);
  'space'?: (number | string | Long);
  'inodes'?: (number | string | Long);
}

export interface GetDirStatResponse__Output {
  'length': (string);
  'space': (string);
  'inodes': (string);
}
