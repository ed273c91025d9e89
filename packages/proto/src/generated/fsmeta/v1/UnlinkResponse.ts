// Original file: proto/fsmeta/v1/meta.proto


export interface UnlinkResponse {
}

export interface UnlinkResponse__Output {
}
