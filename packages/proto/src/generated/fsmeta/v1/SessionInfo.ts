// Original file: proto/fsmeta/v1/types.proto


export interface SessionInfo {
  'version'?: (string);
  'hostName'?: (string);
  'ipAddrs'?: (string)[];
  'mountPoint'?: (string);
  'processId'?: (number);
}

export interface SessionInfo__Output {
  'version': (string);
  'hostName': (string);
  'ipAddrs': (string)[];
  'mountPoint': (string);
  'processId': (number);
}
