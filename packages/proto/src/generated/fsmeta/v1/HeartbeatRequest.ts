// Original file: proto/fsmeta/v1/meta.proto

import type { Long } from '@grpc/proto-loader';

export interface HeartbeatRequest {
  'sessionId'?: (number | string | Long);
}

export interface HeartbeatRequest__Output {
  'sessionId': (string);
}
