// Original file: proto/fsmeta/v1/types.proto

import type { AtimeMode as _fsmeta_v1_AtimeMode, AtimeMode__Output as _fsmeta_v1_AtimeMode__Output } from '../../fsmeta/v1/AtimeMode';
import type { Long } from '@grpc/proto-loader';

export interface Format {
  'name'?: (string);
  'uuid'?: (string);
  'blockSizeKib'?: (number);
  'capacity'?: (number | string | Long);
  'inodes'?: (number | string | Long);
  'trashDays'?: (number);
  'dirStats'?: (boolean);
  'userGroupQuota'?: (boolean);
  'enableAcl'?: (boolean);
  'atimeMode'?: (_fsmeta_v1_AtimeMode);
  'storage'?: (string);
  'bucket'?: (string);
  'caseInsensitive'?: (boolean);
}

export interface Format__Output {
  'name': (string);
  'uuid': (string);
  'blockSizeKib': (number);
  'capacity': (string);
  'inodes': (string);
  'trashDays': (number);
  'dirStats': (boolean);
  'userGroupQuota': (boolean);
  'enableAcl': (boolean);
  'atimeMode': (_fsmeta_v1_AtimeMode__Output);
  'storage': (string);
  'bucket': (string);
  'caseInsensitive': (boolean);
}
