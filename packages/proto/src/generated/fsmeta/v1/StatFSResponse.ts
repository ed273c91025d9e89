// Original file: proto/fsmeta/v1/meta.proto

import type { Long } from '@grpc/proto-loader';

export interface StatFSResponse {
  'totalSpace'?: (number | string | Long);
  'availSpace'?: (number | string | Long);
  'usedInodes'?: (number | string | Long);
  'availInodes'?: (number | string | Long);
}

export interface StatFSResponse__Output {
  'totalSpace': (string);
  'availSpace': (string);
  'usedInodes': (string);
  'availInodes': (string);
}
