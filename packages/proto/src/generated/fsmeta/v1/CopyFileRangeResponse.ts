// Original file: proto/fsmeta/v1/meta.proto

import type { Attr as _fsmeta_v1_Attr, Attr__Output as _fsmeta_v1_Attr__Output } from '../../fsmeta/v1/Attr';
import type { Long } from '@grpc/proto-loader';

export interface CopyFileRangeResponse {
  'copied'?: (number | string | Long);
  'attrOut'?: (_fsmeta_v1_Attr | null);
}

export interface CopyFileRangeResponse__Output {
  'copied': (string);
  'attrOut': (_fsmeta_v1_Attr__Output | null);
}
