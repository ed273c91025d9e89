// Original file: proto/fsmeta/v1/meta.proto


export interface CloseResponse {
}

export interface CloseResponse__Output {
}
