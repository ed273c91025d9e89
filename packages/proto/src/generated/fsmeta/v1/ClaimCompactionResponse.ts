// Original file: proto/fsmeta/v1/meta.proto

import type { Slice as _fsmeta_v1_Slice, Slice__Output as _fsmeta_v1_Slice__Output } from '../../fsmeta/v1/Slice';
import type { Long } from '@grpc/proto-loader';

export interface ClaimCompactionResponse {
  'found'?: (boolean);
  'inode'?: (number | string | Long);
  'chunkIndex'?: (number);
  'pos'?: (number);
  'slices'?: (_fsmeta_v1_Slice)[];
  'newSliceId'?: (number | string | Long);
  'size'?: (number);
}

export interface ClaimCompactionResponse__Output {
  'found': (boolean);
  'inode': (string);
  'chunkIndex': (number);
  'pos': (number);
  'slices': (_fsmeta_v1_Slice__Output)[];
  'newSliceId': (string);
  'size': (number);
}
