// Original file: proto/fsmeta/v1/meta.proto

import type { RequestContext as _fsmeta_v1_RequestContext, RequestContext__Output as _fsmeta_v1_RequestContext__Output } from '../../fsmeta/v1/RequestContext';
import type { Format as _fsmeta_v1_Format, Format__Output as _fsmeta_v1_Format__Output } from '../../fsmeta/v1/Format';

export interface FormatRequest {
  'ctx'?: (_fsmeta_v1_RequestContext | null);
  'format'?: (_fsmeta_v1_Format | null);
  'force'?: (boolean);
}

export interface FormatRequest__Output {
  'ctx': (_fsmeta_v1_RequestContext__Output | null);
  'format': (_fsmeta_v1_Format__Output | null);
  'force': (boolean);
}
