// Original file: proto/fsmeta/v1/meta.proto

import type { RequestContext as _fsmeta_v1_RequestContext, RequestContext__Output as _fsmeta_v1_RequestContext__Output } from '../../fsmeta/v1/RequestContext';
import type { Long } from '@grpc/proto-loader';

export interface FallocateRequest {
  'ctx'?: (_fsmeta_v1_RequestContext | null);
  'inode'?: (number | string | Long);
  'mode'?: (number);
  'offset'?: (number | string | Long);
  'size'?: (number | string | Long);
}

export interface FallocateRequest__Output {
  'ctx': (_fsmeta_v1_RequestContext__Output | null);
  'inode': (string);
  'mode': (number);
  'offset': (string);
  'size': (string);
}
