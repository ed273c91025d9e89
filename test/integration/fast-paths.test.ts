import type { Session, v1 } from '@fsmeta/client';
import { Db, createLogger, lockEntrySent, lockRenameSent, removeEntryFast, renameFast } from '@fsmeta/fsmeta';
import { Client } from 'pg';
import { checkAccounting } from '../harness/accounting';
import { ROOT_INO, aclXattr, b, errnoOf } from '../harness/fs';
import { checkInvariants } from '../harness/invariants';
import { startEnv, type TestEnv } from '../harness/server';

/**
 * Unlink's and Rmdir's one-statement plain case (store/nodes.ts removeEntryFast) against the
 * ordinary path: the same removals in a plain directory (the fast statement
 * commits) and in a sticky one (it declines, the ordinary path runs) must
 * leave the same state: entries, kept nodes and their link counts, usage,
 * directory statistics, a directory quota, files queued for release, and
 * counters that agree with the rows.
 */
let env: TestEnv;
let s: Session;
let keeper: Session;

beforeAll(async () => {
  // No background job meanwhile: the files queued for release stay queued, so both ways can be compared.
  env = await startEnv(2, { jobIntervalMs: 3_600_000 });
  s = await env.session(undefined, 0);
  keeper = await env.session(undefined, 1);
  const { format } = await s.call('GetFormat', {});
  await s.call('Format', { format: { ...format!, uuid: '', dirStats: true, enableAcl: true }, force: true });
});
afterAll(() => env.stop());

interface Scene {
  dir: string;
  kept: string;
  open: string;
  released: string;
  errnos: (string | undefined)[];
}

/** A file with data, a hard-linked file, a file open in another session, a symlink and a fifo; then all five unlinked. */
async function scene(name: string, mode: number): Promise<Scene> {
  const dir = (await s.call('Mkdir', { parent: ROOT_INO, name: b(name), mode, umask: 0 })).attr!.inode;
  await s.call('SetQuota', { quota: { kind: 'QUOTA_KIND_DIRECTORY', key: dir, maxSpace: '0', maxInodes: '1000' } });
  const mk = async (n: string, type: v1.FileType = 'FILE_TYPE_REGULAR'): Promise<string> =>
    (await s.call('Mknod', { parent: dir, name: b(n), mode: 0o644, type })).attr!.inode;
  const data = await mk('data');
  await s.call('Truncate', { inode: data, length: '10000' });
  const linked = await mk('linked');
  await s.call('Link', { inode: linked, parent: dir, name: b('other') });
  const open = await mk('open');
  await s.call('Truncate', { inode: open, length: '5000' });
  await keeper.call('Open', { inode: open, flags: 0 });
  await s.call('Symlink', { parent: dir, name: b('sym'), target: b('somewhere/else') });
  await mk('fifo', 'FILE_TYPE_FIFO');
  for (const n of ['data', 'linked', 'open', 'sym', 'fifo']) await s.call('Unlink', { parent: dir, name: b(n) });
  // An empty directory with a quota of its own goes; a full one, or the wrong kind of entry, fails the same way.
  const sub = (await s.call('Mkdir', { parent: dir, name: b('sub'), mode: 0o755, umask: 0 })).attr!.inode;
  await s.call('SetQuota', { quota: { kind: 'QUOTA_KIND_DIRECTORY', key: sub, maxSpace: '0', maxInodes: '10' } });
  await s.call('Rmdir', { parent: dir, name: b('sub') });
  const full = (await s.call('Mkdir', { parent: dir, name: b('full'), mode: 0o755, umask: 0 })).attr!.inode;
  await s.call('Mknod', { parent: full, name: b('x'), mode: 0o644, type: 'FILE_TYPE_REGULAR' });
  const errnos = [
    await errnoOf(s.call('Rmdir', { parent: dir, name: b('full') })),
    await errnoOf(s.call('Unlink', { parent: dir, name: b('full') })),
    await errnoOf(s.call('Rmdir', { parent: dir, name: b('other') })),
    await errnoOf(s.call('Unlink', { parent: dir, name: b('gone') })),
    await errnoOf(s.call('Rmdir', { parent: dir, name: b('gone') })),
    await errnoOf(s.call('GetQuota', { kind: 'QUOTA_KIND_DIRECTORY', key: sub })),
  ];
  return { dir, kept: linked, open, released: data, errnos };
}

/** What a scene left, with its own inodes out of the way. */
async function leftBy(x: Scene, pg: Client): Promise<unknown> {
  const names: string[] = [];
  for (const e of (await s.call('Readdir', { inode: x.dir, plus: true })).entries) {
    if (e.name.toString() !== '.' && e.name.toString() !== '..') names.push(`${e.name.toString()} nlink=${e.attr!.nlink} length=${e.attr!.length}`);
  }
  const summary = await s.call('GetSummary', { inode: x.dir, recursive: true });
  const quota = (await s.call('GetQuota', { kind: 'QUOTA_KIND_DIRECTORY', key: x.dir })).quota!;
  const open = await s.call('GetAttr', { inode: x.open });
  const released = await pg.query('select count(*)::int as n from file_release where inode = any($1::bigint[])', [[x.released, x.open]]);
  return {
    errnos: x.errnos,
    dirNlink: (await s.call('GetAttr', { inode: x.dir })).attr!.nlink,
    names,
    summary: { length: summary.length, size: summary.size, files: summary.files, dirs: summary.dirs },
    quota: { usedSpace: quota.usedSpace, usedInodes: quota.usedInodes },
    open: { nlink: open.attr!.nlink, length: open.attr!.length },
    kept: (await s.call('GetAttr', { inode: x.kept })).attr!.nlink,
    released: released.rows[0].n,
  };
}

it('leaves what the ordinary path leaves', async () => {
  const before = await s.call('StatFS', { inode: ROOT_INO });
  const fast = await scene('plain', 0o777);
  const afterFast = await s.call('StatFS', { inode: ROOT_INO });
  const ordinary = await scene('sticky', 0o1777);
  const afterOrdinary = await s.call('StatFS', { inode: ROOT_INO });
  const pg = new Client({ connectionString: env.databaseUrl });
  await pg.connect();
  try {
    const left = await leftBy(fast, pg);
    expect(left).toEqual(await leftBy(ordinary, pg));
    expect(left).toMatchObject({ names: ['full nlink=2 length=4096', 'other nlink=1 length=0'], dirNlink: 3, open: { nlink: 0, length: '5000' }, kept: 1, released: 1 });
    expect(fast.errnos).toEqual(['ENOTEMPTY', 'EPERM', 'ENOTDIR', 'ENOENT', 'ENOENT', expect.any(String)]);
    // The same change of the volume's usage each way (the directory itself, the kept files).
    const used = (r: v1.StatFSResponse__Output): bigint[] => [-BigInt(r.availSpace), BigInt(r.usedInodes)];
    const [fs0, fi0] = used(before);
    const [fs1, fi1] = used(afterFast);
    const [fs2, fi2] = used(afterOrdinary);
    expect([fs1 - fs0, fi1 - fi0]).toEqual([fs2 - fs1, fi2 - fi1]);
    // The open file goes at its last close, each way.
    await keeper.call('Close', { inode: fast.open });
    await keeper.call('Close', { inode: ordinary.open });
    expect(await leftBy(fast, pg).catch((e: Error) => e.message)).toEqual(await leftBy(ordinary, pg).catch((e: Error) => e.message));
  } finally {
    await pg.end();
  }
  expect(await checkAccounting(env.databaseUrl)).toEqual([]);
  expect(await checkInvariants(env.databaseUrl)).toEqual([]);
});

it('Link in one statement: the answer is the node as stored, and the new directory counts the entry', async () => {
  const a = (await s.call('Mkdir', { parent: ROOT_INO, name: b('link-a'), mode: 0o755, umask: 0 })).attr!.inode;
  const d = (await s.call('Mkdir', { parent: ROOT_INO, name: b('link-d'), mode: 0o755, umask: 0 })).attr!.inode;
  await s.call('SetQuota', { quota: { kind: 'QUOTA_KIND_DIRECTORY', key: d, maxSpace: '0', maxInodes: '100' } });
  const f = (await s.call('Mknod', { parent: a, name: b('f'), mode: 0o644, type: 'FILE_TYPE_REGULAR' })).attr!;
  await s.call('Truncate', { inode: f.inode, length: '5000' });
  await new Promise((r) => setTimeout(r, 5));
  const linked = (await s.call('Link', { inode: f.inode, parent: d, name: b('g') })).attr!;
  expect(linked).toEqual((await s.call('GetAttr', { inode: f.inode })).attr!);
  expect(linked).toMatchObject({ nlink: 2, parent: '0', length: '5000' });
  expect(BigInt(linked.ctimeNs)).toBeGreaterThan(BigInt(f.ctimeNs));
  expect((await s.call('Lookup', { parent: d, name: b('g') })).attr!.inode).toBe(f.inode);
  expect((await s.call('GetQuota', { kind: 'QUOTA_KIND_DIRECTORY', key: d })).quota!).toMatchObject({ usedSpace: '8192', usedInodes: '1' });
  expect(await s.call('GetSummary', { inode: d, recursive: false })).toMatchObject({ length: '5000', files: '1' });
  // The cases that decline get the ordinary path's errnos.
  expect(await errnoOf(s.call('Link', { inode: f.inode, parent: d, name: b('g') }))).toBe('EEXIST');
  expect(await errnoOf(s.call('Link', { inode: a, parent: d, name: b('dir') }))).toBe('EPERM');
  expect(await errnoOf(s.call('Link', { inode: f.inode, parent: f.inode, name: b('x') }))).toBe('ENOTDIR');
  expect(await errnoOf(s.call('Link', { inode: '999999', parent: d, name: b('x') }))).toBe('ENOENT');
  expect(await checkAccounting(env.databaseUrl)).toEqual([]);
  expect(await checkInvariants(env.databaseUrl)).toEqual([]);
});

type Tx = Parameters<typeof lockEntrySent>[0];
type OutcomeLog = Parameters<typeof removeEntryFast>[2];

/**
 * One transaction whose fast attempt sends `lock` (finding no entry "f" in directory `dir`), waits for
 * its answer, lets another session create "f", then sends `fast` behind the locks; the ordinary run does
 * nothing. Returns which attempts ran (fast or not).
 */
async function createdAfterTheLocks(dir: string, tag: string, lock: (tx: Tx) => Promise<void>, fast: (tx: Tx, log: OutcomeLog) => Promise<unknown>): Promise<boolean[]> {
  const db = new Db({ connectionString: env.databaseUrl, poolSize: 1, lockTimeoutMs: 5000, statementTimeoutMs: 10000 }, createLogger('silent'));
  const attempts: boolean[] = [];
  try {
    await db.transaction(async (tx) => {
      attempts.push(tx.fast);
      if (!tx.fast) return; // the ordinary run: nothing to do here
      // The locks find no entry named "f" (and are answered before anything else happens)...
      await lock(tx);
      await tx.query('select 1');
      // ...then another session creates it, and the fast statement runs behind the locks.
      await s.call('Mknod', { parent: dir, name: b('f'), mode: 0o644, type: 'FILE_TYPE_REGULAR' });
      await fast(tx, { sid: BigInt(s.id), requestId: `${tag}-${Date.now()}`, outcome: Buffer.alloc(0), allowReadOnly: false, method: null, fingerprint: null, final: true });
    });
  } finally {
    await db.close();
  }
  return attempts;
}

it('a fast removal acts only on the entry its locks found: one created after them is left alone', async () => {
  const dir = (await s.call('Mkdir', { parent: ROOT_INO, name: b('late'), mode: 0o755, umask: 0 })).attr!.inode;
  const removal = { parent: BigInt(dir), name: b('f'), dir: false, now: 1n, skipNs: 0n, trusted: true, uid: 0, gids: [0], refuseFlags: 3, stickyBit: 0o1000, trashInode: 0x7fffffff10000000n, space: 4096n };
  const attempts = await createdAfterTheLocks(
    dir,
    'late',
    (tx) => lockEntrySent(tx, BigInt(dir), b('f'), [], [BigInt(dir)]),
    (tx, log) => removeEntryFast(tx, removal, log),
  );
  // The fast attempt declined (FZ001) and the transaction ran again the ordinary way.
  expect(attempts).toEqual([true, false]);
  expect((await s.call('Lookup', { parent: dir, name: b('f') })).attr!.nlink).toBe(1);
  expect(await checkAccounting(env.databaseUrl)).toEqual([]);
});

const ALICE = { uid: 1000, gid: 1000, gids: [] };
const RENAME_NOREPLACE = 1;

interface RenameScene {
  dir: string;
  sub: string;
  errnos: (string | undefined)[];
  /** How many times each rename's fast attempt declined (0 or 1). */
  declined: number[];
}

/** Fast attempts that declined on the session's server so far (counted as FZ001 retries). */
const declines = (): number => env.servers[0]!.meta.deps.db.retryCounts.get('FZ001') ?? 0;

/** Renames a caller who is not root makes in directory `name` (mode `mode`): within it, into a subdirectory, and the refused ones. */
async function renameScene(name: string, mode: number): Promise<RenameScene> {
  const dir = (await s.call('Mkdir', { parent: ROOT_INO, name: b(name), mode, umask: 0 })).attr!.inode;
  const as = { caller: ALICE };
  const mk = async (parent: string, n: string): Promise<string> =>
    (await s.call('Mknod', { parent, name: b(n), mode: 0o644, type: 'FILE_TYPE_REGULAR' }, as)).attr!.inode;
  const data = await mk(dir, 'data');
  await s.call('Truncate', { inode: data, length: '10000' }, as);
  const linked = await mk(dir, 'linked');
  await s.call('Link', { inode: linked, parent: dir, name: b('other') }, as);
  await s.call('Symlink', { parent: dir, name: b('sym'), target: b('somewhere/else') }, as);
  const sub = (await s.call('Mkdir', { parent: dir, name: b('sub'), mode: 0o755, umask: 0 }, as)).attr!.inode;
  await s.call('SetQuota', { quota: { kind: 'QUOTA_KIND_DIRECTORY', key: sub, maxSpace: '0', maxInodes: '100' } });
  await s.call('Mkdir', { parent: dir, name: b('moving'), mode: 0o755, umask: 0 }, as);
  const ro = (await s.call('Mkdir', { parent: dir, name: b('ro'), mode: 0o755, umask: 0 }, as)).attr!.inode;
  await mk(ro, 'f');
  await s.call('SetAttr', { inode: ro, set: 1, mode: 0o555 }, as);
  await mk(dir, 'taken');
  const declined: number[] = [];
  const counted = async <T>(call: Promise<T>): Promise<T> => {
    const before = declines();
    try {
      return await call;
    } finally {
      declined.push(declines() - before);
    }
  };
  const rename = (nameSrc: string, parentDst: string, nameDst: string, flags = 0) =>
    counted(s.call('Rename', { parentSrc: dir, nameSrc: b(nameSrc), parentDst, nameDst: b(nameDst), flags }, as));
  await rename('data', dir, 'data2');
  await rename('sym', dir, 'sym2', RENAME_NOREPLACE);
  await rename('sub', dir, 'sub2');
  await rename('data2', sub, 'data3');
  await rename('linked', sub, 'linked2');
  await rename('moving', sub, 'moved');
  const errnos = [
    await errnoOf(rename('taken', dir, 'other', RENAME_NOREPLACE)),
    await errnoOf(rename('gone', dir, 'x')),
    await errnoOf(rename('sub2', sub, 'loop')),
    await errnoOf(counted(s.call('Rename', { parentSrc: ro, nameSrc: b('f'), parentDst: ro, nameDst: b('g'), flags: 0 }, as))),
    await errnoOf(rename('taken', dir, 'other')),
  ];
  return { dir, sub, errnos, declined };
}

/** What a rename scene left: every entry with its node's link count, length and parent, summaries and the quota. */
async function renamedBy(x: RenameScene): Promise<unknown> {
  const entries = async (d: string): Promise<string[]> => {
    const out: string[] = [];
    for (const e of (await s.call('Readdir', { inode: d, plus: true })).entries) {
      const n = e.name.toString();
      if (n === '.' || n === '..') continue;
      const parent = e.attr!.parent === x.dir ? 'dir' : e.attr!.parent === x.sub ? 'sub' : e.attr!.parent;
      out.push(`${n} nlink=${e.attr!.nlink} length=${e.attr!.length} parent=${parent}`);
    }
    return out;
  };
  const summary = async (d: string, recursive: boolean) => {
    const r = await s.call('GetSummary', { inode: d, recursive });
    return { length: r.length, size: r.size, files: r.files, dirs: r.dirs };
  };
  const quota = (await s.call('GetQuota', { kind: 'QUOTA_KIND_DIRECTORY', key: x.sub })).quota!;
  return {
    errnos: x.errnos,
    nlink: [(await s.call('GetAttr', { inode: x.dir })).attr!.nlink, (await s.call('GetAttr', { inode: x.sub })).attr!.nlink],
    dir: await entries(x.dir),
    sub: await entries(x.sub),
    summaries: [await summary(x.dir, false), await summary(x.dir, true), await summary(x.sub, false)],
    quota: { usedSpace: quota.usedSpace, usedInodes: quota.usedInodes },
  };
}

it('Rename in one statement leaves what the ordinary path leaves', async () => {
  // A sticky source directory sends every one of these renames down the ordinary path.
  const fast = await renameScene('rename-plain', 0o777);
  const ordinary = await renameScene('rename-sticky', 0o1777);
  const left = await renamedBy(fast);
  expect(left).toEqual(await renamedBy(ordinary));
  // Five plain renames committed in one statement; a directory changing parents, and every refusal, declined.
  expect(fast.declined).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
  expect(ordinary.declined).toEqual(Array(11).fill(1));
  expect(left).toMatchObject({
    errnos: ['EEXIST', 'ENOENT', 'EPERM', 'EACCES', undefined],
    sub: ['data3 nlink=1 length=10000 parent=sub', 'linked2 nlink=1 length=0 parent=0', 'moved nlink=2 length=4096 parent=sub'],
    quota: { usedSpace: String(12288 + 4096 + 4096), usedInodes: '3' },
  });
  expect(await checkAccounting(env.databaseUrl)).toEqual([]);
  expect(await checkInvariants(env.databaseUrl)).toEqual([]);
});

it('a fast rename moves only the source its locks found: one created after them is left alone', async () => {
  const dir = (await s.call('Mkdir', { parent: ROOT_INO, name: b('late-rename'), mode: 0o755, umask: 0 })).attr!.inode;
  const move = {
    parentSrc: BigInt(dir), nameSrc: b('f'), parentDst: BigInt(dir), nameDst: b('g'), now: 1n, skipNs: 0n, trusted: true, uid: 0, gids: [0],
    srcRefuseFlags: 3, dstRefuseFlags: 1, stickyBit: 0o1000, trashInode: 0x7fffffff10000000n,
  };
  const attempts = await createdAfterTheLocks(
    dir,
    'late-rename',
    (tx) => lockRenameSent(tx, BigInt(dir), b('f'), BigInt(dir)),
    (tx, log) => renameFast(tx, move, log),
  );
  expect(attempts).toEqual([true, false]);
  expect((await s.call('Lookup', { parent: dir, name: b('f') })).attr!.nlink).toBe(1);
  expect(await errnoOf(s.call('Lookup', { parent: dir, name: b('g') }))).toBe('ENOENT');
  expect(await checkAccounting(env.databaseUrl)).toEqual([]);
});

it('SetXattr in one statement: the plain cases commit at once, every other case gets the ordinary errno', async () => {
  const dir = (await s.call('Mkdir', { parent: ROOT_INO, name: b('xattr-fast'), mode: 0o777, umask: 0 })).attr!.inode;
  const as = { caller: ALICE };
  const mine = (await s.call('Mknod', { parent: dir, name: b('mine'), mode: 0o644, type: 'FILE_TYPE_REGULAR' }, as)).attr!.inode;
  const roots = (await s.call('Mknod', { parent: dir, name: b('roots'), mode: 0o644, type: 'FILE_TYPE_REGULAR' })).attr!.inode;
  const frozen = (await s.call('Mknod', { parent: dir, name: b('frozen'), mode: 0o666, type: 'FILE_TYPE_REGULAR' })).attr!.inode;
  await s.call('SetAttr', { inode: frozen, set: 1 << 15, flags: 1 });
  const XATTR_CREATE = 1;
  const XATTR_REPLACE = 2;
  const steps: [string, string, number, (typeof as) | undefined][] = [
    [mine, 'user.a', 0, as],
    [mine, 'user.a', XATTR_CREATE, as],
    [mine, 'user.b', XATTR_REPLACE, as],
    [mine, 'user.a', XATTR_REPLACE, as],
    [mine, 'user.b', XATTR_CREATE, as],
    [mine, 'user.b', 0, as],
    [roots, 'user.a', 0, as],
    [roots, 'trusted.a', 0, as],
    [roots, 'trusted.a', 0, undefined],
    [roots, 'security.a', 0, as],
    [frozen, 'user.a', 0, undefined],
    ['999999', 'user.a', 0, undefined],
  ];
  const seen: [string | undefined, number][] = [];
  for (const [i, [inode, n, flags, opts]] of steps.entries()) {
    const before = declines();
    const errno = await errnoOf(s.call('SetXattr', { inode, name: b(n), value: b(`v${i}`), flags }, opts));
    seen.push([errno, declines() - before]);
  }
  expect(seen).toEqual([
    [undefined, 0],
    ['EEXIST', 1],
    ['ENODATA', 1],
    [undefined, 0],
    [undefined, 0],
    [undefined, 0],
    ['EACCES', 1],
    ['EPERM', 0],
    [undefined, 0],
    [undefined, 0],
    ['EPERM', 1],
    ['ENOENT', 1],
  ]);
  const value = async (inode: string, n: string): Promise<string> => (await s.call('GetXattr', { inode, name: b(n) })).value.toString();
  expect([await value(mine, 'user.a'), await value(mine, 'user.b'), await value(roots, 'trusted.a'), await value(roots, 'security.a')]).toEqual(['v3', 'v5', 'v8', 'v9']);
  expect((await s.call('ListXattr', { inode: roots })).names.map((x) => x.toString()).sort()).toEqual(['security.a', 'trusted.a']);
  expect(await errnoOf(s.call('GetXattr', { inode: frozen, name: b('user.a') }))).toBe('ENODATA');
});

it('Truncate in one statement leaves what the ordinary path leaves', async () => {
  const CHUNK = 64n << 20n;
  const lengths = [5000n, 3000n, 3000n, CHUNK + 100n, CHUNK, (5n * CHUNK) / 2n + 4096n, 10n, 2n * CHUNK + 5n, 0n, 7n];
  /** Truncates a file to each length in turn, in a directory of its own under a quota of 2.5 chunks. */
  const run = async (name: string, acl: boolean): Promise<{ seen: [string | undefined, number][]; left: unknown }> => {
    const dir = (await s.call('Mkdir', { parent: ROOT_INO, name: b(name), mode: 0o755, umask: 0 })).attr!.inode;
    await s.call('SetQuota', { quota: { kind: 'QUOTA_KIND_DIRECTORY', key: dir, maxSpace: String((5n * CHUNK) / 2n), maxInodes: '0' } });
    const f = (await s.call('Mknod', { parent: dir, name: b('f'), mode: 0o644, type: 'FILE_TYPE_REGULAR' })).attr!.inode;
    // An extended ACL (a named user besides the owner) sends every Truncate of the file down the ordinary path.
    if (acl) await s.call('SetXattr', { inode: f, name: b('system.posix_acl_access'), value: aclXattr([[1, 6, 0], [2, 6, 4242], [4, 4, 0], [0x10, 6, 0], [0x20, 4, 0]]), flags: 0 });
    const seen: [string | undefined, number][] = [];
    for (const length of lengths) {
      const before = declines();
      const errno = await errnoOf(s.call('Truncate', { inode: f, length: String(length) }));
      seen.push([errno, declines() - before]);
    }
    const chunks: unknown[] = [];
    for (let indx = 0; indx < 3; indx++) chunks.push((await s.call('Read', { inode: f, chunkIndex: indx })).slices);
    const quota = (await s.call('GetQuota', { kind: 'QUOTA_KIND_DIRECTORY', key: dir })).quota!;
    const summary = await s.call('GetSummary', { inode: dir, recursive: false });
    const { length, nlink } = (await s.call('GetAttr', { inode: f })).attr!;
    return { seen, left: { chunks, length, nlink, usedSpace: quota.usedSpace, summaryLength: summary.length } };
  };
  const fast = await run('truncate-plain', false);
  const ordinary = await run('truncate-acl', true);
  expect(fast.left).toEqual(ordinary.left);
  expect(fast.left).toMatchObject({ length: '7', usedSpace: '4096', summaryLength: '7' });
  // In the same or adjacent chunks the statement commits (or its charge refuses: EDQUOT); the same length, and a
  // range over a whole chunk, decline.
  const errnos = [undefined, undefined, undefined, undefined, undefined, 'EDQUOT', undefined, undefined, undefined, undefined];
  expect(fast.seen).toEqual(errnos.map((e, i) => [e, [2, 7, 8].includes(i) ? 1 : 0]));
  expect(ordinary.seen).toEqual(errnos.map((e) => [e, 1]));
  // The cases the statement declines get the ordinary path's errnos.
  const dir = (await s.call('Mkdir', { parent: ROOT_INO, name: b('truncate-refused'), mode: 0o777, umask: 0 })).attr!.inode;
  const roots = (await s.call('Mknod', { parent: dir, name: b('roots'), mode: 0o644, type: 'FILE_TYPE_REGULAR' })).attr!.inode;
  const frozen = (await s.call('Mknod', { parent: dir, name: b('frozen'), mode: 0o666, type: 'FILE_TYPE_REGULAR' })).attr!.inode;
  await s.call('SetAttr', { inode: frozen, set: 1 << 15, flags: 1 });
  expect(await errnoOf(s.call('Truncate', { inode: roots, length: '1' }, { caller: ALICE }))).toBe('EACCES');
  expect(await errnoOf(s.call('Truncate', { inode: frozen, length: '1' }))).toBe('EPERM');
  expect(await errnoOf(s.call('Truncate', { inode: dir, length: '1' }))).toBe('EPERM');
  expect(await errnoOf(s.call('Truncate', { inode: '999999', length: '1' }))).toBe('ENOENT');
  expect(await checkAccounting(env.databaseUrl)).toEqual([]);
  expect(await checkInvariants(env.databaseUrl)).toEqual([]);
});
