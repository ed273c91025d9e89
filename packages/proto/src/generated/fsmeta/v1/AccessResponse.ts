// Original file: proto/fsmeta/v1/meta.proto


export interface AccessResponse {
}

export interface AccessResponse__Output {
}
