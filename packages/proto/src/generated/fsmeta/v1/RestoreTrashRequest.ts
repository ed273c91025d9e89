// Original file: proto/fsmeta/v1/meta.proto

import type { RequestContext as _fsmeta_v1_RequestContext, RequestContext__Output as _fsmeta_v1_RequestContext__Output } from '../../fsmeta/v1/RequestContext';

export interface RestoreTrashRequest {
  'ctx'?: (_fsmeta_v1_RequestContext | null);
  'hour'?: (Buffer | Uint8Array | string);
}

export interface RestoreTrashRequest__Output {
  'ctx': (_fsmeta_v1_RequestContext__Output | null);
  'hour': (Buffer);
}
