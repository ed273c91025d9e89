// Original file: proto/fsmeta/v1/types.proto

import type { QuotaKind as _fsmeta_v1_QuotaKind, QuotaKind__Output as _fsmeta_v1_QuotaKind__Output } from '../../fsmeta/v1/QuotaKind';
import type { Long } from '@grpc/proto-loader';

export interface Quota {
  'kind'?: (_fsmeta_v1_QuotaKind);
  'key'?: (number | string | Long);
  'maxSpace'?: (number | string | Long);
  'maxInodes'?: (number | string | Long);
  'usedSpace'?: (number | string | Long);
  'usedInodes'?: (number | string | Long);
}

export interface Quota__Output {
  'kind': (_fsmeta_v1_QuotaKind__Output);
  'key': (string);
  'maxSpace': (string);
  'maxInodes': (string);
  'usedSpace': (string);
  'usedInodes': (string);
}
