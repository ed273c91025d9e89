// Original file: proto/fsmeta/v1/meta.proto


export interface ListXattrResponse {
  'names'?: (Buffer | Uint8Array | string)[];
}

export interface ListXattrResponse__Output {
  'names': (Buffer)[];
}
