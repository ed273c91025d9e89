// Original file: proto/fsmeta/v1/meta.proto

import type { RequestContext as _fsmeta_v1_RequestContext, RequestContext__Output as _fsmeta_v1_RequestContext__Output } from '../../fsmeta/v1/RequestContext';
import type { FileType as _fsmeta_v1_FileType, FileType__Output as _fsmeta_v1_FileType__Output } from '../../fsmeta/v1/FileType';
import type { Long } from '@grpc/proto-loader';

export interface MknodRequest {
  'ctx'?: (_fsmeta_v1_RequestContext | null);
  'parent'?: (number | string | Long);
  'name'?: (Buffer | Uint8Array | string);
  'type'?: (_fsmeta_v1_FileType);
  'mode'?: (number);
  'umask'?: (number);
  'rdev'?: (number);
}

export interface MknodRequest__Output {
  'ctx': (_fsmeta_v1_RequestContext__Output | null);
  'parent': (string);
  'name': (Buffer);
  'type': (_fsmeta_v1_FileType__Output);
  'mode': (number);
  'umask': (number);
  'rdev': (number);
}
