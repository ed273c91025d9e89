// Original file: proto/fsmeta/v1/meta.proto


export interface SetLkResponse {
}

export interface SetLkResponse__Output {
}
