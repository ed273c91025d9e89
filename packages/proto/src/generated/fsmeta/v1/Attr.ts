// Original file: proto/fsmeta/v1/types.proto

import type { FileType as _fsmeta_v1_FileType, FileType__Output as _fsmeta_v1_FileType__Output } from '../../fsmeta/v1/FileType';
import type { Long } from '@grpc/proto-loader';

export interface Attr {
  'inode'?: (number | string | Long);
  'type'?: (_fsmeta_v1_FileType);
  'mode'?: (number);
  'uid'?: (number);
  'gid'?: (number);
  'rdev'?: (number);
  'atimeNs'?: (number | string | Long);
  'mtimeNs'?: (number | string | Long);
  'ctimeNs'?: (number | string | Long);
  'nlink'?: (number);
  'length'?: (number | string | Long);
  'parent'?: (number | string | Long);
  'flags'?: (number);
}

export interface Attr__Output {
  'inode': (string);
  'type': (_fsmeta_v1_FileType__Output);
  'mode': (number);
  'uid': (number);
  'gid': (number);
  'rdev': (number);
  'atimeNs': (string);
  'mtimeNs': (string);
  'ctimeNs': (string);
  'nlink': (number);
  'length': (string);
  'parent': (string);
  'flags': (number);
}
