// Original file: proto/fsmeta/v1/meta.proto

import type { RequestContext as _fsmeta_v1_RequestContext, RequestContext__Output as _fsmeta_v1_RequestContext__Output } from '../../fsmeta/v1/RequestContext';
import type { Quota as _fsmeta_v1_Quota, Quota__Output as _fsmeta_v1_Quota__Output } from '../../fsmeta/v1/Quota';

export interface SetQuotaRequest {
  'ctx'?: (_fsmeta_v1_RequestContext | null);
  'quota'?: (_fsmeta_v1_Quota | null);
}

export interface SetQuotaRequest__Output {
  'ctx': (_fsmeta_v1_RequestContext__Output | null);
  'quota': (_fsmeta_v1_Quota__Output | null);
}
