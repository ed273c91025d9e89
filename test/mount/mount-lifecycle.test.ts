import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEnv, type TestEnv } from '../harness/server';
import { fsops, sh, startMount, tempDir, type MountProcess } from './harness';

/**
 * The mount's life: files written through the kernel are read back byte-exact
 * after a clean unmount (SIGTERM) and remount, by a second mount on another
 * replica, and after a kill -9 (what was flushed survives; the session
 * expires); deleted data leaves the object store.
 */

let env: TestEnv;
let dataDir: string;
const mounts: MountProcess[] = [];

async function newMount(server = 0, extraArgs: string[] = [], objects = dataDir): Promise<MountProcess> {
  const m = await startMount(env.servers[server]!.address, { dataDir: objects, extraArgs: ['--workers-ms', '200', ...extraArgs] });
  mounts.push(m);
  return m;
}

async function objectFiles(root = dataDir): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.promises.readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(path.join(d, e.name));
      else out.push(e.name);
    }
  };
  await walk(root);
  return out;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  env = await startEnv(2, { heartbeatMs: 500, jobIntervalMs: 200 });
  dataDir = tempDir('fsmeta-objects-');
});

afterAll(async () => {
  for (const m of mounts) if (m.child.exitCode === null) await m.kill();
  await env.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('files and directories written through the kernel survive an unmount and a remount', async () => {
  const a = await newMount();
  const src = path.join(dataDir, '..', `fsmeta-src-${process.pid}`);
  // 12 MiB of random bytes: several 4 MiB blocks; a small file; a directory tree.
  await sh(`head -c 12582912 /dev/urandom > ${src} && mkdir -p ${a.mountpoint}/d/e && cp ${src} ${a.mountpoint}/d/big && echo hello > ${a.mountpoint}/d/e/small && sha256sum < ${src} > ${src}.sum`);
  const sum = fs.readFileSync(`${src}.sum`, 'utf8');
  expect((await sh(`sha256sum < ${a.mountpoint}/d/big`)).stdout).toBe(sum);
  expect(await a.stop()).toBe(0);
  expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(` ${a.mountpoint} `);

  const b = await newMount();
  expect((await sh(`sha256sum < ${b.mountpoint}/d/big`)).stdout).toBe(sum);
  const r = await fsops([['read_all', `${b.mountpoint}/d/e/small`], ['listdir', `${b.mountpoint}/d`], ['stat', `${b.mountpoint}/d/big`]]);
  expect(r[0]).toEqual({ ok: Buffer.from('hello\n').toString('hex') });
  expect(r[1]).toEqual({ ok: ['big', 'e'] });
  expect((r[2] as { ok: { size: number } }).ok.size).toBe(12 << 20);
  expect(await b.stop()).toBe(0);
  fs.rmSync(src);
  fs.rmSync(`${src}.sum`);
});

test('a second mount on another replica reads what the first wrote and closed (close-to-open)', async () => {
  const a = await newMount(0);
  const b = await newMount(1);
  const data = Buffer.alloc(3 << 20);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 12)) & 0xff;
  await fsops([['write_file', `${a.mountpoint}/shared`, data.toString('hex')]]);
  expect((await fsops([['read_all', `${b.mountpoint}/shared`]]))[0]).toEqual({ ok: data.toString('hex') });
  // B overwrites the middle; A, opening after B closed, sees it (cache and attributes dropped at open).
  const patch = Buffer.from('patched by b');
  await fsops([['open', `${b.mountpoint}/shared`, { flags: ['O_WRONLY'] }], ['pwrite', { fd: 0 }, patch.toString('hex'), 1 << 20], ['close', { fd: 0 }]]);
  patch.copy(data, 1 << 20);
  await fsops([['open', `${b.mountpoint}/shared`, { flags: ['O_WRONLY', 'O_APPEND'] }], ['pwrite', { fd: 0 }, 'ff', 0], ['close', { fd: 0 }]]);
  const grown = Buffer.concat([data, Buffer.from([0xff])]);
  const seen = await fsops([['open', `${a.mountpoint}/shared`, { flags: ['O_RDONLY'] }], ['pread', { fd: 0 }, grown.length + 10, 0]]);
  expect(seen[1]).toEqual({ ok: grown.toString('hex') });
  expect(await a.stop()).toBe(0);
  expect(await b.stop()).toBe(0);
});

test('kill -9 keeps what was flushed; the session expires; deleted data leaves the object store', async () => {
  const a = await newMount();
  await fsops([['write_file', `${a.mountpoint}/kept`, 'ab'.repeat(100_000)]]);
  const sessions = async (): Promise<string[]> => (await env.client().call('ListSessions', {})).sessions.map((s) => s.sessionId);
  expect((await sessions()).length).toBe(1);
  // Left as a crash leaves it: a dead mount point (ENOTCONN) that the next mount on that path detaches.
  await a.kill({ detach: false });
  await until('the killed session to expire', async () => ((await sessions()).length === 0 ? true : undefined));

  const b = await startMount(env.servers[0]!.address, { mountpoint: a.mountpoint, dataDir, extraArgs: ['--workers-ms', '200'] });
  mounts.push(b);
  expect(b.stderr()).toMatch(/is a dead FUSE mount .*: detaching it/);
  expect((await fsops([['read_all', `${b.mountpoint}/kept`]]))[0]).toEqual({ ok: 'ab'.repeat(100_000) });
  await sh(`rm -rf ${b.mountpoint}/*`);
  await until('the objects to be deleted', async () => ((await objectFiles()).length === 0 ? true : undefined));
  expect(await b.stop()).toBe(0);
});

/** A reader that keeps one descriptor open and answers `<offset> <length>` lines with the bytes, in hex. */
const HELD_READER = `
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
print("open", flush=True)
for line in sys.stdin:
    off, n = map(int, line.split())
    try:
        print(os.pread(fd, n, off).hex(), flush=True)
    except OSError as e:
        print("error " + e.strerror, flush=True)
`;

test('a reader whose chunk was compacted and its old blocks deleted meanwhile (by another mount) still reads the data', async () => {
  const objects = tempDir('fsmeta-objects-compact-');
  // A compacts and deletes (its workers run every 200 ms); B caches no blocks, so its reads go to the store.
  const a = await newMount(0, [], objects);
  const b = await newMount(1, ['--cache-mib', '0', '--workers-ms', '3600000'], objects);
  const piece = (i: number): string => Buffer.alloc(64, i + 1).toString('hex');
  const MiB = 1 << 20;
  // Ten records, 1 MiB apart (kernel read-ahead of B's first read does not reach the later ones).
  await fsops([['open', `${a.mountpoint}/f`, { flags: ['O_WRONLY', 'O_CREAT'] }, 0o644], ...Array.from({ length: 10 }, (_, i) => ['pwrite', { fd: 0 }, piece(i), i * MiB]), ['close', { fd: 0 }]]);

  const reader = spawn('python3', ['-c', HELD_READER, `${b.mountpoint}/f`], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  reader.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const answer = async (): Promise<string> => {
    const line = await until('the reader', async () => (out.includes('\n') ? out : undefined));
    out = out.slice(line.indexOf('\n') + 1);
    return line.slice(0, line.indexOf('\n'));
  };
  try {
    expect(await answer()).toBe('open');
    // B reads once: it now holds chunk 0's layout, naming the ten slices.
    reader.stdin!.write(`0 64\n`);
    expect(await answer()).toBe(piece(0));
    const first = await objectFiles(objects);
    expect(first).toHaveLength(10);
    // 90 more records (all in chunk 0) make the chunk a compaction candidate; A merges it and deletes the old slices' blocks.
    await fsops([['open', `${a.mountpoint}/f`, { flags: ['O_WRONLY'] }], ...Array.from({ length: 90 }, (_, i) => ['pwrite', { fd: 0 }, piece(i + 10), i * (MiB / 2) + 65536]), ['close', { fd: 0 }]]);
    await until('the chunk to be compacted and the first blocks deleted', async () => {
      const now = new Set(await objectFiles(objects));
      return first.every((f) => !now.has(f)) ? true : undefined;
    }, 90_000);
    // B's layout names deleted slices: it must ask fsmeta again, not fail with EIO.
    reader.stdin!.write(`${5 * MiB} 64\n`);
    expect(await answer()).toBe(piece(5));
  } finally {
    reader.kill('SIGKILL');
  }
  expect(await a.stop()).toBe(0);
  expect(await b.stop()).toBe(0);
  fs.rmSync(objects, { recursive: true, force: true });
}, 300_000);
