// Original file: proto/fsmeta/v1/meta.proto


export interface ListSessionsRequest {
  'withLocks'?: (boolean);
}

export interface ListSessionsRequest__Output {
  'withLocks': (boolean);
}
