// Original file: proto/fsmeta/v1/meta.proto

import type { RequestContext as _fsmeta_v1_RequestContext, RequestContext__Output as _fsmeta_v1_RequestContext__Output } from '../../fsmeta/v1/RequestContext';
import type { Long } from '@grpc/proto-loader';

export interface WatchRequest {
  'ctx'?: (_fsmeta_v1_RequestContext | null);
  'position'?: (string);
  'subtree'?: (number | string | Long);
  'inodes'?: (number | string | Long)[];
}

export interface WatchRequest__Output {
  'ctx': (_fsmeta_v1_RequestContext__Output | null);
  'position': (string);
  'subtree': (string);
  'inodes': (string)[];
}
