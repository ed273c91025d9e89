// Original file: proto/fsmeta/v1/meta.proto

import type { RequestContext as _fsmeta_v1_RequestContext, RequestContext__Output as _fsmeta_v1_RequestContext__Output } from '../../fsmeta/v1/RequestContext';
import type { LockType as _fsmeta_v1_LockType, LockType__Output as _fsmeta_v1_LockType__Output } from '../../fsmeta/v1/LockType';
import type { Long } from '@grpc/proto-loader';

export interface GetLkRequest {
  'ctx'?: (_fsmeta_v1_RequestContext | null);
  'inode'?: (number | string | Long);
  'owner'?: (number | string | Long);
  'type'?: (_fsmeta_v1_LockType);
  'start'?: (number | string | Long);
  'end'?: (number | string | Long);
}

export interface GetLkRequest__Output {
  'ctx': (_fsmeta_v1_RequestContext__Output | null);
  'inode': (string);
  'owner': (string);
  'type': (_fsmeta_v1_LockType__Output);
  'start': (string);
  'end': (string);
}
