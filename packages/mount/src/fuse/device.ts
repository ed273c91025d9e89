import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { IN_HEADER_SIZE, OUT_HEADER_SIZE, readInHeader, type InHeader } from './protocol';

const FUSECTL = '/sys/fs/fuse/connections';

/**
 * The connection number of the FUSE mount at `mountpoint`: its device number
 * (major:minor in /proc/self/mountinfo, read so as not to stat our own mount).
 */
async function connectionOf(mountpoint: string): Promise<number | undefined> {
  const lines = (await fs.promises.readFile('/proc/self/mountinfo', 'utf8')).split('\n');
  let found: number | undefined;
  for (const l of lines) {
    const f = l.split(' ');
    if (f[4] !== mountpoint) continue;
    const [major, minor] = f[2]!.split(':').map(Number);
    // The last one mounted there is ours (mounts stack).
    found = (major! << 20) | minor!;
  }
  return found;
}

/** Big enough for the largest WRITE (max_write) plus its headers. */
export const MAX_WRITE = 1 << 20;
const READ_BUFFER_SIZE = MAX_WRITE + 4096;
/** Requests read concurrently from /dev/fuse (each parks one libuv pool thread while idle). */
const READERS = 2;

export type RequestHandler = (header: InHeader, body: Buffer) => void;

export interface MountOptions {
  /** Kernel mount options, e.g. default_permissions, allow_other. */
  options: string[];
  fsname: string;
}

function run(cmd: string, args: string[], stdio: Array<'ignore' | 'pipe' | number> = ['ignore', 'pipe', 'pipe']): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? 1, stderr: stderr.trim() }));
  });
}

/**
 * One FUSE connection, spoken directly over /dev/fuse: no libfuse. The mount
 * itself is mount(2) of type "fuse" with the device's descriptor (what
 * fusermount does), done by mount(8) as a child that inherits the descriptor
 * as fd 3; so it needs root, as this node does. Requests are read on the libuv
 * pool (a read of /dev/fuse blocks) and handed to `handler`; replies are
 * written synchronously (a write to /dev/fuse never blocks).
 */
export class FuseDevice {
  private fd = -1;
  private closed = false;
  private readonly ended: Promise<void>;
  private endResolve!: () => void;
  private readers = 0;
  /** The kernel's number of this connection (its directory under /sys/fs/fuse/connections). */
  private connection: number | undefined;

  constructor(readonly mountpoint: string) {
    this.ended = new Promise((r) => (this.endResolve = r));
  }

  async mount(opts: MountOptions, handler: RequestHandler): Promise<void> {
    this.fd = fs.openSync('/dev/fuse', 'r+');
    const st = fs.statSync(this.mountpoint);
    const rootmode = (st.mode & 0o170000).toString(8);
    const options = [`fd=3`, `rootmode=${rootmode}`, `user_id=0`, `group_id=0`, ...opts.options].join(',');
    const res = await run('mount', ['-i', '-t', 'fuse.fsmeta', '-o', options, opts.fsname, this.mountpoint], ['ignore', 'pipe', 'pipe', this.fd]);
    if (res.code !== 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
      throw new Error(`mount ${this.mountpoint}: ${res.stderr || `mount(8) exited ${res.code}`}`);
    }
    this.connection = await connectionOf(this.mountpoint);
    for (let i = 0; i < READERS; i++) this.readLoop(handler);
  }

  private readLoop(handler: RequestHandler): void {
    this.readers++;
    const buf = Buffer.allocUnsafe(READ_BUFFER_SIZE);
    const next = (): void => {
      fs.read(this.fd, buf, 0, buf.length, null, (err, n) => {
        if (err !== null) {
          const code = (err as NodeJS.ErrnoException).code;
          // EINTR / EAGAIN: try again; ENOENT: the request was interrupted before we read it.
          if (!this.closed && (code === 'EINTR' || code === 'EAGAIN' || code === 'ENOENT')) return next();
          this.readers--;
          // ENODEV: unmounted. Anything else also ends the connection.
          this.finish();
          return;
        }
        if (n < IN_HEADER_SIZE) return next();
        // The handler gets its own copy: the buffer is reused for the next read.
        const req = Buffer.from(buf.subarray(0, n));
        const header = readInHeader(req);
        next();
        handler(header, req.subarray(IN_HEADER_SIZE, header.len));
      });
    };
    next();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.endResolve();
  }

  /** Resolves when the kernel ends the connection (unmount or abort). */
  whenEnded(): Promise<void> {
    return this.ended;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  reply(unique: bigint, error: number, ...payload: Buffer[]): void {
    if (this.fd < 0 || this.closed) return;
    let len = OUT_HEADER_SIZE;
    for (const p of payload) len += p.length;
    const head = Buffer.allocUnsafe(OUT_HEADER_SIZE);
    head.writeUInt32LE(len, 0);
    head.writeInt32LE(error === 0 ? 0 : -Math.abs(error), 4);
    head.writeBigUInt64LE(unique, 8);
    this.write(payload.length === 0 ? head : Buffer.concat([head, ...payload], len));
  }

  /** A notification (unique 0, the code in the error field); best effort. */
  notify(code: number, payload: Buffer): void {
    if (this.fd < 0 || this.closed) return;
    const head = Buffer.allocUnsafe(OUT_HEADER_SIZE);
    head.writeUInt32LE(OUT_HEADER_SIZE + payload.length, 0);
    head.writeInt32LE(code, 4);
    head.writeBigUInt64LE(0n, 8);
    this.write(Buffer.concat([head, payload]));
  }

  /**
   * A notification written from the libuv pool: the kernel may wait on a page
   * lock held by a READ only this process can answer, so the event loop must
   * stay free while it is written.
   */
  notifyAsync(code: number, payload: Buffer): Promise<void> {
    if (this.fd < 0 || this.closed) return Promise.resolve();
    const head = Buffer.allocUnsafe(OUT_HEADER_SIZE);
    head.writeUInt32LE(OUT_HEADER_SIZE + payload.length, 0);
    head.writeInt32LE(code, 4);
    head.writeBigUInt64LE(0n, 8);
    const buf = Buffer.concat([head, payload]);
    return new Promise((resolve) => fs.write(this.fd, buf, 0, buf.length, null, () => resolve()));
  }

  private write(buf: Buffer): void {
    try {
      fs.writeSync(this.fd, buf);
    } catch (err) {
      // ENOENT: the request was interrupted and is gone; ENODEV: unmounted meanwhile.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENODEV' && code !== 'EINVAL') throw err;
    }
  }

  /**
   * Unmounts. A busy mount is detached (lazy): it disappears from the
   * namespace now and the kernel ends the connection when its last user is gone.
   */
  async unmount(): Promise<void> {
    if (this.closed) return;
    // --no-canonicalize: umount(8) must not stat the mount point, which would be a request to us.
    const res = await run('umount', ['--no-canonicalize', this.mountpoint]);
    if (res.code !== 0 && !this.closed) await run('umount', ['--no-canonicalize', '--lazy', this.mountpoint]);
  }

  /**
   * Aborts the connection: every request pending in the kernel fails
   * (ECONNABORTED), later ones get ENOTCONN, and our parked reads return. A
   * process must do this before it exits with the mount still busy (lazily
   * detached): Node joins its pool threads at exit, and reads parked on a live
   * connection would never return. Through fusectl (mounted here when the
   * system has not); `umount -f` while the mount is still attached otherwise.
   */
  async abort(): Promise<void> {
    if (this.fd < 0 || this.readers === 0) return;
    if (this.connection !== undefined) {
      const file = `${FUSECTL}/${this.connection}/abort`;
      if (!fs.existsSync(FUSECTL + '/' + this.connection)) await run('mount', ['-t', 'fusectl', 'fusectl', FUSECTL]).catch(() => undefined);
      try {
        await fs.promises.writeFile(file, '1');
        return;
      } catch {
        // no fusectl here: try the other way
      }
    }
    await run('umount', ['--no-canonicalize', '--force', this.mountpoint]).catch(() => undefined);
  }

  /** Closes the device: the kernel aborts whatever is still pending (ENOTCONN). */
  close(): void {
    this.finish();
    if (this.fd >= 0) {
      const fd = this.fd;
      this.fd = -1;
      // Parked reads hold the fd; closing it under them is safe (they fail with EBADF).
      try {
        fs.closeSync(fd);
      } catch {
        // already gone
      }
    }
  }

  get activeReaders(): number {
    return this.readers;
  }
}
