import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEnv, type TestEnv } from '../harness/server';
import { run, sh, startMount, tempDir, type MountProcess } from './harness';

/**
 * Real workloads through the kernel: the random-operation exerciser against a
 * model file (checked after every step, then across a remount on another
 * replica), a tarball of a couple of thousand files unpacked and checksummed,
 * and git (init, commits, fsck) inside the mount.
 */

const EXERCISER = path.resolve(__dirname, 'exerciser.py');
const TREE_SCRIPT = `
import os, random, sys
root = sys.argv[1]
rnd = random.Random(7)
for d in range(1, 85):
    os.makedirs(f"{root}/d{d}/sub")
    for f in range(1, 13):
        with open(f"{root}/d{d}/f{f}", "wb") as out:
            out.write(rnd.randbytes((d * 7919 + f * 104729) % 20000))
        with open(f"{root}/d{d}/sub/s{f}", "w") as out:
            out.write(f"file {d} {f}\\n")
    os.symlink(f"../d{d}/f1", f"{root}/d{d}/link")
with open(f"{root}/big", "wb") as out:
    out.write(rnd.randbytes(5_000_000))
os.link(f"{root}/big", f"{root}/big.hard")
os.chmod(f"{root}/d1", 0o750)
os.chmod(f"{root}/d2/f2", 0o600)
os.chmod(f"{root}/d3/f3", 0o4755)
`;

let env: TestEnv;
let dataDir: string;
let scratch: string;
const mounts: MountProcess[] = [];

async function newMount(server: number): Promise<MountProcess> {
  const m = await startMount(env.servers[server]!.address, { dataDir, extraArgs: ['--workers-ms', '500'] });
  mounts.push(m);
  return m;
}

async function sha256(file: string): Promise<string> {
  return (await sh(`sha256sum < '${file}'`)).stdout;
}

beforeAll(async () => {
  env = await startEnv(2, { jobIntervalMs: 500 });
  dataDir = tempDir('fsmeta-objects-');
  scratch = tempDir('fsmeta-scratch-');
});

afterAll(async () => {
  for (const m of mounts) if (m.child.exitCode === null) await m.kill();
  await env.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** Ops per exerciser phase in CI (FSMETA_TEST_EXERCISER_OPS to change): two phases, around a remount. */
const EXERCISER_OPS = Number(process.env.FSMETA_TEST_EXERCISER_OPS ?? 200);

async function exercise(args: string[], seed: number): Promise<{ ok: number; counts: Record<string, number> }> {
  const { stdout } = await run('python3', [EXERCISER, ...args, '--seed', String(seed), '--max-size', String(6 << 20)]).catch((err: { stdout?: string }) => {
    throw new Error(`exerciser (seed ${seed}) failed: ${err.stdout ?? String(err)}`);
  });
  return JSON.parse(stdout) as { ok: number; counts: Record<string, number> };
}

test('random writes, reads, truncates, fallocates and copies match a model file, across two mounts on two replicas and a remount', async () => {
  // One file through two mounts at once (each reopen may hand it to the other: close-to-open).
  const a = await newMount(0);
  const b = await newMount(1);
  const seed = Date.now() % 100_000;
  const model = `${scratch}/model`;
  const first = await exercise([`${a.mountpoint}/exercised`, model, '--alt', `${b.mountpoint}/exercised`, '--ops', String(EXERCISER_OPS)], seed);
  expect(first.ok).toBe(EXERCISER_OPS);
  expect(Object.keys(first.counts)).toEqual(expect.arrayContaining(['write', 'read', 'mmap_read', 'truncate', 'fallocate', 'copy_file_range', 'reopen']));
  expect(await a.stop()).toBe(0);

  // A remount, and more of the same on the files as they were left (checked equal first).
  const a2 = await newMount(0);
  const second = await exercise([`${a2.mountpoint}/exercised`, model, '--alt', `${b.mountpoint}/exercised`, '--ops', String(EXERCISER_OPS), '--resume'], seed + 1);
  expect(second.ok).toBe(EXERCISER_OPS);
  const want = await sha256(model);
  expect(await sha256(`${a2.mountpoint}/exercised`)).toBe(want);
  expect(await a2.stop()).toBe(0);
  expect(await b.stop()).toBe(0);

  // And from a fresh mount on the other replica.
  const c = await newMount(1);
  expect(await sha256(`${c.mountpoint}/exercised`)).toBe(want);
  expect(await sha256(`${c.mountpoint}/exercised.src`)).toBe(await sha256(`${model}.src`));
  expect(await c.stop()).toBe(0);
}, 300_000);

test('a tarball of 2,000 files unpacks with every checksum, mode and link intact', async () => {
  const m = await newMount(0);
  const src = `${scratch}/tree`;
  // Built at test time: nested directories, files of assorted sizes, symlinks, a hard link, odd modes.
  await run('python3', ['-c', TREE_SCRIPT, src]);
  await sh(`tar -C ${src} -cf ${scratch}/tree.tar .`);
  await sh(`mkdir ${m.mountpoint}/tree && tar -C ${m.mountpoint}/tree -xpf ${scratch}/tree.tar`);
  const listing = (dir: string): Promise<{ stdout: string }> =>
    sh(`cd ${dir} && find . -printf '%y %m %n %s %l %p\\n' | grep -v '^d' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum`);
  const want = (await listing(src)).stdout;
  expect(want.split('\n').length).toBeGreaterThan(4000); // a line per entry and a checksum per file
  expect((await listing(`${m.mountpoint}/tree`)).stdout).toBe(want);
  expect(await m.stop()).toBe(0);
}, 300_000);

test('git init, commits and fsck inside the mount', async () => {
  const m = await newMount(1);
  const env2 = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t', HOME: scratch };
  const repo = `${m.mountpoint}/repo`;
  await sh(
    `git init -q ${repo} && cd ${repo} && for i in $(seq 1 20); do echo "line $i" > f$i.txt; done && git add . && git commit -qm one ` +
      `&& sed -i 's/line/LINE/' f1*.txt && git mv f2.txt renamed.txt && git commit -qam two && git repack -qad && git fsck --full --strict`,
    { env: env2 },
  );
  const log = await sh(`cd ${repo} && git log --oneline | wc -l && git status --porcelain && git show HEAD:f10.txt`, { env: env2 });
  expect(log.stdout).toBe('2\nLINE 10\n');
  expect(await m.stop()).toBe(0);
}, 300_000);
