// Original file: proto/fsmeta/v1/meta.proto

import type { SummaryEntry as _fsmeta_v1_SummaryEntry, SummaryEntry__Output as _fsmeta_v1_SummaryEntry__Output } from '../../fsmeta/v1/SummaryEntry';
import type { Long } from '@grpc/proto-loader';

export interface GetSummaryResponse {
  'length'?: (number | string | Long);
  'size'?: (number | string | Long);
  'files'?: (number | string | Long);
  'dirs'?: (number | string | Long);
  'children'?: (_fsmeta_v1_SummaryEntry)[];
  'symlinks'?: (number | string | Long);
}

export interface GetSummaryResponse__Output {
  'length': (string);
  'size': (string);
  'files': (string);
  'dirs': (string);
  'children': (_fsmeta_v1_SummaryEntry__Output)[];
  'symlinks': (string);
}
