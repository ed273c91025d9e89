import type { Logger } from 'pino';
import type { Db } from '../store/db';
import type { Listener } from '../store/listener';

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
  /** The change feed looks for changes this often even without a notification (safety net, not the wake-up path). */
  watchPollMs: number;
  /** A blocked lock request re-checks at least this often without a notification (default 1000 ms). */
  lockPollMs?: number;
  /** Entries one transaction of the directory-statistics build recounts, at least one directory (default meta/dir-stats.ts DEFAULT_BUILD_BATCH). */
  dirStatsBatch?: number;
}

export interface MetaDeps {
  db: Db;
  /** This replica's LISTEN/NOTIFY connection (the admin CLI has none: watchers see its changes at their next poll). */
  listener?: Listener;
  log: Logger;
  options: MetaOptions;
}
