import type { Logger } from 'pino';
import type { Db } from '../store/db';

export type AtimeMode = 'noatime' | 'relatime' | 'strictatime';

/** Settings meta operations read; all come from the server config. */
export interface MetaOptions {
  heartbeatMs: number;
  /** A session without a heartbeat for this long expires (JuiceFS: 5 x heartbeat). */
  sessionTtlMs: number;
  /** Resolved at start: the server option, else the volume's, else noatime. */
  atimeMode: AtimeMode;
  skipDirMtimeNs: bigint;
  readdirDefaultLimit: number;
  readdirMaxLimit: number;
  /** Live sessions the volume admits; NewSession beyond that answers RESOURCE_EXHAUSTED (0 or unset: no limit). */
  maxSessions?: number;
}

export interface MetaDeps {
  db: Db;
  log: Logger;
  options: MetaOptions;
}
