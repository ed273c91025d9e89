// Original file: proto/fsmeta/v1/meta.proto

import type { FileType as _fsmeta_v1_FileType, FileType__Output as _fsmeta_v1_FileType__Output } from '../../fsmeta/v1/FileType';
import type { SummaryEntry as _fsmeta_v1_SummaryEntry, SummaryEntry__Output as _fsmeta_v1_SummaryEntry__Output } from '../../fsmeta/v1/SummaryEntry';
import type { Long } from '@grpc/proto-loader';

export interface SummaryEntry {
  'inode'?: (number | string | Long);
  'name'?: (Buffer | Uint8Array | string);
  'type'?: (_fsmeta_v1_FileType);
  'length'?: (number | string | Long);
  'size'?: (number | string | Long);
  'files'?: (number | string | Long);
  'dirs'?: (number | string | Long);
  'children'?: (_fsmeta_v1_SummaryEntry)[];
  'symlinks'?: (number | string | Long);
}

export interface SummaryEntry__Output {
  'inode': (string);
  'name': (Buffer);
  'type': (_fsmeta_v1_FileType__Output);
  'length': (string);
  'size': (string);
  'files': (string);
  'dirs': (string);
  'children': (_fsmeta_v1_SummaryEntry__Output)[];
  'symlinks': (string);
}
