import * as fs from 'node:fs';
import { DataPath } from './data';
import { FileSystem, type CacheTimeouts } from './filesystem';
import { FuseDevice } from './fuse/device';
import { Meta } from './meta';
import { LocalStore, type ObjectStore } from './store';
import { Workers } from './workers';

export const VERSION = '0.1.0';
const DEFAULT_BLOCK_SIZE = 4 << 20;

export interface MountConfig {
  mountpoint: string;
  /** host:port of an fsmeta replica, or several (the client fails over between them). */
  metaAddress: string | string[];
  /** Directory of the local object store. */
  dataDir: string;
  /** Block cache size. Default 256 MiB. */
  cacheBytes?: number;
  /** Blocks read ahead of a sequential reader. Default 2. */
  readaheadBlocks?: number;
  /** Period of the deletion and compaction workers. Default 5 s. */
  workerPeriodMs?: number;
  timeouts?: Partial<CacheTimeouts>;
  /** Where diagnostics go. Default stderr. */
  log?: (msg: string) => void;
  store?: ObjectStore;
}

export interface Mounted {
  readonly mountpoint: string;
  readonly sessionId: string;
  /** Resolves when the file system is gone (unmounted by us or by `umount`) and the session closed. */
  readonly done: Promise<void>;
  /** Unmounts (lazily when busy), flushes what is still dirty, stops the workers and closes the session. */
  unmount(): Promise<void>;
  stats(): { blockCacheBytes: number; deletedSlices: number; compactedChunks: number; openHandles: number };
}

/** Mounts a volume: session, data path, workers, then the kernel mount. */
export async function mount(cfg: MountConfig): Promise<Mounted> {
  const log = cfg.log ?? ((msg: string) => console.error(`fsmeta-mount: ${msg}`));
  const st = fs.statSync(cfg.mountpoint);
  if (!st.isDirectory()) throw new Error(`${cfg.mountpoint} is not a directory`);
  const meta = await Meta.connect(cfg.metaAddress, { mountpoint: cfg.mountpoint, version: VERSION, log });
  const blockSize = meta.format.blockSizeKib > 0 ? meta.format.blockSizeKib * 1024 : DEFAULT_BLOCK_SIZE;
  const store = cfg.store ?? new LocalStore(cfg.dataDir);
  const data = new DataPath(meta, store, { blockSize, cacheBytes: cfg.cacheBytes ?? 256 << 20, readaheadBlocks: cfg.readaheadBlocks ?? 2 });
  const dev = new FuseDevice(cfg.mountpoint);
  const fsys = new FileSystem(meta, data, dev, { entrySec: 1, attrSec: 1, dirEntrySec: 1, ...cfg.timeouts });
  fsys.log = log;
  const workers = new Workers(meta, data, cfg.workerPeriodMs ?? 5000, log);
  try {
    await dev.mount({ fsname: `fsmeta:${meta.format.name}`, options: ['default_permissions', 'allow_other', `max_read=${1 << 20}`] }, (h, body) => fsys.handle(h, body));
  } catch (err) {
    await meta.close().catch(() => undefined);
    throw err;
  }
  workers.start();

  let finishing: Promise<void> | undefined;
  const finish = (): Promise<void> =>
    (finishing ??= (async () => {
      try {
        await data.flushAll();
      } catch (err) {
        log(`flush at unmount failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      await workers.stop();
      dev.close();
      await meta.close().catch((err: unknown) => log(`closing the session failed: ${String(err)}`));
    })());
  const done = dev.whenEnded().then(finish);

  return {
    mountpoint: cfg.mountpoint,
    sessionId: meta.sessionId,
    done,
    async unmount() {
      await dev.unmount();
      // A lazy unmount ends the connection when the last user goes; do not wait for ever.
      await Promise.race([dev.whenEnded(), new Promise((r) => setTimeout(r, 10_000).unref())]);
      await finish();
    },
    stats: () => ({ blockCacheBytes: data.cache.size, deletedSlices: workers.deleted, compactedChunks: workers.compacted, openHandles: fsys.openHandles }),
  };
}
