// Original file: proto/fsmeta/v1/types.proto

import type { SessionInfo as _fsmeta_v1_SessionInfo, SessionInfo__Output as _fsmeta_v1_SessionInfo__Output } from '../../fsmeta/v1/SessionInfo';
import type { HeldLock as _fsmeta_v1_HeldLock, HeldLock__Output as _fsmeta_v1_HeldLock__Output } from '../../fsmeta/v1/HeldLock';
import type { Long } from '@grpc/proto-loader';

export interface Session {
  'sessionId'?: (number | string | Long);
  'info'?: (_fsmeta_v1_SessionInfo | null);
  'createdNs'?: (number | string | Long);
  'expireNs'?: (number | string | Long);
  'readOnly'?: (boolean);
  'openFiles'?: (number);
  'owner'?: (string);
  'locks'?: (_fsmeta_v1_HeldLock)[];
}

export interface Session__Output {
  'sessionId': (string);
  'info': (_fsmeta_v1_SessionInfo__Output | null);
  'createdNs': (string);
  'expireNs': (string);
  'readOnly': (boolean);
  'openFiles': (number);
  'owner': (string);
  'locks': (_fsmeta_v1_HeldLock__Output)[];
}
