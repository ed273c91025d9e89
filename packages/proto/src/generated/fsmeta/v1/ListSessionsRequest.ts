// Original file: proto/fsmeta/v1/meta.proto


export interface ListSessionsRequest {
}

export interface ListSessionsRequest__Output {
}
