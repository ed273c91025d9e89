// Original file: proto/fsmeta/v1/types.proto

import type { Long } from '@grpc/proto-loader';

export interface Slice {
  'id'?: (number | string | Long);
  'size'?: (number);
  'off'?: (number);
  'len'?: (number);
}

export interface Slice__Output {
  'id': (string);
  'size': (number);
  'off': (number);
  'len': (number);
}
