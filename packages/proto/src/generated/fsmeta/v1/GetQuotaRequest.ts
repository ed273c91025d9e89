// Original file: proto/fsmeta/v1/meta.proto

import type { RequestContext as _fsmeta_v1_RequestContext, RequestContext__Output as _fsmeta_v1_RequestContext__Output } from '../../fsmeta/v1/RequestContext';
import type { QuotaKind as _fsmeta_v1_QuotaKind, QuotaKind__Output as _fsmeta_v1_QuotaKind__Output } from '../../fsmeta/v1/QuotaKind';
import type { Long } from '@grpc/proto-loader';

export interface GetQuotaRequest {
  'ctx'?: (_fsmeta_v1_RequestContext | null);
  'kind'?: (_fsmeta_v1_QuotaKind);
  'key'?: (number | string | Long);
}

export interface GetQuotaRequest__Output {
  'ctx': (_fsmeta_v1_RequestContext__Output | null);
  'kind': (_fsmeta_v1_QuotaKind__Output);
  'key': (string);
}
