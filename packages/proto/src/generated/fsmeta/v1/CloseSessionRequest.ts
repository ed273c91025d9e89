// Original file: proto/fsmeta/v1/meta.proto

import type { Long } from '@grpc/proto-loader';

export interface CloseSessionRequest {
  'sessionId'?: (number | string | Long);
}

export interface CloseSessionRequest__Output {
  'sessionId': (string);
}
