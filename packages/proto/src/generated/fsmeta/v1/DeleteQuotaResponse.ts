// Original file: proto/fsmeta/v1/meta.proto


export interface DeleteQuotaResponse {
}

export interface DeleteQuotaResponse__Output {
}
