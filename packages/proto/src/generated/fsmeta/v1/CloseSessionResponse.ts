// Original file: proto/fsmeta/v1/meta.proto


export interface CloseSessionResponse {
}

export interface CloseSessionResponse__Output {
}
