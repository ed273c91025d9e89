// Original file: proto/fsmeta/v1/meta.proto

import type { Format as _fsmeta_v1_Format, Format__Output as _fsmeta_v1_Format__Output } from '../../fsmeta/v1/Format';
import type { DirStatsBuild as _fsmeta_v1_DirStatsBuild, DirStatsBuild__Output as _fsmeta_v1_DirStatsBuild__Output } from '../../fsmeta/v1/DirStatsBuild';

export interface GetFormatResponse {
  'format'?: (_fsmeta_v1_Format | null);
  'dirStatsBuild'?: (_fsmeta_v1_DirStatsBuild | null);
}

export interface GetFormatResponse__Output {
  'format': (_fsmeta_v1_Format__Output | null);
  'dirStatsBuild': (_fsmeta_v1_DirStatsBuild__Output | null);
}
