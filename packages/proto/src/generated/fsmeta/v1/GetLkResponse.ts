// Original file: proto/fsmeta/v1/meta.proto

import type { LockType as _fsmeta_v1_LockType, LockType__Output as _fsmeta_v1_LockType__Output } from '../../fsmeta/v1/LockType';
import type { Long } from '@grpc/proto-loader';

export interface GetLkResponse {
  'type'?: (_fsmeta_v1_LockType);
  'start'?: (number | string | Long);
  'end'?: (number | string | Long);
  'pid'?: (number);
}

export interface GetLkResponse__Output {
  'type': (_fsmeta_v1_LockType__Output);
  'start': (string);
  'end': (string);
  'pid': (number);
}
