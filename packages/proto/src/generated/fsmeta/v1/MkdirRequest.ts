// Original file: proto/fsmeta/v1/meta.proto

import type { RequestContext as _fsmeta_v1_RequestContext, RequestContext__Output as _fsmeta_v1_RequestContext__Output } from '../../fsmeta/v1/RequestContext';
import type { Long } from '@grpc/proto-loader';

export interface MkdirRequest {
  'ctx'?: (_fsmeta_v1_RequestContext | null);
  'parent'?: (number | string | Long);
  'name'?: (Buffer | Uint8Array | string);
  'mode'?: (number);
  'umask'?: (number);
}

export interface MkdirRequest__Output {
  'ctx': (_fsmeta_v1_RequestContext__Output | null);
  'parent': (string);
  'name': (Buffer);
  'mode': (number);
  'umask': (number);
}
