// Original file: proto/fsmeta/v1/meta.proto


export interface GetXattrResponse {
  'value'?: (Buffer | Uint8Array | string);
}

export interface GetXattrResponse__Output {
  'value': (Buffer);
}
