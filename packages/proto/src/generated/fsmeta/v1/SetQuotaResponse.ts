// Original file: proto/fsmeta/v1/meta.proto

import type { Quota as _fsmeta_v1_Quota, Quota__Output as _fsmeta_v1_Quota__Output } from '../../fsmeta/v1/Quota';

export interface SetQuotaResponse {
  'quota'?: (_fsmeta_v1_Quota | null);
}

export interface SetQuotaResponse__Output {
  'quota': (_fsmeta_v1_Quota__Output | null);
}
