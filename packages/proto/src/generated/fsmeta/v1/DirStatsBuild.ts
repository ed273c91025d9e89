// Original file: proto/fsmeta/v1/meta.proto

import type { Long } from '@grpc/proto-loader';

export interface DirStatsBuild {
  'done'?: (number | string | Long);
  'total'?: (number | string | Long);
}

export interface DirStatsBuild__Output {
  'done': (string);
  'total': (string);
}
