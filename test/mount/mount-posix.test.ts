import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEnv, type TestEnv } from '../harness/server';
import { run, startMount, tempDir, type MountProcess } from './harness';

/**
 * POSIX semantics through the kernel, with tmpfs as the reference: the same
 * scenarios (posix_scenarios.py: open/creat flags, mkdir, rmdir, unlink, link,
 * symlink, rename incl. RENAME_NOREPLACE / RENAME_EXCHANGE, chmod, chown,
 * truncate / ftruncate, utimensat incl. UTIME_NOW / UTIME_OMIT, mknod / mkfifo,
 * xattrs, data), as root and as unprivileged users with supplementary groups,
 * run in a tmpfs and in the mount; every errno, mode, owner, link count and
 * time change must be the same.
 */

const SCENARIOS = path.resolve(__dirname, 'posix_scenarios.py');

type Results = Record<string, unknown[]>;

let env: TestEnv;
let dataDir: string;
let mount: MountProcess;
let tmpfs: string;
let reference: Results;
let actual: Results;

async function scenarios(dir: string): Promise<Results> {
  const { stdout } = await run('python3', [SCENARIOS, dir]);
  return JSON.parse(stdout) as Results;
}

beforeAll(async () => {
  env = await startEnv(1);
  dataDir = tempDir('fsmeta-objects-');
  mount = await startMount(env.servers[0]!.address, { dataDir });
  tmpfs = tempDir('fsmeta-tmpfs-');
  await run('mount', ['-t', 'tmpfs', 'tmpfs', tmpfs]);
  // Both file systems at once: the scenarios mostly wait (time checks sleep past a tick).
  [reference, actual] = await Promise.all([scenarios(tmpfs), scenarios(mount.mountpoint)]);
}, 300_000);

afterAll(async () => {
  await run('umount', [tmpfs]).catch(() => undefined);
  fs.rmSync(tmpfs, { recursive: true, force: true });
  if (mount !== undefined && mount.child.exitCode === null) expect(await mount.stop()).toBe(0);
  await env.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('the reference run exercised permissions and errors (it is not vacuous)', () => {
  const all = JSON.stringify(reference);
  for (const errno of ['EACCES', 'EPERM', 'EEXIST', 'ENOENT', 'ENOTDIR', 'EISDIR', 'ENOTEMPTY', 'ENAMETOOLONG', 'ELOOP', 'EINVAL', 'ENODATA', 'ETXTBSY']) {
    expect(all).toContain(`"${errno}"`);
  }
  expect(Object.keys(reference).length).toBeGreaterThanOrEqual(20);
});

test.each([
  'open_create_modes', 'open_create_times', 'open_errors', 'open_permissions', 'open_setgid_dir',
  'mkdir_basic', 'rmdir_basic', 'unlink_basic', 'link_basic', 'symlink_basic',
  'rename_basic', 'rename_flags', 'rename_permissions', 'chmod_basic', 'setid_on_write', 'chown_basic',
  'truncate_basic', 'utimens_basic', 'mknod_basic', 'xattr_basic', 'data_basic', 'edges',
])('%s: same outcomes as tmpfs', (name) => {
  expect(reference[name]).toBeDefined();
  expect(actual[name]).toEqual(reference[name]);
});
