import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Mount tests: the mount runs as a child process (its FUSE callbacks need
 * their own event loop) and every syscall on it is made by another child
 * (fsops.py, shell tools), never by the jest worker, whose event loop serves
 * the in-process fsmeta the mount talks to.
 */

export const MOUNT_CLI = path.resolve(__dirname, '../../packages/mount/dist/cli.js');
const FSOPS = path.resolve(__dirname, 'fsops.py');

export interface MountProcess {
  mountpoint: string;
  dataDir: string;
  child: ChildProcess;
  stderr(): string;
  /** SIGTERM: unmount cleanly; resolves with the exit code. */
  stop(): Promise<number>;
  /** SIGKILL, then detach the dead mount (unless `detach` is false: left as a crash leaves it). */
  kill(opts?: { detach?: boolean }): Promise<void>;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

async function mounted(mountpoint: string): Promise<boolean> {
  const mounts = await fs.promises.readFile('/proc/self/mountinfo', 'utf8');
  return mounts.split('\n').some((l) => l.split(' ')[4] === mountpoint);
}

/** Starts `fsmeta-mount` on `address` and resolves once the kernel has the mount. */
export async function startMount(address: string, opts: { mountpoint?: string; dataDir: string; extraArgs?: string[]; env?: NodeJS.ProcessEnv }): Promise<MountProcess> {
  if (!fs.existsSync(MOUNT_CLI)) throw new Error(`${MOUNT_CLI} is missing: run tsc --build first`);
  const mountpoint = opts.mountpoint ?? tempDir('fsmeta-mnt-');
  const child = spawn(process.execPath, [MOUNT_CLI, mountpoint, '--meta', address, '--data', opts.dataDir, ...(opts.extraArgs ?? [])], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : 1))));
  const deadline = Date.now() + 30_000;
  while (!(/mounted on/.test(err) && (await mounted(mountpoint)))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`mount did not come up: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    mountpoint,
    dataDir: opts.dataDir,
    child,
    stderr: () => err,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill(o: { detach?: boolean } = {}) {
      child.kill('SIGKILL');
      await exited;
      if (o.detach !== false) await run('umount', ['-l', mountpoint]).catch(() => undefined);
    },
  };
}

/** Runs `fsmeta-mount` expecting it not to mount: its exit code and stderr (it is killed after `ms`). */
export function mountFailure(address: string, opts: { dataDir: string; extraArgs?: string[]; env?: NodeJS.ProcessEnv; ms?: number }): Promise<{ code: number | null; stderr: string; mounted: boolean }> {
  const mountpoint = tempDir('fsmeta-mnt-');
  const child = spawn(process.execPath, [MOUNT_CLI, mountpoint, '--meta', address, '--data', opts.dataDir, ...(opts.extraArgs ?? [])], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.ms ?? 60_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      void mounted(mountpoint).then(async (m) => {
        if (m) await run('umount', ['-l', mountpoint]).catch(() => undefined);
        fs.rmSync(mountpoint, { recursive: true, force: true });
        resolve({ code, stderr, mounted: m });
      });
    }),
  );
}

export { mounted as isMounted };

export interface Cred {
  uid: number;
  gid: number;
  groups?: number[];
}

export type OpResult = { ok: unknown } | { err: string };

/** Runs ops in one fsops.py child (optionally as another user) and returns one result each. */
export async function fsops(ops: unknown[][], opts: { cred?: Cred; umask?: number; cwd?: string } = {}): Promise<OpResult[]> {
  const { stdout } = await run('python3', [FSOPS], { input: JSON.stringify({ ops, ...opts }) });
  return JSON.parse(stdout) as OpResult[];
}

/** One op; its value, or `{err}`. */
export async function op(...args: unknown[]): Promise<OpResult> {
  return (await fsops([args]))[0]!;
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, maxBuffer: 256 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

export function sh(script: string, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ stdout: string; stderr: string }> {
  return run('bash', ['-euo', 'pipefail', '-c', script], opts);
}
