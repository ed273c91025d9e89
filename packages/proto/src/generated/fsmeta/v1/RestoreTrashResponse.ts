// Original file: proto/fsmeta/v1/meta.proto


export interface RestoreTrashResponse {
  'restored'?: (number);
  'skipped'?: (number);
}

export interface RestoreTrashResponse__Output {
  'restored': (number);
  'skipped': (number);
}
