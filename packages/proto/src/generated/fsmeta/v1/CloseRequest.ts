// Original file: proto/fsmeta/v1/meta.proto

import type { RequestContext as _fsmeta_v1_RequestContext, RequestContext__Output as _fsmeta_v1_RequestContext__Output } from '../../fsmeta/v1/RequestContext';
import type { Long } from '@grpc/proto-loader';

export interface CloseRequest {
  'ctx'?: (_fsmeta_v1_RequestContext | null);
  'inode'?: (number | string | Long);
  'lockOwner'?: (number | string | Long);
}

export interface CloseRequest__Output {
  'ctx': (_fsmeta_v1_RequestContext__Output | null);
  'inode': (string);
  'lockOwner': (string);
}
