// Original file: proto/fsmeta/v1/meta.proto

import type { RequestContext as _fsmeta_v1_RequestContext, RequestContext__Output as _fsmeta_v1_RequestContext__Output } from '../../fsmeta/v1/RequestContext';
import type { Slice as _fsmeta_v1_Slice, Slice__Output as _fsmeta_v1_Slice__Output } from '../../fsmeta/v1/Slice';
import type { Long } from '@grpc/proto-loader';

export interface WriteRequest {
  'ctx'?: (_fsmeta_v1_RequestContext | null);
  'inode'?: (number | string | Long);
  'chunkIndex'?: (number);
  'pos'?: (number);
  'slice'?: (_fsmeta_v1_Slice | null);
  'mtimeNs'?: (number | string | Long);
}

export interface WriteRequest__Output {
  'ctx': (_fsmeta_v1_RequestContext__Output | null);
  'inode': (string);
  'chunkIndex': (number);
  'pos': (number);
  'slice': (_fsmeta_v1_Slice__Output | null);
  'mtimeNs': (string);
}
