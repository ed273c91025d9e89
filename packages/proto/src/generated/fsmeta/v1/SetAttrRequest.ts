// Original file: proto/fsmeta/v1/meta.proto

import type { RequestContext as _fsmeta_v1_RequestContext, RequestContext__Output as _fsmeta_v1_RequestContext__Output } from '../../fsmeta/v1/RequestContext';
import type { Long } from '@grpc/proto-loader';

export interface SetAttrRequest {
  'ctx'?: (_fsmeta_v1_RequestContext | null);
  'inode'?: (number | string | Long);
  'set'?: (number);
  'mode'?: (number);
  'uid'?: (number);
  'gid'?: (number);
  'atimeNs'?: (number | string | Long);
  'mtimeNs'?: (number | string | Long);
  'flags'?: (number);
}

export interface SetAttrRequest__Output {
  'ctx': (_fsmeta_v1_RequestContext__Output | null);
  'inode': (string);
  'set': (number);
  'mode': (number);
  'uid': (number);
  'gid': (number);
  'atimeNs': (string);
  'mtimeNs': (string);
  'flags': (number);
}
