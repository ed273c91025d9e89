// Original file: proto/fsmeta/v1/meta.proto


export interface RmdirResponse {
}

export interface RmdirResponse__Output {
}
