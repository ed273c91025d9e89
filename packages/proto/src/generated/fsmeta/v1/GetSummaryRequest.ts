// Original file: proto/fsmeta/v1/meta.proto

import type { RequestContext as _fsmeta_v1_RequestContext, RequestContext__Output as _fsmeta_v1_RequestContext__Output } from '../../fsmeta/v1/RequestContext';
import type { Long } from '@grpc/proto-loader';

export interface GetSummaryRequest {
  'ctx'?: (_fsmeta_v1_RequestContext | null);
  'inode'?: (number | string | Long);
  'recursive'?: (boolean);
  'depth'?: (number);
  'topN'?: (number);
}

export interface GetSummaryRequest__Output {
  'ctx': (_fsmeta_v1_RequestContext__Output | null);
  'inode': (string);
  'recursive': (boolean);
  'depth': (number);
  'topN': (number);
}
