// Original file: proto/fsmeta/v1/meta.proto

import type { Slice as _fsmeta_v1_Slice, Slice__Output as _fsmeta_v1_Slice__Output } from '../../fsmeta/v1/Slice';

export interface ClaimSliceDeletionsResponse {
  'slices'?: (_fsmeta_v1_Slice)[];
}

export interface ClaimSliceDeletionsResponse__Output {
  'slices': (_fsmeta_v1_Slice__Output)[];
}
