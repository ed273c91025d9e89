// Original file: proto/fsmeta/v1/meta.proto

import type { Long } from '@grpc/proto-loader';

export interface NewSlicesResponse {
  'firstId'?: (number | string | Long);
  'count'?: (number);
}

export interface NewSlicesResponse__Output {
  'firstId': (string);
  'count': (number);
}
