// Original file: proto/fsmeta/v1/meta.proto

import type { RequestContext as _fsmeta_v1_RequestContext, RequestContext__Output as _fsmeta_v1_RequestContext__Output } from '../../fsmeta/v1/RequestContext';
import type { QuotaKind as _fsmeta_v1_QuotaKind, QuotaKind__Output as _fsmeta_v1_QuotaKind__Output } from '../../fsmeta/v1/QuotaKind';

export interface ListQuotasRequest {
  'ctx'?: (_fsmeta_v1_RequestContext | null);
  'kind'?: (_fsmeta_v1_QuotaKind);
}

export interface ListQuotasRequest__Output {
  'ctx': (_fsmeta_v1_RequestContext__Output | null);
  'kind': (_fsmeta_v1_QuotaKind__Output);
}
