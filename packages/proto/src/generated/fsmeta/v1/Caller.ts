// Original file: proto/fsmeta/v1/types.proto


export interface Caller {
  'uid'?: (number);
  'gid'?: (number);
  'gids'?: (number)[];
  'permissionsChecked'?: (boolean);
}

export interface Caller__Output {
  'uid': (number);
  'gid': (number);
  'gids': (number)[];
  'permissionsChecked': (boolean);
}
