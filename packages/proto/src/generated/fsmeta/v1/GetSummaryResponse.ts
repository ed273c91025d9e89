// Original file: proto/fsmeta/v1/meta.proto

import type { Long } from '@grpc/proto-loader';

export interface GetSummaryResponse {
  'length'?: (number | string | Long);
  'size'?: (number | string | Long);
  'files'?: (number | string | Long);
  'dirs'?: (number | string | Long);
}

export interface GetSummaryResponse__Output {
  'length': (string);
  'size': (string);
  'files': (string);
  'dirs': (string);
}
