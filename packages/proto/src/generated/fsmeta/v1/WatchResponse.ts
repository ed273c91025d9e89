// Original file: proto/fsmeta/v1/meta.proto

import type { Change as _fsmeta_v1_Change, Change__Output as _fsmeta_v1_Change__Output } from '../../fsmeta/v1/Change';

export interface WatchResponse {
  'changes'?: (_fsmeta_v1_Change)[];
  'position'?: (string);
  'fellBehind'?: (boolean);
}

export interface WatchResponse__Output {
  'changes': (_fsmeta_v1_Change__Output)[];
  'position': (string);
  'fellBehind': (boolean);
}
