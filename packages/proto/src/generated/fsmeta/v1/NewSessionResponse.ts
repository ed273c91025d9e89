// Original file: proto/fsmeta/v1/meta.proto

import type { Format as _fsmeta_v1_Format, Format__Output as _fsmeta_v1_Format__Output } from '../../fsmeta/v1/Format';
import type { Long } from '@grpc/proto-loader';

export interface NewSessionResponse {
  'sessionId'?: (number | string | Long);
  'heartbeatMs'?: (number);
  'expireAfterMs'?: (number);
  'format'?: (_fsmeta_v1_Format | null);
}

export interface NewSessionResponse__Output {
  'sessionId': (string);
  'heartbeatMs': (number);
  'expireAfterMs': (number);
  'format': (_fsmeta_v1_Format__Output | null);
}
