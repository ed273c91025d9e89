// Original file: proto/fsmeta/v1/types.proto

import type { Long } from '@grpc/proto-loader';

export interface SliceRecord {
  'pos'?: (number);
  'id'?: (number | string | Long);
  'size'?: (number);
  'off'?: (number);
  'len'?: (number);
}

export interface SliceRecord__Output {
  'pos': (number);
  'id': (string);
  'size': (number);
  'off': (number);
  'len': (number);
}
