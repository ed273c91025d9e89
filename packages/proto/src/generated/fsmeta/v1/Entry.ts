// Original file: proto/fsmeta/v1/types.proto

import type { FileType as _fsmeta_v1_FileType, FileType__Output as _fsmeta_v1_FileType__Output } from '../../fsmeta/v1/FileType';
import type { Attr as _fsmeta_v1_Attr, Attr__Output as _fsmeta_v1_Attr__Output } from '../../fsmeta/v1/Attr';
import type { Long } from '@grpc/proto-loader';

export interface Entry {
  'inode'?: (number | string | Long);
  'name'?: (Buffer | Uint8Array | string);
  'type'?: (_fsmeta_v1_FileType);
  'attr'?: (_fsmeta_v1_Attr | null);
}

export interface Entry__Output {
  'inode': (string);
  'name': (Buffer);
  'type': (_fsmeta_v1_FileType__Output);
  'attr': (_fsmeta_v1_Attr__Output | null);
}
