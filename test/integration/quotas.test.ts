import * as grpc from '@grpc/grpc-js';
import * as fc from 'fast-check';
import type { Session, v1 } from '@fsmeta/client';
import { Client } from 'pg';
import { checkAccounting } from '../harness/accounting';
import { ROOT_INO, b, errnoOf } from '../harness/fs';
import { checkInvariants } from '../harness/invariants';
import { startEnv, type TestEnv } from '../harness/server';

const REPLICAS = 3;
const KiB = 1024;
/** Space is counted in 4 KiB units (align4K). */
const UNIT = 4096;

let env: TestEnv;
let s: Session;
let seq = 0;

beforeAll(async () => {
  env = await startEnv(REPLICAS, { poolSize: 6 });
  s = await env.session();
});
afterAll(() => env.stop());

function uniq(prefix: string): string {
  return `${prefix}-${++seq}`;
}

async function mkdir(parent: string, name: string, sess: Session = s): Promise<string> {
  return (await sess.call('Mkdir', { parent, name: b(name), mode: 0o777 })).attr!.inode;
}

async function mknod(parent: string, name: string, sess: Session = s): Promise<string> {
  return (await sess.call('Mknod', { parent, name: b(name), mode: 0o644, type: 'FILE_TYPE_REGULAR' })).attr!.inode;
}

async function truncate(inode: string, length: number, sess: Session = s): Promise<void> {
  await sess.call('Truncate', { inode, length: String(length) });
}

async function setFormat(change: Partial<v1.Format>): Promise<void> {
  const { format } = await s.call('GetFormat', {});
  let { dirStatsBuild } = await s.call('Format', { format: { ...format!, uuid: '', ...change }, force: true });
  // Statistics turned on for more directories than one batch are computed by the replicas' job.
  while (dirStatsBuild !== null) {
    await new Promise((r) => setTimeout(r, 20));
    ({ dirStatsBuild } = await s.call('GetFormat', {}));
  }
}

async function statfs(inode = ROOT_INO): Promise<v1.StatFSResponse__Output> {
  return s.call('StatFS', { inode });
}

async function setQuota(kind: v1.QuotaKind, key: string | number, maxSpace = 0, maxInodes = 0): Promise<v1.Quota__Output> {
  return (await s.call('SetQuota', { quota: { kind, key: String(key), maxSpace: String(maxSpace), maxInodes: String(maxInodes) } })).quota!;
}

async function quota(kind: v1.QuotaKind, key: string | number): Promise<v1.Quota__Output> {
  return (await s.call('GetQuota', { kind, key: String(key) })).quota!;
}

async function expectConsistent(): Promise<void> {
  expect(await checkAccounting(env.databaseUrl)).toEqual([]);
  expect(await checkInvariants(env.databaseUrl)).toEqual([]);
}

describe('volume limits (checkQuota rules)', () => {
  afterEach(() => setFormat({ capacity: '0', inodes: '0' }));

  it('fails a new inode with ENOSPC past the inode limit, allows reaching it, and does not check Link', async () => {
    const dir = await mkdir(ROOT_INO, uniq('vol-inodes'));
    const used = Number((await statfs()).usedInodes);
    await setFormat({ inodes: String(used + 3) });
    const f1 = await mknod(dir, 'f1');
    await mkdir(dir, 'd1');
    await s.call('Symlink', { parent: dir, name: b('l1'), target: b('f1') });
    expect((await statfs()).availInodes).toBe('0');
    expect(await errnoOf(mknod(dir, 'f2'))).toBe('ENOSPC');
    expect(await errnoOf(mkdir(dir, 'd2'))).toBe('ENOSPC');
    expect(await errnoOf(s.call('Create', { parent: dir, name: b('f3'), mode: 0o644 }))).toBe('ENOSPC');
    expect(await errnoOf(s.call('Symlink', { parent: dir, name: b('l2'), target: b('x') }))).toBe('ENOSPC');
    await s.call('Link', { inode: f1, parent: dir, name: b('f1-link') });
    await s.call('Unlink', { parent: dir, name: b('f1') });
    // Still linked: the inode stays counted.
    expect(await errnoOf(mknod(dir, 'f2'))).toBe('ENOSPC');
    await s.call('Unlink', { parent: dir, name: b('f1-link') });
    await mknod(dir, 'f2');
    await expectConsistent();
  });

  it('fails growth of used space with ENOSPC past the capacity (Truncate, Fallocate, Write, CopyFileRange, creates)', async () => {
    const dir = await mkdir(ROOT_INO, uniq('vol-space'));
    const a = await mknod(dir, 'a');
    const c = await mknod(dir, 'c');
    const before = await statfs();
    const used = BigInt(before.totalSpace) - BigInt(before.availSpace);
    await setFormat({ capacity: String(used + 10n * BigInt(UNIT)) }); // 10 units of room
    await truncate(a, 8 * KiB); // +1 unit: 9 left
    await truncate(a, 8 * KiB - 100); // same units: no growth
    expect(await errnoOf(truncate(a, 60 * KiB))).toBe('ENOSPC'); // +13
    expect(await errnoOf(s.call('Fallocate', { inode: a, mode: 0, offset: '0', size: String(60 * KiB) }))).toBe('ENOSPC');
    await s.call('Fallocate', { inode: a, mode: 1, offset: '0', size: String(100 * KiB) }); // KEEP_SIZE grows nothing
    const { firstId } = await s.call('NewSlices', { count: 1 });
    const slice = (len: number) => ({ id: firstId, size: 64 * KiB, off: 0, len });
    expect(await errnoOf(s.call('Write', { inode: c, chunkIndex: 0, pos: 0, slice: slice(44 * KiB) }))).toBe('ENOSPC'); // +10
    await s.call('Write', { inode: c, chunkIndex: 0, pos: 0, slice: slice(5 * KiB) }); // +1: 8 left
    const copy = (offsetOut: number) => s.call('CopyFileRange', { inodeIn: c, offsetIn: '0', inodeOut: a, offsetOut: String(offsetOut), size: String(5 * KiB), flags: 0 });
    expect(await errnoOf(copy(40 * KiB))).toBe('ENOSPC'); // a to 48K: +10
    await truncate(a, 36 * KiB); // +7: 1 left
    await mknod(dir, 'last'); // reaches the capacity exactly
    expect((await statfs()).availSpace).toBe('0');
    expect(await errnoOf(mknod(dir, 'over'))).toBe('ENOSPC');
    await truncate(a, 0); // shrinking gives space back
    await copy(0);
    await expectConsistent();
  });
});

describe('quota RPCs', () => {
  it('validates requests and answers errnos', async () => {
    await expect(s.call('SetQuota', { quota: { kind: 'QUOTA_KIND_UNSPECIFIED', key: '1' } })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      message: expect.stringContaining('quota.kind'),
    });
    await expect(s.call('SetQuota', {})).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, message: expect.stringContaining('quota') });
    await expect(s.call('SetQuota', { quota: { kind: 'QUOTA_KIND_DIRECTORY', key: '0' } })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      message: expect.stringContaining('quota.key'),
    });
    await expect(s.call('GetQuota', { kind: 'QUOTA_KIND_UNSPECIFIED', key: '1' })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    expect(await errnoOf(s.call('GetQuota', { kind: 'QUOTA_KIND_DIRECTORY', key: '999999' }))).toBe('ENOENT');
    expect(await errnoOf(s.call('DeleteQuota', { kind: 'QUOTA_KIND_USER', key: '4242' }))).toBe('ENOENT');
    expect(await errnoOf(setQuota('QUOTA_KIND_DIRECTORY', 999999, 1))).toBe('ENOENT');
    const dir = await mkdir(ROOT_INO, uniq('q-err'));
    const file = await mknod(dir, 'f');
    expect(await errnoOf(setQuota('QUOTA_KIND_DIRECTORY', file, 1))).toBe('ENOTDIR');
    const user = await env.session({ uid: 1000, gid: 1000, gids: [] });
    expect(await errnoOf(user.call('SetQuota', { quota: { kind: 'QUOTA_KIND_DIRECTORY', key: dir, maxInodes: '5' } }))).toBe('EPERM');
    expect(await errnoOf(user.call('DeleteQuota', { kind: 'QUOTA_KIND_DIRECTORY', key: dir }))).toBe('EPERM');
  });

  it('computes a new quota\'s usage from what is there, keeps it when limits change, and lists and deletes', async () => {
    const dir = await mkdir(ROOT_INO, uniq('q-crud'));
    const sub = await mkdir(dir, 'sub');
    await truncate(await mknod(sub, 'f'), 10_000);
    await mknod(dir, 'g');
    const q = await setQuota('QUOTA_KIND_DIRECTORY', dir, 0, 100);
    // sub (4K), f (12K), g (4K): the directory itself is not counted (as handleQuotaSet).
    expect(q).toMatchObject({ kind: 'QUOTA_KIND_DIRECTORY', key: dir, maxInodes: '100', maxSpace: '0', usedInodes: '3', usedSpace: String(20 * KiB) });
    const changed = await setQuota('QUOTA_KIND_DIRECTORY', dir, 1 << 20, 50);
    expect(changed).toMatchObject({ maxSpace: String(1 << 20), maxInodes: '50', usedInodes: '3' });
    const listed = (await s.call('ListQuotas', { kind: 'QUOTA_KIND_DIRECTORY' })).quotas;
    expect(listed.map((x) => x.key)).toContain(dir);
    expect((await s.call('ListQuotas', { kind: 'QUOTA_KIND_USER' })).quotas.every((x) => x.kind === 'QUOTA_KIND_USER')).toBe(true);
    await s.call('DeleteQuota', { kind: 'QUOTA_KIND_DIRECTORY', key: dir });
    expect(await errnoOf(quota('QUOTA_KIND_DIRECTORY', dir))).toBe('ENOENT');
    await expectConsistent();
  });

  it('charges nested directory quotas for every change, EDQUOT from the one that is full', async () => {
    const outer = await mkdir(ROOT_INO, uniq('q-nest'));
    const inner = await mkdir(outer, 'inner');
    await setQuota('QUOTA_KIND_DIRECTORY', outer, 0, 4);
    await setQuota('QUOTA_KIND_DIRECTORY', inner, 10 * KiB, 0);
    const f = await mknod(inner, 'f'); // outer: inner + f = 2 inodes; inner: 4K
    expect(await errnoOf(truncate(f, 9 * KiB))).toBe('EDQUOT'); // inner would hold 12K
    await truncate(f, 6 * KiB); // inner 8K
    expect(await errnoOf(mknod(inner, 'g'))).toBe('EDQUOT'); // inner 12K
    await mknod(outer, 'g');
    await mknod(outer, 'h'); // outer reaches 4 inodes exactly
    expect(await errnoOf(mknod(outer, 'i'))).toBe('EDQUOT');
    expect(await errnoOf(mkdir(outer, 'x'))).toBe('EDQUOT');
    expect(await errnoOf(s.call('Symlink', { parent: outer, name: b('l'), target: b('g') }))).toBe('EDQUOT');
    await s.call('Unlink', { parent: outer, name: b('h') });
    await truncate(f, 0);
    await mknod(inner, 'g');
    expect(await quota('QUOTA_KIND_DIRECTORY', outer)).toMatchObject({ usedInodes: '4', usedSpace: String(16 * KiB) });
    expect(await quota('QUOTA_KIND_DIRECTORY', inner)).toMatchObject({ usedInodes: '2', usedSpace: String(8 * KiB) });
    // StatFS of a directory under quotas: the nearest quota's totals, the least room any leaves.
    const st = await statfs(f);
    expect(st).toMatchObject({ usedInodes: '2', availInodes: '0', totalSpace: String(10 * KiB), availSpace: String(2 * KiB) });
    await expectConsistent();
  });

  it('checks user, group, volume, then directory limits (JuiceFS checkQuota order)', async () => {
    const dir = await mkdir(ROOT_INO, uniq('q-order'));
    await setQuota('QUOTA_KIND_DIRECTORY', dir, 0, 1);
    await mknod(dir, 'a'); // the directory quota is now full
    const used = Number((await statfs()).usedInodes);
    await setFormat({ inodes: String(used) }); // and the volume
    expect(await errnoOf(mknod(dir, 'b'))).toBe('ENOSPC');
    const u = await env.session({ uid: 3001, gid: 3001, gids: [] });
    await setQuota('QUOTA_KIND_USER', 3001, 0, 0);
    await setQuota('QUOTA_KIND_USER', 3001, 0, 0);
    await setFormat({ inodes: '0' });
    const mine = await mkdir(ROOT_INO, uniq('q-user'));
    await s.call('SetAttr', { inode: mine, set: 2, uid: 3001 });
    await mknod(mine, 'x', u);
    await setQuota('QUOTA_KIND_USER', 3001, 0, 2); // the dir and x
    expect(await quota('QUOTA_KIND_USER', 3001)).toMatchObject({ usedInodes: '2' });
    await setFormat({ inodes: String(Number((await statfs()).usedInodes)) });
    expect(await errnoOf(mknod(mine, 'y', u))).toBe('EDQUOT'); // the user's quota before the volume
    await setFormat({ inodes: '0' });
    await setQuota('QUOTA_KIND_USER', 3001, 0, 0); // unlimited again
    // The group owns x only (mine was chowned to the user alone).
    await setQuota('QUOTA_KIND_GROUP', 3001, 0, 2);
    await mknod(mine, 'y', u);
    expect(await errnoOf(mknod(mine, 'z', u))).toBe('EDQUOT');
    expect(await quota('QUOTA_KIND_GROUP', 3001)).toMatchObject({ usedInodes: '2', maxInodes: '2' });
    // chown into a full group quota fails too.
    expect(await errnoOf(s.call('SetAttr', { inode: mine, set: 4, gid: 3001 }))).toBe('EDQUOT');
    await s.call('DeleteQuota', { kind: 'QUOTA_KIND_USER', key: '3001' });
    await s.call('DeleteQuota', { kind: 'QUOTA_KIND_GROUP', key: '3001' });
    await mknod(mine, 'z', u);
    await expectConsistent();
  });

  it('moves usage on rename and link across quota boundaries; a move into a full quota fails', async () => {
    const top = await mkdir(ROOT_INO, uniq('q-move'));
    const a = await mkdir(top, 'a');
    const bq = await mkdir(top, 'b');
    const tree = await mkdir(a, 'tree');
    await truncate(await mknod(tree, 'f1'), 5 * KiB);
    await mkdir(tree, 'sub');
    const lone = await mknod(a, 'lone');
    await setQuota('QUOTA_KIND_DIRECTORY', a, 0, 0);
    await setQuota('QUOTA_KIND_DIRECTORY', bq, 0, 3);
    expect(await quota('QUOTA_KIND_DIRECTORY', a)).toMatchObject({ usedInodes: '4', usedSpace: String(20 * KiB) });
    // tree (with f1 and sub) is 3 inodes: fits b exactly.
    await s.call('Rename', { parentSrc: a, nameSrc: b('tree'), parentDst: bq, nameDst: b('tree') });
    expect(await quota('QUOTA_KIND_DIRECTORY', a)).toMatchObject({ usedInodes: '1', usedSpace: String(4 * KiB) });
    expect(await quota('QUOTA_KIND_DIRECTORY', bq)).toMatchObject({ usedInodes: '3', usedSpace: String(16 * KiB) });
    expect(await errnoOf(s.call('Rename', { parentSrc: a, nameSrc: b('lone'), parentDst: bq, nameDst: b('lone') }))).toBe('EDQUOT');
    expect(await errnoOf(s.call('Link', { inode: lone, parent: bq, name: b('lone') }))).toBe('EDQUOT');
    // A link counts in its new parent's quotas; a write to the file counts under every link.
    await s.call('Rename', { parentSrc: bq, nameSrc: b('tree'), parentDst: top, nameDst: b('tree') });
    await s.call('Link', { inode: lone, parent: bq, name: b('lone') });
    // A directory moving in brings its whole subtree: 3 more inodes do not fit b's 2 left.
    expect(await errnoOf(s.call('Rename', { parentSrc: top, nameSrc: b('tree'), parentDst: bq, nameDst: b('tree') }))).toBe('EDQUOT');
    expect(await quota('QUOTA_KIND_DIRECTORY', bq)).toMatchObject({ usedInodes: '1' });
    await truncate(lone, 8 * KiB);
    expect(await quota('QUOTA_KIND_DIRECTORY', a)).toMatchObject({ usedInodes: '1', usedSpace: String(8 * KiB) });
    expect(await quota('QUOTA_KIND_DIRECTORY', bq)).toMatchObject({ usedInodes: '1', usedSpace: String(8 * KiB) });
    // Write (one statement) charges every link's directory too.
    const { firstId } = await s.call('NewSlices', { count: 1 });
    await s.call('Write', { inode: lone, chunkIndex: 0, pos: 8 * KiB, slice: { id: firstId, size: 64 * KiB, off: 0, len: 4 * KiB } });
    expect(await quota('QUOTA_KIND_DIRECTORY', a)).toMatchObject({ usedSpace: String(12 * KiB) });
    expect(await quota('QUOTA_KIND_DIRECTORY', bq)).toMatchObject({ usedSpace: String(12 * KiB) });
    await truncate(lone, 8 * KiB);
    // Exchange across quotas, replacing an entry, and removing a directory with a quota.
    await mknod(top, 'other');
    await s.call('Rename', { parentSrc: top, nameSrc: b('other'), parentDst: a, nameDst: b('lone'), flags: 2 });
    await truncate(await mknod(top, 'rep'), 8 * KiB);
    await mknod(bq, 'v');
    await s.call('Rename', { parentSrc: top, nameSrc: b('rep'), parentDst: bq, nameDst: b('v') });
    expect(await quota('QUOTA_KIND_DIRECTORY', bq)).toMatchObject({ usedInodes: '2', usedSpace: String(16 * KiB) });
    const gone = await mkdir(top, 'gone');
    await setQuota('QUOTA_KIND_DIRECTORY', gone, 0, 1);
    await s.call('Rmdir', { parent: top, name: b('gone') });
    expect(await errnoOf(quota('QUOTA_KIND_DIRECTORY', gone))).toBe('ENOENT');
    await expectConsistent();
  });
});

describe('directory statistics and summaries', () => {
  async function summary(inode: string, recursive = true): Promise<{ length: string; size: string; files: string; dirs: string }> {
    const { length, size, files, dirs } = await s.call('GetSummary', { inode, recursive });
    return { length, size, files, dirs };
  }

  it('summarises a tree, turns statistics on for a volume with files, and keeps them exact', async () => {
    const top = await mkdir(ROOT_INO, uniq('stats'));
    const sub = await mkdir(top, 'sub');
    await truncate(await mknod(top, 'a'), 10_000);
    await truncate(await mknod(sub, 'b'), 5000);
    await s.call('Symlink', { parent: sub, name: b('l'), target: b('b') });
    // Without statistics: a scan. top itself (4K), sub (4K), a (12K), b (8K), l (4K).
    const scanned = await summary(top);
    expect(scanned).toEqual({ length: '15000', size: String(32 * KiB), files: '3', dirs: '2' });
    expect(await summary(top, false)).toEqual({ length: '10000', size: String(20 * KiB), files: '1', dirs: '2' });
    expect(await s.call('GetDirStat', { inode: sub })).toEqual({ length: '5000', space: String(12 * KiB), inodes: '2' });
    expect(await summary(await (await s.call('Lookup', { parent: top, name: b('a') })).attr!.inode)).toEqual({ length: '10000', size: String(12 * KiB), files: '1', dirs: '0' });
    expect(await errnoOf(s.call('GetDirStat', { inode: '999999' }))).toBe('ENOENT');

    await setFormat({ dirStats: true });
    expect(await summary(top)).toEqual(scanned);
    expect(await s.call('GetDirStat', { inode: sub })).toEqual({ length: '5000', space: String(12 * KiB), inodes: '2' });
    // Every kind of change keeps them exact (checkAccounting recounts every directory).
    const c = await mknod(sub, 'c');
    await truncate(c, 3 * UNIT + 1);
    await s.call('Link', { inode: c, parent: top, name: b('c2') });
    await s.call('Rename', { parentSrc: sub, nameSrc: b('b'), parentDst: top, nameDst: b('b') });
    await s.call('Rename', { parentSrc: top, nameSrc: b('a'), parentDst: sub, nameDst: b('c'), flags: 0 });
    await s.call('Unlink', { parent: sub, name: b('l') });
    await mkdir(sub, 'd');
    await s.call('Rmdir', { parent: sub, name: b('d') });
    expect(await s.call('GetDirStat', { inode: sub })).toEqual({ length: '10000', space: String(12 * KiB), inodes: '1' });
    await expectConsistent();
    expect(await summary(top)).toEqual({ length: String(15000 + 3 * UNIT + 1), size: String(4 * KiB + 4 * KiB + 12 * KiB + 8 * KiB + 16 * KiB), files: '3', dirs: '2' });
  });

  it('counts symlinks exactly, statistics off or on, in totals and in the tree form', async () => {
    await setFormat({ dirStats: false });
    const symlink = async (parent: string, name: string): Promise<string> =>
      (await s.call('Symlink', { parent, name: b(name), target: b('somewhere') })).attr!.inode;
    const t = await mkdir(ROOT_INO, uniq('symlinks'));
    const a = await mkdir(t, 'a');
    const deep = await mkdir(a, 'deep');
    await truncate(await mknod(t, 'f'), 5000);
    await symlink(t, 'l1');
    await symlink(a, 'l2');
    const l3 = await symlink(deep, 'l3');
    await symlink(deep, 'l4');
    await mknod(deep, 'g');
    await s.call('Link', { inode: l3, parent: a, name: b('l3-hard') }); // a symlink's second entry counts again
    const brief = (e: v1.SummaryEntry__Output): unknown => [e.name.toString(), e.size, e.files, e.dirs, e.symlinks, e.children.map(brief)];
    const all = async () => {
      const { length, size, files, dirs, symlinks, children } = await s.call('GetSummary', { inode: t, recursive: true, depth: 2 });
      const top = await s.call('GetSummary', { inode: t, recursive: false });
      return { length, size, files, dirs, symlinks, tree: children.map(brief), top: [top.files, top.dirs, top.symlinks, top.size] };
    };
    const off = await all();
    expect(off).toEqual({
      length: '5000', size: String(44 * KiB), files: '7', dirs: '3', symlinks: '5',
      tree: [
        ['a', String(28 * KiB), '5', '2', '4', [['deep', String(16 * KiB), '3', '1', '2', []], ['l2', String(4 * KiB), '1', '0', '1', []], ['l3-hard', String(4 * KiB), '1', '0', '1', []]]],
        ['f', String(8 * KiB), '1', '0', '0', []],
        ['l1', String(4 * KiB), '1', '0', '1', []],
      ],
      top: ['2', '2', '1', String(20 * KiB)],
    });
    expect(await s.call('GetSummary', { inode: l3 })).toMatchObject({ files: '1', dirs: '0', symlinks: '1', size: String(4 * KiB) });
    await setFormat({ dirStats: true });
    expect(await all()).toEqual(off);
    await expectConsistent();
    // Every way an entry comes and goes keeps the statistics' symlink counts exact.
    await s.call('Rename', { parentSrc: deep, nameSrc: b('l4'), parentDst: t, nameDst: b('l4') });
    await s.call('Rename', { parentSrc: t, nameSrc: b('f'), parentDst: a, nameDst: b('l2') }); // a file replaces a symlink
    await s.call('Unlink', { parent: a, name: b('l3-hard') });
    await s.call('Rename', { parentSrc: a, nameSrc: b('deep'), parentDst: t, nameDst: b('l1'), flags: 2 }); // exchange a directory and a symlink
    await symlink(deep, 'l5');
    const on = await all();
    expect(on).toMatchObject({ length: '5000', size: String(40 * KiB), files: '6', dirs: '3', symlinks: '4', top: ['1', '3', '1', String(16 * KiB)] });
    await expectConsistent();
    await setFormat({ dirStats: false });
    expect(await all()).toEqual(on);
    await setFormat({ dirStats: true });
  });

  it('answers the depth-limited tree form, largest entries first, the rest folded into "..."', async () => {
    const t = await mkdir(ROOT_INO, uniq('tree'));
    const x = await mkdir(t, 'x');
    await truncate(await mknod(x, 'x1'), 10_000);
    await mknod(x, 'x2');
    await truncate(await mknod(t, 'y'), 100);
    await mkdir(t, 'z');
    const brief = (e: v1.SummaryEntry__Output): unknown => [e.name.toString(), e.size, e.files, e.dirs, e.children.map(brief)];
    const one = await s.call('GetSummary', { inode: t, recursive: true, depth: 1, topN: 2 });
    expect(one).toMatchObject({ size: String(32 * KiB), files: '3', dirs: '3' });
    expect(one.children.map(brief)).toEqual([
      ['x', String(20 * KiB), '2', '1', []],
      ['y', String(4 * KiB), '1', '0', []],
      ['...', String(4 * KiB), '0', '1', []],
    ]);
    const two = await s.call('GetSummary', { inode: t, recursive: true, depth: 2 });
    expect(brief(two.children[0]!)).toEqual(['x', String(20 * KiB), '2', '1', [['x1', String(12 * KiB), '1', '0', []], ['x2', String(4 * KiB), '1', '0', []]]]);
    expect((await s.call('GetSummary', { inode: t, recursive: true })).children).toEqual([]);
    await expect(s.call('GetSummary', { inode: t, depth: 11 })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, message: expect.stringContaining('depth') });
  });

  it('finds usage that drifted from a recount and repairs it (quota check --repair)', async () => {
    const dir = await mkdir(ROOT_INO, uniq('repair'));
    await mknod(dir, 'f');
    await setQuota('QUOTA_KIND_DIRECTORY', dir, 0, 10);
    const pg = new Client({ connectionString: env.databaseUrl });
    await pg.connect();
    try {
      await pg.query('update quota_shard set inodes = inodes + 5, space = space - 4096 where kind = 1 and key = $1 and shard = 7', [dir]);
    } finally {
      await pg.end();
    }
    const { quotas } = env.servers[0]!.meta;
    const drift = await quotas.check(false);
    expect(drift.map((d) => [d.key.toString(), d.usedInodes, d.countedInodes])).toEqual([[dir, 6n, 1n]]);
    expect(await quotas.check(true)).toHaveLength(1);
    expect(await quotas.check(false)).toEqual([]);
    expect(await quota('QUOTA_KIND_DIRECTORY', dir)).toMatchObject({ usedInodes: '1', usedSpace: String(4 * KiB) });
    await expectConsistent();
  });
});

describe('hard limits under concurrency (three replicas)', () => {
  const WORKERS = 12;
  let sessions: Session[];

  beforeAll(async () => {
    sessions = await Promise.all(Array.from({ length: WORKERS }, (_, i) => env.session(undefined, i % REPLICAS)));
  });

  /** Runs `attempt` from every worker until each gave up; returns successes and errnos. */
  async function race(attempt: (w: number, i: number) => Promise<unknown>, perWorker: number): Promise<{ ok: number; errnos: string[] }> {
    let ok = 0;
    const errnos: string[] = [];
    await Promise.all(
      sessions.map(async (_, w) => {
        for (let i = 0; i < perWorker; i++) {
          const e = await errnoOf(attempt(w, i));
          if (e === undefined) ok++;
          else errnos.push(e);
        }
      }),
    );
    return { ok, errnos };
  }

  /** Samples a quota's usage while `work` runs: the largest usage seen. */
  async function watch(key: string, work: Promise<unknown>): Promise<{ space: bigint; inodes: bigint }> {
    let done = false;
    const max = { space: 0n, inodes: 0n };
    const sampler = (async () => {
      while (!done) {
        const q = await quota('QUOTA_KIND_DIRECTORY', key);
        if (BigInt(q.usedSpace) > max.space) max.space = BigInt(q.usedSpace);
        if (BigInt(q.usedInodes) > max.inodes) max.inodes = BigInt(q.usedInodes);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await work.finally(() => (done = true));
    await sampler;
    return max;
  }

  it('never passes a directory inode limit: exactly the limit succeeds, the rest EDQUOT', async () => {
    const dir = await mkdir(ROOT_INO, uniq('race-inodes'));
    const LIMIT = 45;
    await setQuota('QUOTA_KIND_DIRECTORY', dir, 0, LIMIT);
    let result!: { ok: number; errnos: string[] };
    const seen = await watch(dir, (async () => (result = await race((w, i) => mknod(dir, `w${w}-${i}`, sessions[w]), 5)))());
    expect(result.ok).toBe(LIMIT);
    expect(new Set(result.errnos)).toEqual(new Set(['EDQUOT']));
    expect(seen.inodes).toBeLessThanOrEqual(BigInt(LIMIT));
    expect(await quota('QUOTA_KIND_DIRECTORY', dir)).toMatchObject({ usedInodes: String(LIMIT) });
    await expectConsistent();
  });

  it('never passes a directory space limit: growth fills it exactly', async () => {
    const dir = await mkdir(ROOT_INO, uniq('race-space'));
    const files = await Promise.all(sessions.map((ws, w) => mknod(dir, `f${w}`, ws)));
    const LIMIT = 90; // units; the files hold WORKERS already
    await setQuota('QUOTA_KIND_DIRECTORY', dir, LIMIT * UNIT, 0);
    const size = files.map(() => UNIT);
    const grow = async (w: number): Promise<void> => {
      const next = size[w]! + UNIT;
      if (w % 2 === 0) await truncate(files[w]!, next, sessions[w]);
      else await sessions[w]!.call('Fallocate', { inode: files[w]!, mode: 0, offset: '0', size: String(next) });
      size[w] = next;
    };
    let result!: { ok: number; errnos: string[] };
    const seen = await watch(dir, (async () => (result = await race((w) => grow(w), 8)))());
    expect(result.ok).toBe(LIMIT - WORKERS);
    expect(new Set(result.errnos)).toEqual(new Set(['EDQUOT']));
    expect(seen.space).toBeLessThanOrEqual(BigInt(LIMIT * UNIT));
    expect(await quota('QUOTA_KIND_DIRECTORY', dir)).toMatchObject({ usedSpace: String(LIMIT * UNIT) });
    await expectConsistent();
  });

  it('never passes the volume inode limit: exactly the room left succeeds, the rest ENOSPC', async () => {
    const dir = await mkdir(ROOT_INO, uniq('race-volume'));
    const ROOM = 30;
    await setFormat({ inodes: String(Number((await statfs()).usedInodes) + ROOM) });
    try {
      const result = await race((w, i) => mknod(dir, `w${w}-${i}`, sessions[w]), 3);
      expect(result.ok).toBe(ROOM);
      expect(new Set(result.errnos)).toEqual(new Set(['ENOSPC']));
      expect((await statfs()).availInodes).toBe('0');
    } finally {
      await setFormat({ inodes: '0' });
    }
    await expectConsistent();
  });

  it('keeps usage exact while entries and directories move between quotas', async () => {
    const top = await mkdir(ROOT_INO, uniq('race-move'));
    const dirs = [await mkdir(top, 'A'), await mkdir(top, 'B'), await mkdir(top, 'C')];
    for (const d of dirs) for (let i = 0; i < 3; i++) await truncate(await mknod(await mkdir(d, `sub${i}`), 'f'), 3 * UNIT);
    await setQuota('QUOTA_KIND_DIRECTORY', dirs[0]!, 0, 0);
    await setQuota('QUOTA_KIND_DIRECTORY', dirs[1]!, 0, 40);
    const names = ['sub0', 'sub1', 'sub2', 'x', 'y'];
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
    const EXPECTED = new Set(['ENOENT', 'EEXIST', 'ENOTEMPTY', 'EDQUOT', 'ENOTDIR', 'EISDIR']);
    const op = async (ws: Session): Promise<void> => {
      const from = pick(dirs);
      const to = pick(dirs);
      switch (Math.floor(Math.random() * 4)) {
        case 0:
          await ws.call('Rename', { parentSrc: from, nameSrc: b(pick(names)), parentDst: to, nameDst: b(pick(names)) });
          return;
        case 1: {
          const sub = (await ws.call('Lookup', { parent: from, name: b(pick(names)) })).attr!;
          if (sub.type === 'FILE_TYPE_DIRECTORY') await mknod(sub.inode, `n${Math.random()}`, ws);
          else await truncate(sub.inode, Math.floor(Math.random() * 6) * UNIT, ws);
          return;
        }
        case 2:
          await mknod(from, pick(names), ws);
          return;
        default:
          await ws.call('Unlink', { parent: from, name: b(pick(names)) });
      }
    };
    let bad: string[] = [];
    const seen = await watch(
      dirs[1]!,
      Promise.all(
        sessions.map(async (ws) => {
          for (let i = 0; i < 10; i++) {
            const e = await errnoOf(op(ws));
            if (e !== undefined && !EXPECTED.has(e) && e !== 'EPERM') bad = [...bad, e];
          }
        }),
      ),
    );
    expect(bad).toEqual([]);
    expect(seen.inodes).toBeLessThanOrEqual(40n);
    await expectConsistent();
  });
});

/**
 * A model of nested directory quotas: T (top) holds A and C, A holds B; T, A and B have quotas with
 * small random limits. Files come and go, grow and shrink, and move between A, B and C; every
 * errno (EDQUOT above all) and, at the end, every quota's usage must be the model's.
 */
describe('nested directory quotas against a model', () => {
  type Dir = 'A' | 'B' | 'C';
  type ModelOp =
    | { op: 'create'; dir: Dir; name: string }
    | { op: 'unlink'; dir: Dir; name: string }
    | { op: 'truncate'; dir: Dir; name: string; units: number }
    | { op: 'rename'; dir: Dir; name: string; to: Dir; toName: string };
  const DIRS: Dir[] = ['A', 'B', 'C'];
  const NAMES = ['f', 'g', 'h'];
  /** The quotas over each directory, nearest first (T covers everything; A covers A and B). */
  const OVER: Record<Dir, ('T' | 'A' | 'B')[]> = { A: ['A', 'T'], B: ['B', 'A', 'T'], C: ['T'] };
  const dirArb = fc.constantFrom(...DIRS);
  const nameArb = fc.constantFrom(...NAMES);
  const opArb: fc.Arbitrary<ModelOp> = fc.oneof(
    fc.record({ op: fc.constant('create' as const), dir: dirArb, name: nameArb }),
    fc.record({ op: fc.constant('unlink' as const), dir: dirArb, name: nameArb }),
    fc.record({ op: fc.constant('truncate' as const), dir: dirArb, name: nameArb, units: fc.nat({ max: 4 }) }),
    fc.record({ op: fc.constant('rename' as const), dir: dirArb, name: nameArb, to: dirArb, toName: nameArb }),
  );
  const limitArb = fc.record({ space: fc.integer({ min: 0, max: 14 }), inodes: fc.integer({ min: 0, max: 6 }) });

  it('agrees with the model on every errno and on final usage', async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ T: limitArb, A: limitArb, B: limitArb }), fc.array(opArb, { minLength: 5, maxLength: 18 }), async (limits, ops) => {
        const top = await mkdir(ROOT_INO, uniq('model'));
        const real: Record<'T' | Dir, string> = { T: top, A: await mkdir(top, 'A'), B: '', C: await mkdir(top, 'C') };
        real.B = await mkdir(real.A, 'B');
        // Usage in 4 KiB units; the directories themselves: T holds A, B, C; A holds B.
        const used: Record<'T' | 'A' | 'B', { space: number; inodes: number }> = { T: { space: 3, inodes: 3 }, A: { space: 1, inodes: 1 }, B: { space: 0, inodes: 0 } };
        const max: Record<'T' | 'A' | 'B', { space: number; inodes: number }> = {
          T: { space: limits.T.space === 0 ? 0 : limits.T.space + 3, inodes: limits.T.inodes === 0 ? 0 : limits.T.inodes + 3 },
          A: { space: limits.A.space === 0 ? 0 : limits.A.space + 1, inodes: limits.A.inodes === 0 ? 0 : limits.A.inodes + 1 },
          B: limits.B,
        };
        for (const q of ['T', 'A', 'B'] as const) await setQuota('QUOTA_KIND_DIRECTORY', real[q], max[q].space * UNIT, max[q].inodes);
        const files = new Map<string, number>(); // "dir/name" -> size in units (each file at least 1)
        const fits = (quotas: readonly ('T' | 'A' | 'B')[], space: number, inodes: number): boolean =>
          quotas.every((q) => !((space > 0 && max[q].space > 0 && used[q].space + space > max[q].space) || (inodes > 0 && max[q].inodes > 0 && used[q].inodes + inodes > max[q].inodes)));
        const add = (quotas: readonly ('T' | 'A' | 'B')[], space: number, inodes: number): void => {
          for (const q of quotas) {
            used[q].space += space;
            used[q].inodes += inodes;
          }
        };
        for (const op of ops) {
          const key = `${op.dir}/${op.name}`;
          let expected: string | undefined;
          let call: () => Promise<unknown>;
          switch (op.op) {
            case 'create':
              if (files.has(key)) expected = 'EEXIST';
              else if (!fits(OVER[op.dir], 1, 1)) expected = 'EDQUOT';
              else {
                files.set(key, 1);
                add(OVER[op.dir], 1, 1);
              }
              call = () => mknod(real[op.dir], op.name);
              break;
            case 'unlink': {
              const size = files.get(key);
              if (size === undefined) expected = 'ENOENT';
              else {
                files.delete(key);
                add(OVER[op.dir], -size, -1);
              }
              call = () => s.call('Unlink', { parent: real[op.dir], name: b(op.name) });
              break;
            }
            case 'truncate': {
              const size = files.get(key);
              const next = Math.max(1, op.units);
              if (size === undefined) expected = 'ENOENT';
              else if (!fits(OVER[op.dir], next - size, 0)) expected = 'EDQUOT';
              else {
                files.set(key, next);
                add(OVER[op.dir], next - size, 0);
              }
              call = async () => truncate((await s.call('Lookup', { parent: real[op.dir], name: b(op.name) })).attr!.inode, op.units * UNIT);
              break;
            }
            case 'rename': {
              const size = files.get(key);
              const toKey = `${op.to}/${op.toName}`;
              const gain = OVER[op.to].filter((q) => !OVER[op.dir].includes(q));
              const lose = OVER[op.dir].filter((q) => !OVER[op.to].includes(q));
              if (size === undefined) expected = 'ENOENT';
              else if (key === toKey) expected = undefined;
              else if (!fits(gain, size, 1)) expected = 'EDQUOT';
              else {
                const victim = files.get(toKey);
                if (victim !== undefined) add(OVER[op.to], -victim, -1);
                add(gain, size, 1);
                add(lose, -size, -1);
                files.delete(key);
                files.set(toKey, size);
              }
              call = () => s.call('Rename', { parentSrc: real[op.dir], nameSrc: b(op.name), parentDst: real[op.to], nameDst: b(op.toName) });
              break;
            }
          }
          expect([op, await errnoOf(call())]).toEqual([op, expected]);
        }
        for (const q of ['T', 'A', 'B'] as const) {
          expect([q, await quota('QUOTA_KIND_DIRECTORY', real[q])]).toMatchObject([q, { usedSpace: String(used[q].space * UNIT), usedInodes: String(used[q].inodes) }]);
        }
      }),
      { numRuns: 8 },
    );
    await expectConsistent();
  });
});
