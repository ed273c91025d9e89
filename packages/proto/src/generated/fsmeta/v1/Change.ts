// Original file: proto/fsmeta/v1/meta.proto

import type { ChangeKind as _fsmeta_v1_ChangeKind, ChangeKind__Output as _fsmeta_v1_ChangeKind__Output } from '../../fsmeta/v1/ChangeKind';
import type { Long } from '@grpc/proto-loader';

export interface Change {
  'kind'?: (_fsmeta_v1_ChangeKind);
  'inode'?: (number | string | Long);
  'parent'?: (number | string | Long);
  'name'?: (Buffer | Uint8Array | string);
  'chunkIndex'?: (number);
  'originSessionId'?: (number | string | Long);
  'originRequestId'?: (string);
}

export interface Change__Output {
  'kind': (_fsmeta_v1_ChangeKind__Output);
  'inode': (string);
  'parent': (string);
  'name': (Buffer);
  'chunkIndex': (number);
  'originSessionId': (string);
  'originRequestId': (string);
}
