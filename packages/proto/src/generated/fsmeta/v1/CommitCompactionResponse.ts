// Original file: proto/fsmeta/v1/meta.proto


export interface CommitCompactionResponse {
}

export interface CommitCompactionResponse__Output {
}
