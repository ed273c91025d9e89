// Original file: proto/fsmeta/v1/meta.proto

import type { RequestContext as _fsmeta_v1_RequestContext, RequestContext__Output as _fsmeta_v1_RequestContext__Output } from '../../fsmeta/v1/RequestContext';
import type { Long } from '@grpc/proto-loader';

export interface AckSliceDeletionsRequest {
  'ctx'?: (_fsmeta_v1_RequestContext | null);
  'ids'?: (number | string | Long)[];
}

export interface AckSliceDeletionsRequest__Output {
  'ctx': (_fsmeta_v1_RequestContext__Output | null);
  'ids': (string)[];
}
