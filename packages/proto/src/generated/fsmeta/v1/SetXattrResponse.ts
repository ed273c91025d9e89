// Original file: proto/fsmeta/v1/meta.proto


export interface SetXattrResponse {
}

export interface SetXattrResponse__Output {
}
