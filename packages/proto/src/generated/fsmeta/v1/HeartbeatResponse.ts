// Original file: proto/fsmeta/v1/meta.proto

import type { Long } from '@grpc/proto-loader';

export interface HeartbeatResponse {
  'expireNs'?: (number | string | Long);
}

export interface HeartbeatResponse__Output {
  'expireNs': (string);
}
