import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { DataPath } from './data';
import { FileSystem, type CacheTimeouts } from './filesystem';
import { FuseDevice } from './fuse/device';
import { Meta } from './meta';
import { LocalStore, type ObjectStore } from './store';
import type { TlsOptions } from '@fsmeta/client';
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
  /** Bound of an unmount: users, flush, workers, session close (docs/mount.md). Default 10 s. */
  stopTimeoutMs?: number;
  /** TLS and bearer token for fsmeta (docs/security.md). */
  tls?: TlsOptions;
  token?: string | (() => string);
  timeouts?: Partial<CacheTimeouts>;
  /** Where diagnostics go. Default stderr. */
  log?: (msg: string) => void;
  store?: ObjectStore;
}

/** How an unmount ended. */
export interface StopResult {
  /** Everything written was recorded and the session closed. */
  clean: boolean;
  /** Bytes of acknowledged writes that could not be recorded. */
  lostBytes: number;
  sessionClosed: boolean;
}

export interface Mounted {
  readonly mountpoint: string;
  readonly sessionId: string;
  /** Resolves when the file system is gone (unmounted by us or by `umount`) and the session closed (or given up on). */
  readonly done: Promise<StopResult>;
  /**
   * Unmounts (lazily when busy), flushes what is still dirty, stops the workers
   * and closes the session, all within `stopTimeoutMs`; `force` gives up on
   * fsmeta at once (what is dirty is reported lost).
   */
  unmount(force?: boolean): Promise<StopResult>;
  stats(): { blockCacheBytes: number; deletedSlices: number; compactedChunks: number; openHandles: number };
}

/** How long the shutdown asks fsmeta whether it is there at all. */
const PROBE_MS = 2000;
/** Closing the session when fsmeta was given up on: it will not answer, so do not wait for it. */
const GIVEN_UP_CLOSE_MS = 500;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)).unref());
}

/** Resolves true when `p` settles within `ms`, false otherwise (p keeps running). */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<false>((r) => (timer = setTimeout(() => r(false), Math.max(0, ms))));
  try {
    return await Promise.race([p.then(
      () => true,
      () => true,
    ), t]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The mount point's attributes. A mount point left by a mount that was killed
 * (kill -9, a crash) answers ENOTCONN until it is detached: detach it, so a
 * restarted mount (a supervisor's restart) mounts again on the same path.
 */
async function mountpointStat(mountpoint: string, log: (msg: string) => void): Promise<fs.Stats> {
  try {
    return await fs.promises.stat(mountpoint);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOTCONN') throw err;
    log(`${mountpoint} is a dead FUSE mount (its process is gone): detaching it`);
    await new Promise<void>((resolve) => execFile('umount', ['--no-canonicalize', '--lazy', mountpoint], () => resolve()));
    return fs.promises.stat(mountpoint);
  }
}

/** Mounts a volume: session, data path, workers, then the kernel mount. */
export async function mount(cfg: MountConfig): Promise<Mounted> {
  const log = cfg.log ?? ((msg: string) => console.error(`fsmeta-mount: ${msg}`));
  const stopTimeoutMs = cfg.stopTimeoutMs ?? 10_000;
  const st = await mountpointStat(cfg.mountpoint, log);
  if (!st.isDirectory()) throw new Error(`${cfg.mountpoint} is not a directory`);
  const meta = await Meta.connect(cfg.metaAddress, { mountpoint: cfg.mountpoint, version: VERSION, log, tls: cfg.tls, token: cfg.token });
  const blockSize = meta.format.blockSizeKib > 0 ? meta.format.blockSizeKib * 1024 : DEFAULT_BLOCK_SIZE;
  const store = cfg.store ?? new LocalStore(cfg.dataDir);
  const data = new DataPath(meta, store, { blockSize, cacheBytes: cfg.cacheBytes ?? 256 << 20, readaheadBlocks: cfg.readaheadBlocks ?? 2 });
  data.onLost = (inode, bytes, err) =>
    log(`LOST ${bytes} bytes written to inode ${inode} (acknowledged, never recorded): ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  const dev = new FuseDevice(cfg.mountpoint);
  const fsys = new FileSystem(meta, data, dev, { entrySec: 1, attrSec: 1, dirEntrySec: 1, ...cfg.timeouts });
  fsys.log = log;
  const workers = new Workers(meta, data, cfg.workerPeriodMs ?? 5000, log);
  try {
    await dev.mount({ fsname: `fsmeta:${meta.format.name}`, options: ['default_permissions', 'allow_other', `max_read=${1 << 20}`] }, (h, body) => fsys.handle(h, body));
  } catch (err) {
    await meta.close(2000);
    throw err;
  }
  workers.start();

  let deadline = Number.POSITIVE_INFINITY;
  const giveUp = (why: string): void => {
    if (meta.givenUp) return;
    log(`giving up on fsmeta: ${why}`);
    meta.giveUp();
  };
  /** Starts the shutdown clock and finds out, quickly, whether fsmeta is there to flush to. */
  let probing: Promise<void> | undefined;
  const startStop = (): Promise<void> => {
    if (deadline === Number.POSITIVE_INFINITY) deadline = Date.now() + stopTimeoutMs;
    return (probing ??= meta.reachable(Math.min(PROBE_MS, stopTimeoutMs)).then((up) => {
      if (!up) giveUp(`no answer within ${Math.min(PROBE_MS, stopTimeoutMs)} ms`);
    }));
  };

  let finishing: Promise<StopResult> | undefined;
  const finish = (): Promise<StopResult> =>
    (finishing ??= (async () => {
      await startStop();
      // Past the deadline the flush may go on while it makes progress (a healthy fsmeta, much dirty
      // data, a slow disk); with none for half the stop timeout it is given up.
      const flushing = data.flushAll();
      let recorded = data.recordedBytes;
      let progressAt = Date.now();
      while (!(await within(flushing, 250))) {
        if (data.recordedBytes !== recorded) {
          recorded = data.recordedBytes;
          progressAt = Date.now();
        } else if (Date.now() >= deadline && Date.now() - progressAt >= stopTimeoutMs / 2) {
          giveUp(`flushing ${data.dirtyBytes} bytes made no progress for ${Math.round((Date.now() - progressAt) / 1000)} s, past the stop timeout (${stopTimeoutMs} ms)`);
          // Every call failed at once: the flushes settle now, reporting what they lose.
          await within(flushing, 1000);
          break;
        }
      }
      // A round still running is abandoned (its claims lapse after their lease, and fsmeta offers them again).
      if (!(await within(workers.stop(), Math.max(1000, deadline - Date.now())))) log('background work still running at unmount: abandoned (its claims lapse)');
      // Still busy (lazily detached, a user inside): abort the connection, or this process could not exit.
      await dev.abort();
      dev.close();
      const sessionClosed = await meta.close(meta.givenUp ? GIVEN_UP_CLOSE_MS : Math.max(GIVEN_UP_CLOSE_MS, deadline - Date.now()));
      if (!sessionClosed) log(`session ${meta.sessionId} was not closed: fsmeta expires it after missed heartbeats and releases its opens`);
      const lostBytes = data.lostBytes + data.dirtyBytes;
      if (lostBytes > 0) log(`LOST ${lostBytes} bytes of acknowledged writes in all (see above)`);
      return { clean: lostBytes === 0 && sessionClosed, lostBytes, sessionClosed };
    })());
  // Unmounted from outside (umount): the kernel ended the connection; bound the rest the same way.
  const done = dev.whenEnded().then(finish);

  return {
    mountpoint: cfg.mountpoint,
    sessionId: meta.sessionId,
    done,
    async unmount(force = false) {
      if (force) {
        deadline = Math.min(deadline, Date.now());
        giveUp('forced');
      }
      const probe = startStop();
      await dev.unmount();
      // A lazy unmount ends the connection when the last user goes: wait for that, but not past
      // half the stop timeout, and not at all when fsmeta is gone (users wait on it; they get EIO).
      const usersGone = dev.whenEnded();
      await Promise.race([usersGone, probe.then(() => (meta.givenUp ? undefined : usersGone)), sleep((deadline - Date.now()) / 2)]);
      return finish();
    },
    stats: () => ({ blockCacheBytes: data.cache.size, deletedSlices: workers.deleted, compactedChunks: workers.compacted, openHandles: fsys.openHandles }),
  };
}
