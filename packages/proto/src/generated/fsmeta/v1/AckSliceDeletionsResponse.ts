// Original file: proto/fsmeta/v1/meta.proto


export interface AckSliceDeletionsResponse {
  'acked'?: (number);
}

export interface AckSliceDeletionsResponse__Output {
  'acked': (number);
}
