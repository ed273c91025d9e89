// Original file: proto/fsmeta/v1/meta.proto


export interface FlockResponse {
}

export interface FlockResponse__Output {
}
