import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MetaClient, Session } from '@fsmeta/client';
import { emit, log } from './measure';

/**
 * Mount lines of `pnpm bench`: the mdtest shape (4 processes, each creating,
 * stating and removing empty files, then making and removing directories, in
 * a directory of its own) through a real FUSE mount, each beside the same
 * operations issued directly as fsmeta RPCs from 4 concurrent sessions in the
 * same run, so `ratio` is the cost of the kernel and the mount; then a
 * sequential write and read of a large file (MB/s) and the mount's peak RSS.
 *
 * FSMETA_BENCH_MOUNT_N files per process (default 500), FSMETA_BENCH_MOUNT_MIB
 * for the sequential file (default 1024). Needs root and /dev/fuse; skipped
 * otherwise.
 */

export interface MountLine {
  op: string;
  opsPerSec: number;
  baseline: string;
  baselineOpsPerSec: number;
  ratio: number;
}

export interface MountDataLine {
  op: string;
  mbPerSec: number;
  mib: number;
  peakRssMiB: number;
}

const PROCS = 4;
const ROOT_CALLER = { uid: 0, gid: 0, gids: [] };

/** One mdtest phase in a child process: prints the seconds it took. */
const MDTEST = `
import os, sys, time
d, n, phase = sys.argv[1], int(sys.argv[2]), sys.argv[3]
t = time.monotonic()
if phase == "create":
    for i in range(n):
        os.close(os.open(f"{d}/f{i}", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
elif phase == "stat":
    for i in range(n):
        os.stat(f"{d}/f{i}")
elif phase == "remove":
    for i in range(n):
        os.unlink(f"{d}/f{i}")
elif phase == "mkdir":
    for i in range(n):
        os.mkdir(f"{d}/d{i}", 0o755)
elif phase == "rmdir":
    for i in range(n):
        os.rmdir(f"{d}/d{i}")
print(time.monotonic() - t)
`;

function cliPath(): string {
  for (const up of ['../../..', '../..', '..']) {
    const p = path.resolve(__dirname, up, 'packages/mount/dist/cli.js');
    if (fs.existsSync(p)) return p;
  }
  throw new Error('packages/mount/dist/cli.js not found: run tsc --build');
}

function exec(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd}: ${stderr || err.message}`)) : resolve(stdout))),
  );
}

interface RunningMount {
  pid: number;
  stop(): Promise<void>;
}

async function startMount(address: string, mountpoint: string, dataDir: string): Promise<RunningMount> {
  const child = spawn(process.execPath, [cliPath(), mountpoint, '--meta', address, '--data', dataDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  while (!/mounted on/.test(err)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`mount did not come up: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function peakRssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** Runs `phase` in PROCS processes at once; ops/s over the slowest. */
async function mountPhase(root: string, n: number, phase: string): Promise<number> {
  const secs = await Promise.all(Array.from({ length: PROCS }, (_, p) => exec('python3', ['-c', MDTEST, `${root}/p${p}`, String(n), phase]).then(Number)));
  return (PROCS * n) / Math.max(...secs);
}

/** The same phase as RPCs: PROCS sessions, each working in its own directory. */
async function rpcPhase(sessions: Session[], dirs: string[], n: number, phase: string): Promise<number> {
  const name = (kind: string, i: number): Buffer => Buffer.from(`${kind}${i}`);
  const t = process.hrtime.bigint();
  await Promise.all(
    sessions.map(async (s, p) => {
      const parent = dirs[p]!;
      for (let i = 0; i < n; i++) {
        switch (phase) {
          case 'create': {
            // create(2) + close(2): the open a Create registers is released, as the mount does.
            const { attr } = await s.call('Create', { parent, name: name('f', i), mode: 0o644, umask: 0, flags: 0x80 });
            await s.call('Close', { inode: attr!.inode });
            break;
          }
          case 'stat':
            await s.call('Lookup', { parent, name: name('f', i) });
            break;
          case 'remove':
            await s.call('Unlink', { parent, name: name('f', i) });
            break;
          case 'mkdir':
            await s.call('Mkdir', { parent, name: name('d', i), mode: 0o755, umask: 0 });
            break;
          case 'rmdir':
            await s.call('Rmdir', { parent, name: name('d', i) });
            break;
        }
      }
    }),
  );
  const secs = Number(process.hrtime.bigint() - t) / 1e9;
  return (PROCS * n) / secs;
}

async function ddMbPerSec(args: string[], mib: number): Promise<number> {
  const t = process.hrtime.bigint();
  await exec('dd', [...args, 'bs=1M', `count=${mib}`, 'status=none']);
  return mib / (Number(process.hrtime.bigint() - t) / 1e9);
}

export async function mountLines(client: MetaClient, address: string, only: Set<string>): Promise<void> {
  if (process.getuid?.() !== 0 || !fs.existsSync('/dev/fuse')) {
    log('mount lines: skipped (they need root and /dev/fuse)');
    return;
  }
  const n = Number(process.env.FSMETA_BENCH_MOUNT_N ?? 500);
  const mib = Number(process.env.FSMETA_BENCH_MOUNT_MIB ?? 1024);
  const want = (op: string): boolean => only.size === 0 || only.has(op);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fsmeta-bench-mount-'));
  const mountpoint = path.join(scratch, 'mnt');
  const dataDir = path.join(scratch, 'objects');
  fs.mkdirSync(mountpoint);
  let mount = await startMount(address, mountpoint, dataDir);
  let peak = 0;
  const sessions: Session[] = [];
  try {
    log(`mount lines: ${PROCS} processes x ${n} files / directories; ${mib} MiB sequential`);
    const top = `bench-${process.pid}`;
    await exec('mkdir', ['-p', ...Array.from({ length: PROCS }, (_, p) => `${mountpoint}/${top}/p${p}`)]);
    for (let p = 0; p < PROCS; p++) sessions.push(await client.newSession(ROOT_CALLER, { hostName: `bench-rpc-${p}` }));
    const base = (await sessions[0]!.call('Mkdir', { parent: '1', name: Buffer.from(`${top}-rpc`), mode: 0o755, umask: 0 })).attr!.inode;
    const dirs: string[] = [];
    for (let p = 0; p < PROCS; p++) dirs.push((await sessions[0]!.call('Mkdir', { parent: base, name: Buffer.from(`p${p}`), mode: 0o755, umask: 0 })).attr!.inode);
    const baselines: Record<string, string> = { create: 'rpc Create+Close', stat: 'rpc Lookup', remove: 'rpc Unlink', mkdir: 'rpc Mkdir', rmdir: 'rpc Rmdir' };
    const phases = ['create', 'stat', 'remove', 'mkdir', 'rmdir'];
    // Phases depend on each other (stat and remove need the files): all run when any is wanted, only wanted ones print.
    for (const phase of phases.some((ph) => want(`mount-${ph}`)) ? phases : []) {
      const op = `mount-${phase}`;
      const opsPerSec = await mountPhase(`${mountpoint}/${top}`, n, phase);
      const baselineOpsPerSec = await rpcPhase(sessions, dirs, n, phase);
      if (want(op)) emit({ op, opsPerSec: Math.round(opsPerSec), baseline: baselines[phase]!, baselineOpsPerSec: Math.round(baselineOpsPerSec), ratio: Math.round((opsPerSec / baselineOpsPerSec) * 1000) / 1000 });
    }
    if (want('mount-seq-write') || want('mount-seq-read')) {
      const file = `${mountpoint}/${top}/seq`;
      const write = await ddMbPerSec(['if=/dev/zero', `of=${file}`, 'conv=fsync'], mib);
      // Each line reports its own mount's peak (the read is on a fresh mount process).
      const writerPeak = peakRssMiB(mount.pid);
      peak = Math.max(peak, writerPeak);
      if (want('mount-seq-write')) emit({ op: 'mount-seq-write', mbPerSec: Math.round(write), mib, peakRssMiB: writerPeak });
      // A fresh mount: neither the kernel's pages nor the block cache hold the file.
      await mount.stop();
      mount = await startMount(address, mountpoint, dataDir);
      const read = await ddMbPerSec([`if=${file}`, 'of=/dev/null'], mib);
      const readerPeak = peakRssMiB(mount.pid);
      peak = Math.max(peak, readerPeak);
      if (want('mount-seq-read')) emit({ op: 'mount-seq-read', mbPerSec: Math.round(read), mib, peakRssMiB: readerPeak });
      fs.rmSync(file);
    }
    log(`mount: peak RSS ${Math.max(peak, peakRssMiB(mount.pid))} MiB`);
  } finally {
    for (const s of sessions) await s.close().catch(() => undefined);
    await mount.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
