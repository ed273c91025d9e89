// Original file: proto/fsmeta/v1/meta.proto

import type { RequestContext as _fsmeta_v1_RequestContext, RequestContext__Output as _fsmeta_v1_RequestContext__Output } from '../../fsmeta/v1/RequestContext';
import type { Long } from '@grpc/proto-loader';

export interface CopyFileRangeRequest {
  'ctx'?: (_fsmeta_v1_RequestContext | null);
  'inodeIn'?: (number | string | Long);
  'offsetIn'?: (number | string | Long);
  'inodeOut'?: (number | string | Long);
  'offsetOut'?: (number | string | Long);
  'size'?: (number | string | Long);
  'flags'?: (number);
}

export interface CopyFileRangeRequest__Output {
  'ctx': (_fsmeta_v1_RequestContext__Output | null);
  'inodeIn': (string);
  'offsetIn': (string);
  'inodeOut': (string);
  'offsetOut': (string);
  'size': (string);
  'flags': (number);
}
