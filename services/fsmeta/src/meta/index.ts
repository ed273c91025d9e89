import { ChangeFeed } from './changes';
import { Confinement } from './confine';
import { DataPath } from './data';
import type { MetaDeps } from './deps';
import { DirStats } from './dir-stats';
import { Locks } from './locks';
import { Namespace } from './namespace';
import { Quotas } from './quotas';
import { Sessions } from './sessions';
import { Trash } from './trash';
import { Volume } from './volume';
import { Xattrs } from './xattrs';

/** Every meta service, built from the same dependencies. */
export interface Meta {
  deps: MetaDeps;
  sessions: Sessions;
  volume: Volume;
  namespace: Namespace;
  xattrs: Xattrs;
  data: DataPath;
  quotas: Quotas;
  dirStats: DirStats;
  trash: Trash;
  changes: ChangeFeed;
  confinement: Confinement;
  locks: Locks;
}

export function createMeta(deps: MetaDeps): Meta {
  return {
    deps,
    sessions: new Sessions(deps),
    volume: new Volume(deps),
    namespace: new Namespace(deps),
    xattrs: new Xattrs(deps),
    data: new DataPath(deps),
    quotas: new Quotas(deps),
    dirStats: new DirStats(deps),
    trash: new Trash(deps),
    changes: new ChangeFeed(deps),
    confinement: new Confinement(deps),
    locks: new Locks(deps),
  };
}
