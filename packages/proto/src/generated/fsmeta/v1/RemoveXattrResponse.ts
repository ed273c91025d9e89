// Original file: proto/fsmeta/v1/meta.proto


export interface RemoveXattrResponse {
}

export interface RemoveXattrResponse__Output {
}
