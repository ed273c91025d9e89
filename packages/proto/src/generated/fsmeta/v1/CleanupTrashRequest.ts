// Original file: proto/fsmeta/v1/meta.proto

import type { RequestContext as _fsmeta_v1_RequestContext, RequestContext__Output as _fsmeta_v1_RequestContext__Output } from '../../fsmeta/v1/RequestContext';
import type { Long } from '@grpc/proto-loader';

export interface CleanupTrashRequest {
  'ctx'?: (_fsmeta_v1_RequestContext | null);
  'beforeNs'?: (number | string | Long);
}

export interface CleanupTrashRequest__Output {
  'ctx': (_fsmeta_v1_RequestContext__Output | null);
  'beforeNs': (string);
}
