// Original file: proto/fsmeta/v1/meta.proto

import type { RequestContext as _fsmeta_v1_RequestContext, RequestContext__Output as _fsmeta_v1_RequestContext__Output } from '../../fsmeta/v1/RequestContext';
import type { Long } from '@grpc/proto-loader';

export interface RenameRequest {
  'ctx'?: (_fsmeta_v1_RequestContext | null);
  'parentSrc'?: (number | string | Long);
  'nameSrc'?: (Buffer | Uint8Array | string);
  'parentDst'?: (number | string | Long);
  'nameDst'?: (Buffer | Uint8Array | string);
  'flags'?: (number);
}

export interface RenameRequest__Output {
  'ctx': (_fsmeta_v1_RequestContext__Output | null);
  'parentSrc': (string);
  'nameSrc': (Buffer);
  'parentDst': (string);
  'nameDst': (Buffer);
  'flags': (number);
}
