import type { Session } from '@fsmeta/client';
import { Client } from 'pg';
import { ROOT_INO, aclXattr, b } from '../harness/fs';
import { healthChecker } from '../harness/health';
import { startEnv, type TestEnv } from '../harness/server';

/**
 * `--pool-size 1`: every call holds at most one connection and waits for
 * nothing while it holds it (store/db.ts refuses a transaction body's request
 * for a second connection, NestedConnection, so such a bug is INTERNAL here,
 * not a hang), and background work (jobs every 50 ms, a health probe every
 * 50 ms, the change feed behind a live Watch) shares the one connection
 * without starving calls. A mixed workload of every kind of call finishes, on
 * a case-sensitive volume with ACLs, trash, statistics and quotas on, and on
 * a case-insensitive one.
 */
const SET_MODE = 1;
const ACCESS = b('system.posix_acl_access');

/** A POSIX ACL xattr value: user::rw- user:1000:r-- group::r-- mask::r-- other::---. */
function acl(): Buffer {
  const entries: [number, number, number][] = [
    [0x01, 6, 0xffffffff],
    [0x02, 4, 1000],
    [0x04, 4, 0xffffffff],
    [0x10, 4, 0xffffffff],
    [0x20, 0, 0xffffffff],
  ];
  return aclXattr(entries);
}

async function backends(databaseUrl: string): Promise<number> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const r = await c.query(`select 1 from pg_stat_activity where datname = current_database() and application_name = 'fsmeta'`);
    return r.rows.length;
  } finally {
    await c.end();
  }
}

/** One worker's round: every kind of mutation and read on its own directory, ending with it removed. */
async function round(s: Session, w: number, r: number, acls: boolean): Promise<void> {

  const dir = (await s.call('Mkdir', { parent: ROOT_INO, name: b(`w${w}-${r}`), mode: 0o777 })).attr!.inode;
  const file = (await s.call('Create', { parent: dir, name: b('f'), mode: 0o644 })).attr!.inode;
  const { firstId } = await s.call('NewSlices', { count: 1 });
  await s.call('Write', { inode: file, chunkIndex: 0, pos: 0, slice: { id: firstId, size: 4096, off: 0, len: 4096 } });
  await s.call('Read', { inode: file, chunkIndex: 0 });
  await s.call('Truncate', { inode: file, length: '100' });
  await s.call('SetAttr', { inode: file, set: SET_MODE, mode: 0o640 });
  await s.call('SetXattr', { inode: file, name: b('user.k'), value: b('v') });
  await s.call('GetXattr', { inode: file, name: b('user.k') });
  await s.call('ListXattr', { inode: file });
  if (acls) {
    await s.call('SetXattr', { inode: file, name: ACCESS, value: acl() });
    await s.call('GetXattr', { inode: file, name: ACCESS });
  }
  await s.call('Symlink', { parent: dir, name: b('l'), target: b('f') });
  await s.call('Lookup', { parent: dir, name: b('L') }).catch(() => undefined);
  await s.call('Link', { inode: file, parent: dir, name: b('h') });
  await s.call('Rename', { parentSrc: dir, nameSrc: b('h'), parentDst: dir, nameDst: b('h2') });
  await s.call('Readdir', { inode: dir, plus: true });
  await s.call('SetLk', { inode: file, owner: String(w), type: 'LOCK_TYPE_WRITE', start: '0', end: '9', pid: w, block: false });
  await s.call('GetLk', { inode: file, owner: '999', type: 'LOCK_TYPE_WRITE', start: '0', end: '9' });
  await s.call('Flock', { inode: file, owner: String(w), type: 'LOCK_TYPE_WRITE', block: true });
  await s.call('Close', { inode: file, lockOwner: String(w) });
  await s.call('Open', { inode: file, flags: 2 });
  await s.call('Close', { inode: file });
  await s.call('StatFS', { inode: dir });
  await s.call('GetDirStat', { inode: dir });
  await s.call('GetSummary', { inode: dir, recursive: true });
  await s.call('SetQuota', { quota: { kind: 'QUOTA_KIND_DIRECTORY', key: dir, maxSpace: String(1 << 30), maxInodes: '1000' } });
  await s.call('GetQuota', { kind: 'QUOTA_KIND_DIRECTORY', key: dir });
  await s.call('DeleteQuota', { kind: 'QUOTA_KIND_DIRECTORY', key: dir });
  for (const name of ['f', 'l', 'h2']) await s.call('Unlink', { parent: dir, name: b(name) });
  await s.call('Rmdir', { parent: ROOT_INO, name: b(`w${w}-${r}`) });
  await s.call('ClaimSliceDeletions', { limit: 4 });
}

async function workload(env: TestEnv, acls: boolean): Promise<void> {
  const watcher = env.client().watch({});
  // Health checks all along (the probe shares the one connection with the calls; no assertion on
  // what they say: on a loaded machine one call can hold the connection past the probe's deadline).
  const health = healthChecker(env.servers[0]!.address);
  let probing = true;
  const prober = (async () => {
    while (probing) {
      await health.check().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    const s = await env.session();
    await s.call('Mkdir', { parent: ROOT_INO, name: b('first'), mode: 0o755 });
    await Promise.all(Array.from({ length: 6 }, (_, i) => s.call('Mkdir', { parent: ROOT_INO, name: b(`m${i}`), mode: 0o755 })));
    const sessions = await Promise.all(Array.from({ length: 6 }, () => env.session()));
    await Promise.all(
      sessions.map(async (ws, w) => {
        for (let r = 0; r < 3; r++) {
          await round(ws, w, r, acls).catch((err: unknown) => {
            throw new Error(`worker ${w} round ${r}: ${(err as { method?: string }).method ?? ''} ${String(err)}`);
          });
        }
      }),
    );
    // A blocked lock request holds no connection while it waits: its holder can still release it.
    const file = (await s.call('Create', { parent: ROOT_INO, name: b('locked'), mode: 0o644 })).attr!.inode;
    await s.call('Flock', { inode: file, owner: '1', type: 'LOCK_TYPE_WRITE', block: false });
    const blocked = sessions[0]!.call('Flock', { inode: file, owner: '2', type: 'LOCK_TYPE_WRITE', block: true });
    await new Promise((r) => setTimeout(r, 200));
    await s.call('Mkdir', { parent: ROOT_INO, name: b('while-blocked'), mode: 0o755 });
    await s.call('Flock', { inode: file, owner: '1', type: 'LOCK_TYPE_UNLOCK', block: false });
    await blocked;
    for (const ws of sessions) await ws.close();
    await s.close();
    expect(await backends(env.databaseUrl)).toBeLessThanOrEqual(1);
  } finally {
    probing = false;
    await prober;
    health.close();
    watcher.close();
  }
}

describe('a pool of one connection', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startEnv(1, { poolSize: 1, jobIntervalMs: 50, healthCheckMs: 50 });
    const s = await env.session();
    const { format } = await s.call('GetFormat', {});
    await s.call('Format', { format: { ...format!, enableAcl: true, trashDays: 1, dirStats: true, userGroupQuota: true }, force: true });
    await s.close();
  });
  afterAll(() => env.stop());

  it('serves a mixed workload with ACLs, trash, statistics and quotas on', () => workload(env, true), 300_000);
});

describe('a pool of one connection, case-insensitive volume', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startEnv(1, { poolSize: 1, jobIntervalMs: 50, healthCheckMs: 50, args: ['--volume-case-insensitive', 'true'] });
  });
  afterAll(() => env.stop());

  it('serves a mixed workload', () => workload(env, false), 300_000);
});
