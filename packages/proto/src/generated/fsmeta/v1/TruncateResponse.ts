// Original file: proto/fsmeta/v1/meta.proto

import type { Attr as _fsmeta_v1_Attr, Attr__Output as _fsmeta_v1_Attr__Output } from '../../fsmeta/v1/Attr';

export interface TruncateResponse {
  'attr'?: (_fsmeta_v1_Attr | null);
}

export interface TruncateResponse__Output {
  'attr': (_fsmeta_v1_Attr__Output | null);
}
