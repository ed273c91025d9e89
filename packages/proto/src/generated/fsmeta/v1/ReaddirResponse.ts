// Original file: proto/fsmeta/v1/meta.proto

import type { Entry as _fsmeta_v1_Entry, Entry__Output as _fsmeta_v1_Entry__Output } from '../../fsmeta/v1/Entry';

export interface ReaddirResponse {
  'entries'?: (_fsmeta_v1_Entry)[];
  'nextCursor'?: (Buffer | Uint8Array | string);
  'eof'?: (boolean);
}

export interface ReaddirResponse__Output {
  'entries': (_fsmeta_v1_Entry__Output)[];
  'nextCursor': (Buffer);
  'eof': (boolean);
}
