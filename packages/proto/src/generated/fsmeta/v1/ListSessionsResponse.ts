// Original file: proto/fsmeta/v1/meta.proto

import type { Session as _fsmeta_v1_Session, Session__Output as _fsmeta_v1_Session__Output } from '../../fsmeta/v1/Session';

export interface ListSessionsResponse {
  'sessions'?: (_fsmeta_v1_Session)[];
}

export interface ListSessionsResponse__Output {
  'sessions': (_fsmeta_v1_Session__Output)[];
}
