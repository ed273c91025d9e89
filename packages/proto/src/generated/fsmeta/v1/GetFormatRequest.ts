// Original file: proto/fsmeta/v1/meta.proto

import type { RequestContext as _fsmeta_v1_RequestContext, RequestContext__Output as _fsmeta_v1_RequestContext__Output } from '../../fsmeta/v1/RequestContext';

export interface GetFormatRequest {
  'ctx'?: (_fsmeta_v1_RequestContext | null);
}

export interface GetFormatRequest__Output {
  'ctx': (_fsmeta_v1_RequestContext__Output | null);
}
