// Original file: proto/fsmeta/v1/meta.proto

import type { RequestContext as _fsmeta_v1_RequestContext, RequestContext__Output as _fsmeta_v1_RequestContext__Output } from '../../fsmeta/v1/RequestContext';
import type { Long } from '@grpc/proto-loader';

export interface RmdirRequest {
  'ctx'?: (_fsmeta_v1_RequestContext | null);
  'parent'?: (number | string | Long);
  'name'?: (Buffer | Uint8Array | string);
}

export interface RmdirRequest__Output {
  'ctx': (_fsmeta_v1_RequestContext__Output | null);
  'parent': (string);
  'name': (Buffer);
}
