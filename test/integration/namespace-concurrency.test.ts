import * as grpc from '@grpc/grpc-js';
import { Client } from 'pg';
import { FsmetaError, type Session } from '@fsmeta/client';
import { ROOT_INO, b, fsOps } from '../harness/fs';
import { checkInvariants } from '../harness/invariants';
import { startEnv, type TestEnv } from '../harness/server';

/** Errnos that racing namespace operations legitimately produce. */
const EXPECTED = new Set(['ENOENT', 'EEXIST', 'ENOTEMPTY', 'ENOTDIR', 'EISDIR', 'EPERM']);
const REPLICAS = 3;
const CLIENTS = Number(process.env.T_CLIENTS ?? 12);
const OPS_PER_CLIENT = Number(process.env.T_OPS ?? 120);
const NAMES = ['a', 'b', 'c', 'd', 'e'];

let env: TestEnv;

beforeAll(async () => {
  env = await startEnv(REPLICAS, { poolSize: 8 });
});
afterAll(() => env.stop());

function pick<T>(xs: readonly T[]): T {
  return xs[Math.floor(Math.random() * xs.length)]!;
}

/** Resolves a random existing directory of the shared tree by walking at most two levels. */
async function randomDir(s: Session, top: string): Promise<string> {
  let dir = top;
  for (let depth = 0; depth < 2 && Math.random() < 0.6; depth++) {
    try {
      const { attr } = await s.call('Lookup', { parent: dir, name: b(pick(NAMES)) });
      if (attr?.type !== 'FILE_TYPE_DIRECTORY') break;
      dir = attr.inode;
    } catch {
      break;
    }
  }
  return dir;
}

async function randomOp(s: Session, top: string): Promise<void> {
  const dir = await randomDir(s, top);
  const name = b(pick(NAMES));
  switch (Math.floor(Math.random() * 6)) {
    case 0:
      await s.call('Mkdir', { parent: dir, name, mode: 0o755 });
      return;
    case 1:
      await s.call('Create', { parent: dir, name, mode: 0o644 });
      await s.call('Close', { inode: (await s.call('Lookup', { parent: dir, name })).attr!.inode }).catch(() => undefined);
      return;
    case 2: {
      const dst = await randomDir(s, top);
      await s.call('Rename', { parentSrc: dir, nameSrc: name, parentDst: dst, nameDst: b(pick(NAMES)) });
      return;
    }
    case 3: {
      const { attr } = await s.call('Lookup', { parent: dir, name });
      const dst = await randomDir(s, top);
      await s.call('Link', { inode: attr!.inode, parent: dst, name: b(pick(NAMES)) });
      return;
    }
    case 4:
      await s.call('Unlink', { parent: dir, name });
      return;
    default:
      await s.call('Rmdir', { parent: dir, name });
  }
}

/** Holds `inode`'s row lock in another transaction until `op` waits for it, then swaps entries a and b of `dir` and lets go. */
async function swapWhileWaiting(dir: string, fa: string, fb: string, op: () => Promise<unknown>): Promise<void> {
  const c = new Client({ connectionString: env.databaseUrl });
  await c.connect();
  try {
    await c.query('begin');
    await c.query('select 1 from node where inode = $1 for update', [fa]);
    const done = op();
    // Generous: on a loaded machine the call may take seconds to get there.
    for (const deadline = Date.now() + 60_000; ; ) {
      const { rows } = await c.query('select count(*)::int as n from pg_stat_activity where pg_backend_pid() = any(pg_blocking_pids(pid))');
      if (rows[0].n > 0) break;
      if (Date.now() > deadline) throw new Error('the call never waited for the lock');
      await new Promise((r) => setTimeout(r, 10));
    }
    // Meanwhile a and b trade places (what RENAME_EXCHANGE leaves), and the holder commits.
    await c.query("update edge set inode = case name when 'a'::bytea then $2::bigint else $3::bigint end where parent = $1 and name in ('a'::bytea, 'b'::bytea)", [dir, fb, fa]);
    await c.query('commit');
    await done;
  } finally {
    await c.end();
  }
}

it('an unlink whose entry is swapped while it waits for the lock removes what the name names when it runs', async () => {
  const s = await env.session();
  const ops = fsOps(s);
  const dir = (await ops.mkdir(ROOT_INO, 'swap-unlink', 0o755)).inode;
  const fa = (await ops.mknod(dir, 'a')).inode;
  const fb = (await ops.mknod(dir, 'b')).inode;
  await swapWhileWaiting(dir, fa, fb, () => s.call('Unlink', { parent: dir, name: b('a') }));
  // The unlink took the file a names now (b's), and b names a's file, whole.
  await expect(s.call('Lookup', { parent: dir, name: b('a') })).rejects.toMatchObject({ errnoName: 'ENOENT' });
  expect((await s.call('Lookup', { parent: dir, name: b('b') })).attr!.inode).toBe(fa);
  await expect(s.call('GetAttr', { inode: fb })).rejects.toMatchObject({ errnoName: 'ENOENT' });
  expect((await s.call('GetAttr', { inode: fa })).attr!.nlink).toBe(1);
  await s.close();
  expect(await checkInvariants(env.databaseUrl)).toEqual([]);
}, 120_000);

it('a rename whose destination is swapped while it waits for the lock replaces what the name names when it runs', async () => {
  const s = await env.session();
  const ops = fsOps(s);
  const dir = (await ops.mkdir(ROOT_INO, 'swap-rename', 0o755)).inode;
  const fa = (await ops.mknod(dir, 'a')).inode;
  const fb = (await ops.mknod(dir, 'b')).inode;
  const fc = (await ops.mknod(dir, 'c')).inode;
  await swapWhileWaiting(dir, fa, fb, () => s.call('Rename', { parentSrc: dir, nameSrc: b('c'), parentDst: dir, nameDst: b('a'), flags: 0 }));
  expect((await s.call('Lookup', { parent: dir, name: b('a') })).attr!.inode).toBe(fc);
  expect((await s.call('Lookup', { parent: dir, name: b('b') })).attr!.inode).toBe(fa);
  await expect(s.call('Lookup', { parent: dir, name: b('c') })).rejects.toMatchObject({ errnoName: 'ENOENT' });
  await expect(s.call('GetAttr', { inode: fb })).rejects.toMatchObject({ errnoName: 'ENOENT' });
  expect((await s.call('GetAttr', { inode: fa })).attr!.nlink).toBe(1);
  await s.close();
  expect(await checkInvariants(env.databaseUrl)).toEqual([]);
}, 120_000);

it('random mkdir/create/rename/link/unlink/rmdir from many clients on three replicas keep every invariant', async () => {
  const root = await env.session();
  const top = (await fsOps(root).mkdir(ROOT_INO, 'shared', 0o777)).inode;
  const sessions = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => env.session(undefined, i % REPLICAS)));
  const unexpected: string[] = [];
  let ok = 0;
  await Promise.all(
    sessions.map(async (s) => {
      for (let i = 0; i < OPS_PER_CLIENT; i++) {
        try {
          await randomOp(s, top);
          ok++;
        } catch (err) {
          const e = err as FsmetaError;
          // Close of a file another client replaced is EBADF-like noise and is swallowed above.
          if (e instanceof FsmetaError && e.errnoName !== undefined && EXPECTED.has(e.errnoName)) continue;
          unexpected.push(e instanceof FsmetaError ? `${e.method}: ${e.errnoName ?? grpc.status[e.code]} ${e.message}` : String(err));
        }
      }
    }),
  );
  expect(unexpected).toEqual([]);
  // Not vacuous: about a fifth of random operations succeed (the rest are the expected errnos); a tenth is
  // far below that (the count varies by about 15 between runs), so this catches a broken run, not chance.
  expect(ok).toBeGreaterThan(CLIENTS * OPS_PER_CLIENT * 0.1);
  for (const s of sessions) await s.close();
  expect(await checkInvariants(env.databaseUrl)).toEqual([]);
  // The checker itself must be able to fail.
  const c = new Client({ connectionString: env.databaseUrl });
  await c.connect();
  await c.query('update node set nlink = nlink + 1 where inode = $1', [top]);
  await c.end();
  expect(await checkInvariants(env.databaseUrl)).toEqual([expect.stringContaining(`dir ${top} nlink`)]);
}, 300_000); // generous: three replicas and twelve clients on a 2-core machine
