// Original file: proto/fsmeta/v1/types.proto

import type { LockKind as _fsmeta_v1_LockKind, LockKind__Output as _fsmeta_v1_LockKind__Output } from '../../fsmeta/v1/LockKind';
import type { LockType as _fsmeta_v1_LockType, LockType__Output as _fsmeta_v1_LockType__Output } from '../../fsmeta/v1/LockType';
import type { Long } from '@grpc/proto-loader';

export interface HeldLock {
  'inode'?: (number | string | Long);
  'owner'?: (number | string | Long);
  'kind'?: (_fsmeta_v1_LockKind);
  'type'?: (_fsmeta_v1_LockType);
  'start'?: (number | string | Long);
  'end'?: (number | string | Long);
  'pid'?: (number);
  'waiting'?: (boolean);
}

export interface HeldLock__Output {
  'inode': (string);
  'owner': (string);
  'kind': (_fsmeta_v1_LockKind__Output);
  'type': (_fsmeta_v1_LockType__Output);
  'start': (string);
  'end': (string);
  'pid': (number);
  'waiting': (boolean);
}
