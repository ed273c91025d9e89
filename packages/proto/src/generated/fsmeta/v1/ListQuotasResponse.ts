// Original file: proto/fsmeta/v1/meta.proto

import type { Quota as _fsmeta_v1_Quota, Quota__Output as _fsmeta_v1_Quota__Output } from '../../fsmeta/v1/Quota';

export interface ListQuotasResponse {
  'quotas'?: (_fsmeta_v1_Quota)[];
}

export interface ListQuotasResponse__Output {
  'quotas': (_fsmeta_v1_Quota__Output)[];
}
