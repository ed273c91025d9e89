// Original file: proto/fsmeta/v1/meta.proto


export interface ReadLinkResponse {
  'target'?: (Buffer | Uint8Array | string);
}

export interface ReadLinkResponse__Output {
  'target': (Buffer);
}
