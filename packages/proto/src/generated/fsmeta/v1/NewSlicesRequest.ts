// Original file: proto/fsmeta/v1/meta.proto

import type { RequestContext as _fsmeta_v1_RequestContext, RequestContext__Output as _fsmeta_v1_RequestContext__Output } from '../../fsmeta/v1/RequestContext';

export interface NewSlicesRequest {
  'ctx'?: (_fsmeta_v1_RequestContext | null);
  'count'?: (number);
}

export interface NewSlicesRequest__Output {
  'ctx': (_fsmeta_v1_RequestContext__Output | null);
  'count': (number);
}
