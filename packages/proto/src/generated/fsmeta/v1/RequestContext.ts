// Original file: proto/fsmeta/v1/types.proto

import type { Caller as _fsmeta_v1_Caller, Caller__Output as _fsmeta_v1_Caller__Output } from '../../fsmeta/v1/Caller';
import type { Long } from '@grpc/proto-loader';

export interface RequestContext {
  'sessionId'?: (number | string | Long);
  'caller'?: (_fsmeta_v1_Caller | null);
  'requestId'?: (string);
}

export interface RequestContext__Output {
  'sessionId': (string);
  'caller': (_fsmeta_v1_Caller__Output | null);
  'requestId': (string);
}
