// Original file: proto/fsmeta/v1/meta.proto

import type { SessionInfo as _fsmeta_v1_SessionInfo, SessionInfo__Output as _fsmeta_v1_SessionInfo__Output } from '../../fsmeta/v1/SessionInfo';

export interface NewSessionRequest {
  'info'?: (_fsmeta_v1_SessionInfo | null);
  'readOnly'?: (boolean);
  'skipTrash'?: (boolean);
}

export interface NewSessionRequest__Output {
  'info': (_fsmeta_v1_SessionInfo__Output | null);
  'readOnly': (boolean);
  'skipTrash': (boolean);
}
