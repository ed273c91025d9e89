import type { Session, v1 } from '@fsmeta/client';
import { ROOT_INO, aclXattr, b, errnoOf, fsOps } from '../harness/fs';
import { startEnv, type TestEnv } from '../harness/server';
import { waitFor } from './data-support';

/**
 * JuiceFS pkg/meta/base_test.go, assertion by assertion, through the wire: each describe block
 * names the JuiceFS test it mirrors. JuiceFS calls map onto RPCs as docs/api.md says; where fsmeta
 * deliberately answers otherwise (docs/api.md, docs/architecture.md) the assertion says so.
 * JuiceFS's NewContext(pid, uid, gids) is written here as a Caller {uid, gid: gids[0], gids}.
 * Not mirrored, having no RPC: testRemove (rmr), testResolve, testClone, testCheckAndRepair
 * (fsck is the CLI's), ListSlices / GetParents / GetPaths and forced compactChunk calls.
 */

const TRASH = 0x7fff_ffff_1000_0000n;
const SET_MODE = 1;
const SET_UID = 2;
const SET_GID = 4;
const SET_ATIME = 16;
const SET_MTIME = 32;
const SET_ATIME_NOW = 128;
const SET_MTIME_NOW = 256;
const SET_FLAG = 1 << 15;
const FLAG_IMMUTABLE = 1;
const FLAG_APPEND = 2;
const FLAG_SKIP_TRASH = 32;
const O_WRONLY = 1;
const O_RDWR = 2;
const O_EXCL = 0x80;
const O_APPEND = 0x400;
const RENAME_NOREPLACE = 1;
const RENAME_EXCHANGE = 2;
const RENAME_WHITEOUT = 4;
const KEEP_SIZE = 1;
const PUNCH_HOLE = 2;
const COLLAPSE_RANGE = 8;
const ZERO_RANGE = 16;
const INSERT_RANGE = 32;
const CHUNK = 64 << 20;
const SEC = 1_000_000_000n;

const caller = (uid: number, ...gids: number[]): v1.Caller => ({ uid, gid: gids[0] ?? uid, gids });

async function newSlice(s: Session): Promise<string> {
  return (await s.call('NewSlices', { count: 1 })).firstId;
}

async function readChunk(s: Session, inode: string, chunkIndex: number): Promise<{ id: string; size: number; off: number; len: number }[]> {
  return (await s.call('Read', { inode, chunkIndex })).slices.map((x) => ({ id: x.id, size: x.size, off: x.off, len: x.len }));
}

async function readdirAll(s: Session, inode: string, plus = false, opts?: { caller?: v1.Caller }): Promise<v1.Entry__Output[]> {
  const out: v1.Entry__Output[] = [];
  let cursor: Buffer = Buffer.alloc(0);
  for (;;) {
    const page = await s.call('Readdir', { inode, cursor, plus }, opts);
    out.push(...page.entries);
    cursor = page.nextCursor;
    if (page.eof) return out;
  }
}

async function setFormat(s: Session, change: Partial<v1.Format>, force = true): Promise<void> {
  const { format } = await s.call('GetFormat', {});
  await s.call('Format', { format: { ...format!, uuid: '', ...change }, force });
}

describe('testMetaClient', () => {
  let env: TestEnv;
  let s: Session;
  let fs: ReturnType<typeof fsOps>;
  beforeAll(async () => {
    env = await startEnv();
    s = await env.session();
    fs = fsOps(s);
  });
  afterAll(() => env.stop());

  it('namespace, data, xattrs, statfs and summaries as JuiceFS answers them', async () => {
    expect((await fs.getattr(ROOT_INO)).mode).toBe(0o777);
    // Another name without force is refused.
    expect(await errnoOf(setFormat(s, { name: 'test2' }, false))).toBe('EINVAL');

    const d = (await s.call('Mkdir', { parent: ROOT_INO, name: b('d'), mode: 0o640, umask: 0o022 })).attr!;
    const parent = d.inode;
    expect(d.mode).toBe(0o640);
    expect(await errnoOf(s.call('Unlink', { parent: ROOT_INO, name: b('d') }))).toBe('EPERM');
    expect(await errnoOf(s.call('Rmdir', { parent, name: b('.') }))).toBe('EINVAL');
    expect(await errnoOf(s.call('Rmdir', { parent, name: b('..') }))).toBe('ENOTEMPTY');
    expect((await fs.lookup(ROOT_INO, 'd')).inode).toBe(parent);
    expect((await fs.lookup(ROOT_INO, '..')).inode).toBe(ROOT_INO);
    expect((await fs.lookup(parent, '.')).inode).toBe(parent);
    const dotdot = await fs.lookup(parent, '..');
    expect(dotdot.inode).toBe(ROOT_INO);
    expect(dotdot.nlink).toBe(3);
    await s.call('Access', { inode: parent, mask: 4 });

    const created = (await s.call('Create', { parent, name: b('f'), mode: 0o650, umask: 0o022, flags: 0 })).attr!;
    let inode = created.inode;
    expect(created.mode).toBe(0o650);
    await s.call('Close', { inode });
    expect((await fs.lookup(inode, '.')).inode).toBe(inode);
    expect(await errnoOf(s.call('Lookup', { parent: inode, name: b('..') }))).toBe('ENOTDIR');
    expect(await errnoOf(s.call('Rmdir', { parent, name: b('f') }))).toBe('ENOTDIR');
    expect(await errnoOf(s.call('Rmdir', { parent: ROOT_INO, name: b('d') }))).toBe('ENOTEMPTY');
    expect(await errnoOf(s.call('Mknod', { parent: inode, name: b('df'), type: 'FILE_TYPE_REGULAR', mode: 0o650, umask: 0o022 }))).toBe('ENOTDIR');
    expect(await errnoOf(s.call('Mknod', { parent, name: b('f'), type: 'FILE_TYPE_REGULAR', mode: 0o650, umask: 0o022 }))).toBe('EEXIST');

    // Owner permission and setgid inheritance (ctx2 = uid 1 gid 1, ctx3 = uid 2 gid 2).
    const ctx2 = caller(1, 1);
    const ctx3 = caller(2, 2);
    const p1 = (await s.call('Mkdir', { parent: ROOT_INO, name: b('d1'), mode: 0o2777, umask: 0 }, { caller: ctx2 })).attr!;
    const chgrp = (await s.call('SetAttr', { inode: p1.inode, set: SET_GID, gid: 1 })).attr!;
    expect(chgrp.mode & 0o2000).toBe(0o2000);
    const d2 = (await s.call('Mkdir', { parent: p1.inode, name: b('d2'), mode: 0o777, umask: 0o022 }, { caller: ctx3 })).attr!;
    expect(d2.gid).toBe(1);
    expect(d2.mode & 0o2000).toBe(0o2000);
    const f1 = (await s.call('Mknod', { parent: p1.inode, name: b('f1'), type: 'FILE_TYPE_REGULAR', mode: 0o2777, umask: 0o022 }, { caller: ctx2 })).attr!;
    expect(f1.mode & 0o2010).toBe(0o2010);
    const f2 = (await s.call('Mknod', { parent: p1.inode, name: b('f2'), type: 'FILE_TYPE_REGULAR', mode: 0o2777, umask: 0o022 }, { caller: ctx3 })).attr!;
    expect(f2.mode & 0o2010).toBe(0o0010);
    for (const n of ['f1', 'f2']) await s.call('Unlink', { parent: p1.inode, name: b(n) });
    await s.call('Rmdir', { parent: p1.inode, name: b('d2') });
    await s.call('Rmdir', { parent: ROOT_INO, name: b('d1') });

    inode = (await fs.lookup(parent, 'f')).inode;
    await s.call('SetAttr', { inode, set: SET_ATIME | SET_MTIME | SET_UID | SET_GID | SET_MODE, atimeNs: String(2n * SEC), mtimeNs: String(2n * SEC), uid: 1, gid: 1, mode: 0o640 });
    await s.call('SetAttr', { inode, set: 0 }); // changes nothing
    const set = await fs.getattr(inode);
    expect([set.atimeNs, set.mtimeNs, set.uid, set.gid, set.mode]).toEqual([String(2n * SEC), String(2n * SEC), 1, 1, 0o640]);
    await s.call('SetAttr', { inode, set: SET_ATIME_NOW | SET_MTIME_NOW });
    const fake = caller(2, 2, 1);
    expect(await errnoOf(s.call('Access', { inode: parent, mask: 2 }, { caller: fake }))).toBe('EACCES');
    expect(await errnoOf(s.call('Access', { inode, mask: 4 }, { caller: fake }))).toBeUndefined();
    expect((await readdirAll(s, parent)).map((e) => e.name.toString())).toEqual(['.', '..', 'f']);

    // Rename
    const mv = (ps: string, ns: string, pd: string, nd: string, flags = 0) =>
      errnoOf(s.call('Rename', { parentSrc: ps, nameSrc: b(ns), parentDst: pd, nameDst: b(nd), flags }));
    expect(await mv(parent, 'f', ROOT_INO, 'f2', RENAME_WHITEOUT)).toBe('ENOTSUP');
    expect(await mv(parent, 'f', ROOT_INO, 'f2')).toBeUndefined();
    expect(await mv(ROOT_INO, 'f2', ROOT_INO, 'f2')).toBeUndefined();
    expect(await mv(ROOT_INO, 'f2', ROOT_INO, 'f', RENAME_EXCHANGE)).toBe('ENOENT');
    const other = (await s.call('Create', { parent: ROOT_INO, name: b('f'), mode: 0o644, umask: 0o022, flags: 0 })).attr!;
    await s.call('Close', { inode: other.inode });
    expect(await mv(ROOT_INO, 'f2', ROOT_INO, 'f', RENAME_NOREPLACE)).toBe('EEXIST');
    expect(await mv(ROOT_INO, 'f2', ROOT_INO, 'f')).toBeUndefined();
    expect(await mv(ROOT_INO, 'f', ROOT_INO, 'd', RENAME_EXCHANGE)).toBeUndefined();
    expect(await mv(ROOT_INO, 'f', ROOT_INO, 'd', RENAME_EXCHANGE)).toBeUndefined();
    expect(await mv(ROOT_INO, 'd', ROOT_INO, 'f')).toBe('ENOTDIR');
    expect((await fs.getattr(ROOT_INO)).nlink).toBe(3);

    // Rename with a parent change, and an exchange of a directory with a file across directories.
    const parent2 = (await fs.mkdir(ROOT_INO, 'd4', 0o777)).inode;
    await fs.mkdir(parent2, 'd5', 0o777);
    const moved = await s.call('Rename', { parentSrc: parent2, nameSrc: b('d5'), parentDst: ROOT_INO, nameDst: b('d5'), flags: RENAME_NOREPLACE });
    expect(moved.attr!.parent).toBe(ROOT_INO);
    await s.call('Mknod', { parent: parent2, name: b('f6'), type: 'FILE_TYPE_REGULAR', mode: 0o650, umask: 0o022 });
    const ex = await s.call('Rename', { parentSrc: ROOT_INO, nameSrc: b('d5'), parentDst: parent2, nameDst: b('f6'), flags: RENAME_EXCHANGE });
    expect(ex.attr!.parent).toBe(parent2);
    expect(ex.attr!.type).toBe('FILE_TYPE_DIRECTORY');
    const d5 = await fs.lookup(ROOT_INO, 'd5');
    expect(d5.parent).toBe(ROOT_INO);
    expect(d5.type).toBe('FILE_TYPE_REGULAR');
    await s.call('Rmdir', { parent: parent2, name: b('f6') });
    await s.call('Rmdir', { parent: ROOT_INO, name: b('d4') });
    await s.call('Unlink', { parent: ROOT_INO, name: b('d5') });

    // Links and symlinks
    inode = (await fs.lookup(ROOT_INO, 'f')).inode;
    await s.call('Link', { inode, parent: ROOT_INO, name: b('f3') });
    await s.call('Link', { inode, parent: ROOT_INO, name: b('F3') });
    expect(await errnoOf(s.call('Link', { inode: parent, parent: ROOT_INO, name: b('d2') }))).toBe('EPERM');
    const sym = (await s.call('Symlink', { parent: ROOT_INO, name: b('s'), target: b('/f') })).attr!;
    expect(sym.mode & 0o777).toBe(0o777);
    expect((await s.call('ReadLink', { inode: sym.inode })).target.toString()).toBe('/f');
    expect((await s.call('ReadLink', { inode: sym.inode })).target.toString()).toBe('/f');
    expect(await errnoOf(s.call('ReadLink', { inode: parent }))).toBe('EINVAL');

    // Data
    expect(await errnoOf(s.call('Open', { inode: '99999', flags: O_RDWR }))).toBe('ENOENT');
    await s.call('Open', { inode, flags: O_RDWR });
    await s.call('Close', { inode });
    const sliceId = await newSlice(s);
    await s.call('Write', { inode, chunkIndex: 0, pos: 100, slice: { id: sliceId, size: 100, off: 0, len: 100 } });
    expect(await readChunk(s, inode, 0)).toEqual([
      { id: '0', size: 100, off: 0, len: 100 },
      { id: sliceId, size: 100, off: 0, len: 100 },
    ]);
    const falloc = (ino: string, mode: number, offset: number, size: number) => errnoOf(s.call('Fallocate', { inode: ino, mode, offset: String(offset), size: String(size) }));
    expect(await falloc(inode, PUNCH_HOLE | KEEP_SIZE, 100, 50)).toBeUndefined();
    expect(await falloc(inode, PUNCH_HOLE | COLLAPSE_RANGE, 100, 50)).toBe('EINVAL');
    expect(await falloc(inode, PUNCH_HOLE | INSERT_RANGE, 100, 50)).toBe('EINVAL');
    expect(await falloc(inode, COLLAPSE_RANGE, 100, 50)).toBe('ENOTSUP');
    expect(await falloc(inode, PUNCH_HOLE, 100, 50)).toBe('EINVAL');
    expect(await falloc(inode, PUNCH_HOLE | KEEP_SIZE, 0, 0)).toBe('EINVAL');
    expect(await falloc(parent, PUNCH_HOLE | KEEP_SIZE, 100, 50)).toBe('EPERM');
    const after = await readChunk(s, inode, 0);
    expect(after).toHaveLength(3);
    expect([after[1]!.id, after[1]!.len, after[2]!.id, after[2]!.len]).toEqual(['0', 50, sliceId, 50]);

    // Xattrs (JuiceFS's meta takes any name; "a" has no namespace)
    const setx = (name: string, value: string, flags = 0) => errnoOf(s.call('SetXattr', { inode, name: b(name), value: b(value), flags }));
    expect(await setx('a', 'v')).toBeUndefined();
    expect(await setx('a', 'v2')).toBeUndefined();
    expect((await s.call('GetXattr', { inode, name: b('a') })).value.toString()).toBe('v2');
    expect((await s.call('ListXattr', { inode })).names.map((n) => n.toString())).toEqual(['a']);
    await s.call('Unlink', { parent: ROOT_INO, name: b('F3') });
    expect((await s.call('GetXattr', { inode, name: b('a') })).value.toString()).toBe('v2');
    await s.call('RemoveXattr', { inode, name: b('a') });
    expect(await setx('a', 'v', 2)).toBe('ENODATA');
    expect(await setx('a', 'v3', 1)).toBeUndefined();
    expect(await setx('a', 'v3', 1)).toBe('EEXIST');
    expect(await setx('a', 'v3', 2)).toBeUndefined();
    expect(await setx('a', 'v4', 2)).toBeUndefined();
    expect(await setx('a', 'v5', 5)).toBe('EINVAL');

    // StatFS: d, f (linked as f and f3) and s are the inodes in use.
    let st = await s.call('StatFS', { inode: ROOT_INO });
    expect(st.totalSpace).toBe(String(1n << 50n));
    expect(st.availInodes).toBe(String(10 << 20));
    await setFormat(s, { capacity: String(1 << 20), inodes: '100' });
    st = await s.call('StatFS', { inode: ROOT_INO });
    expect([st.totalSpace, st.availInodes]).toEqual([String(1 << 20), '97']);
    const subIno = (await fs.mkdir(ROOT_INO, 'subdir')).inode;
    const statfs = async (ino: string) => {
      const r = await s.call('StatFS', { inode: ino });
      return [Number(r.totalSpace), Number(r.availSpace), Number(r.usedInodes), Number(r.availInodes)];
    };
    expect((await statfs(ROOT_INO))[3]).toBe(96);
    const quota = (maxSpace: number, maxInodes: number) =>
      s.call('SetQuota', { quota: { kind: 'QUOTA_KIND_DIRECTORY', key: subIno, maxSpace: String(maxSpace), maxInodes: String(maxInodes) } });
    const used = 4 * 4096; // d, f, s, subdir
    await quota(0, 0);
    expect((await statfs(subIno)).filter((_, i) => i === 0 || i === 3)).toEqual([(1 << 20) - used, 96]);
    await quota(1 << 10, 0);
    expect((await statfs(subIno)).filter((_, i) => i === 0 || i === 3)).toEqual([1 << 10, 96]);
    await quota(0, 10);
    expect((await statfs(subIno)).filter((_, i) => i === 0 || i === 3)).toEqual([(1 << 20) - used, 10]);
    await quota(1 << 10, 10);
    expect((await statfs(subIno)).filter((_, i) => i === 0 || i === 3)).toEqual([1 << 10, 10]);
    expect((await statfs(ROOT_INO)).filter((_, i) => i === 0 || i === 3)).toEqual([1 << 20, 96]);
    await s.call('Rmdir', { parent: ROOT_INO, name: b('subdir') });

    // Summaries: a file with two links counts twice, as JuiceFS.
    const sum = async (ino: string, recursive: boolean) => {
      const r = await s.call('GetSummary', { inode: ino, recursive });
      return [Number(r.length), Number(r.size), Number(r.files), Number(r.dirs)];
    };
    expect(await sum(parent, false)).toEqual([0, 4096, 0, 1]);
    expect(await sum(ROOT_INO, true)).toEqual([400, 20480, 3, 2]);
    expect(await sum(inode, true)).toEqual([200, 4096, 1, 0]);
    await s.call('Unlink', { parent: ROOT_INO, name: b('f') });
    await s.call('Unlink', { parent: ROOT_INO, name: b('f3') });
    expect(await errnoOf(s.call('Read', { inode, chunkIndex: 0 }))).toBe('ENOENT');
    await s.call('Rmdir', { parent: ROOT_INO, name: b('d') });
  });
});

describe('testStickyBit', () => {
  let env: TestEnv;
  let s: Session;
  beforeAll(async () => {
    env = await startEnv();
    s = await env.session();
  });
  afterAll(() => env.stop());

  it('refuses other users renames and removals in a sticky directory', async () => {
    const fs = fsOps(s);
    const sticky = (await fs.mkdir(ROOT_INO, 'tmp', 0o1777)).inode;
    const normal = (await fs.mkdir(ROOT_INO, 'tmp2', 0o777)).inode;
    expect((await fs.getattr(sticky)).mode).toBe(0o1777);
    const A = caller(1, 1);
    const B = caller(2, 2);
    const create = async (c: v1.Caller, p: string, n: string) => {
      const { attr } = await s.call('Create', { parent: p, name: b(n), mode: 0o777, umask: 0, flags: 0 }, { caller: c });
      await s.call('Close', { inode: attr!.inode });
    };
    const mv = (c: v1.Caller, ps: string, ns: string, pd: string, nd: string) =>
      errnoOf(s.call('Rename', { parentSrc: ps, nameSrc: b(ns), parentDst: pd, nameDst: b(nd) }, { caller: c }));
    await create(A, sticky, 'f');
    await create(A, normal, 'f');
    expect(await errnoOf(s.call('Unlink', { parent: sticky, name: b('f') }, { caller: B }))).toBe('EACCES');
    expect(await mv(B, sticky, 'f', sticky, 'f2')).toBe('EACCES');
    expect(await mv(B, sticky, 'f', normal, 'f2')).toBe('EACCES');
    await create(B, sticky, 'f2');
    expect(await mv(B, sticky, 'f2', sticky, 'f')).toBe('EACCES');
    expect(await mv(A, sticky, 'f', sticky, 'f2')).toBe('EACCES');
    expect(await mv(A, normal, 'f', sticky, 'f2')).toBe('EACCES');
    expect(await mv(A, sticky, 'f', sticky, 'f3')).toBeUndefined();
    expect(await errnoOf(s.call('Unlink', { parent: sticky, name: b('f3') }, { caller: A }))).toBeUndefined();
    await fs.mkdir(sticky, 'd', 0o777, { caller: A });
    await fs.mkdir(normal, 'd', 0o777, { caller: A });
    expect(await errnoOf(s.call('Rmdir', { parent: sticky, name: b('d') }, { caller: B }))).toBe('EACCES');
    expect(await mv(B, sticky, 'd', sticky, 'd2')).toBe('EACCES');
    expect(await mv(B, sticky, 'd', normal, 'd2')).toBe('EACCES');
    await fs.mkdir(sticky, 'd2', 0o777, { caller: B });
    expect(await mv(B, sticky, 'd2', sticky, 'd')).toBe('EACCES');
    expect(await mv(A, sticky, 'd', sticky, 'd2')).toBe('EACCES');
    expect(await mv(A, normal, 'd', sticky, 'd2')).toBe('EACCES');
    expect(await mv(A, sticky, 'd', sticky, 'd3')).toBeUndefined();
    expect(await errnoOf(s.call('Rmdir', { parent: sticky, name: b('d3') }, { caller: A }))).toBeUndefined();
  });
});

describe('testTruncateAndDelete', () => {
  let env: TestEnv;
  let s: Session;
  beforeAll(async () => {
    env = await startEnv();
    s = await env.session();
  });
  afterAll(() => env.stop());

  it('truncates far out with one slice in use, and queues it for deletion with the file', async () => {
    expect(await errnoOf(s.call('Truncate', { inode: ROOT_INO, length: String(4 << 10) }))).toBe('EPERM');
    const { attr } = await s.call('Create', { parent: ROOT_INO, name: b('f'), mode: 0o650, umask: 0o022, flags: 0 });
    const inode = attr!.inode;
    const id = await newSlice(s);
    await s.call('Write', { inode, chunkIndex: 0, pos: 100, slice: { id, size: 100, off: 0, len: 100 } });
    for (const len of [200n << 20n, (10n << 40n) + 10n, (300n << 20n) + 10n]) {
      const r = await s.call('Truncate', { inode, length: String(len) });
      expect(r.attr!.length).toBe(String(len));
    }
    const ids = async () => {
      const out = new Set<string>();
      for (let c = 0; c <= 5; c++) for (const x of await readChunk(s, inode, c)) if (x.id !== '0') out.add(x.id);
      return out;
    };
    expect([...(await ids())]).toEqual([id]);
    await s.call('Close', { inode });
    await s.call('Unlink', { parent: ROOT_INO, name: b('f') });
    const claimed = (await s.call('ClaimSliceDeletions', { limit: 100 })).slices.map((x) => [x.id, x.size]);
    expect(claimed).toEqual([[id, 100]]);
    await s.call('AckSliceDeletions', { ids: [id] });
  });
});

describe('testTrash', () => {
  let env: TestEnv;
  let s: Session;
  let fs: ReturnType<typeof fsOps>;
  beforeAll(async () => {
    env = await startEnv();
    s = await env.session();
    fs = fsOps(s);
    await setFormat(s, { trashDays: 1 });
  });
  afterAll(() => env.stop());

  it('keeps removals in the hour directory, refuses changes there, and empties on cleanup', async () => {
    const hour = String(TRASH + 1n);
    const create = async (p: string, n: string) => {
      const { attr } = await s.call('Create', { parent: p, name: b(n), mode: 0o644, umask: 0o022, flags: 0 });
      await s.call('Close', { inode: attr!.inode });
      return attr!.inode;
    };
    const mv = (ps: string, ns: string, pd: string, nd: string, opts?: { caller?: v1.Caller }) =>
      errnoOf(s.call('Rename', { parentSrc: ps, nameSrc: b(ns), parentDst: pd, nameDst: b(nd) }, opts));
    await create(ROOT_INO, 'f1');
    await create(ROOT_INO, 'f2');
    const parent = (await fs.mkdir(ROOT_INO, 'd', 0o755)).inode;
    let inode = await create(parent, 'f');
    expect(await mv(ROOT_INO, 'f1', ROOT_INO, 'd')).toBe('EISDIR');
    await s.call('Unlink', { parent, name: b('f') });
    expect((await fs.getattr(inode)).parent).toBe(hour);
    expect(await errnoOf(s.call('Truncate', { inode, length: String(1 << 30) }))).toBe('EPERM');
    expect(await errnoOf(s.call('Open', { inode, flags: O_RDWR }))).toBe('EPERM');
    expect(await errnoOf(s.call('SetAttr', { inode, set: SET_MODE, mode: 0 }))).toBe('EPERM');
    const parent2 = (await fs.mkdir(ROOT_INO, 'd2', 0o755)).inode;
    await s.call('Rmdir', { parent: ROOT_INO, name: b('d2') });
    expect((await fs.getattr(parent2)).parent).toBe(hour);
    expect(await errnoOf(s.call('Mkdir', { parent: parent2, name: b('d3'), mode: 0o777 }))).toBe('ENOENT');
    expect(await errnoOf(s.call('Create', { parent: parent2, name: b('d3'), mode: 0o755, flags: 0 }))).toBe('ENOENT');
    expect(await errnoOf(s.call('Link', { inode, parent: parent2, name: b('ttlink') }))).toBe('ENOENT');
    expect(await mv(ROOT_INO, 'd', parent2, 'ttlink')).toBe('ENOENT');
    await s.call('Rmdir', { parent: ROOT_INO, name: b('d') });
    expect(await mv(ROOT_INO, 'f1', ROOT_INO, 'd')).toBeUndefined();
    expect(await mv(ROOT_INO, 'f2', String(TRASH), 'td')).toBe('EPERM');
    expect(await mv(ROOT_INO, 'f2', hour, 'td')).toBe('EPERM');
    expect(await mv(ROOT_INO, 'f2', ROOT_INO, 'd')).toBeUndefined();
    inode = (await fs.lookup(ROOT_INO, 'd')).inode;
    expect((await s.call('Link', { inode, parent: ROOT_INO, name: b('l') })).attr!.nlink).toBe(2);
    await s.call('Unlink', { parent: ROOT_INO, name: b('l') });
    expect((await fs.getattr(inode)).nlink).toBe(2); // the hard link went to the trash
    expect((await s.call('Link', { inode, parent: ROOT_INO, name: b('l') })).attr!.nlink).toBe(3);
    await s.call('Unlink', { parent: ROOT_INO, name: b('l') });
    expect((await fs.getattr(inode)).nlink).toBe(2); // its trash name is taken: deleted directly
    await s.call('Unlink', { parent: ROOT_INO, name: b('d') });
    const lname = 'f'.repeat(255);
    inode = await create(ROOT_INO, lname);
    await s.call('Unlink', { parent: ROOT_INO, name: b(lname) });
    const tname = `1-${inode}-${lname}`.slice(0, 255);
    expect((await fs.lookup(hour, tname)).parent).toBe(hour);
    expect(await readdirAll(s, ROOT_INO)).toHaveLength(2);
    expect(await readdirAll(s, hour)).toHaveLength(9);

    // Remove (rmr) of d10 {f10, d10}: each entry goes to the trash.
    const d10 = (await fs.mkdir(ROOT_INO, 'd10')).inode;
    await create(d10, 'f10');
    await fs.mkdir(d10, 'd10');
    await s.call('Unlink', { parent: d10, name: b('f10') });
    await s.call('Rmdir', { parent: d10, name: b('d10') });
    await s.call('Rmdir', { parent: ROOT_INO, name: b('d10') });
    expect(await readdirAll(s, hour)).toHaveLength(12);
    // The same with skipTrash: nothing more in the trash.
    const { sessionId } = await env.client().call('NewSession', { info: { hostName: 'skip' }, skipTrash: true });
    const skip = env.client().session(sessionId, caller(0, 0));
    const e10 = (await fs.mkdir(ROOT_INO, 'd10')).inode;
    await create(e10, 'f10');
    await fs.mkdir(e10, 'd10');
    await skip.call('Unlink', { parent: e10, name: b('f10') });
    await skip.call('Rmdir', { parent: e10, name: b('d10') });
    await skip.call('Rmdir', { parent: ROOT_INO, name: b('d10') });
    expect(await readdirAll(s, hour)).toHaveLength(12);

    // FS_SECRM_FL (the skip-trash flag), inherited by new entries.
    const secrmd = (await fs.mkdir(ROOT_INO, 'secrmd')).inode;
    await s.call('SetAttr', { inode: secrmd, set: SET_FLAG, flags: FLAG_SKIP_TRASH });
    inode = await create(secrmd, 'f1');
    expect((await fs.getattr(inode)).flags & FLAG_SKIP_TRASH).toBe(FLAG_SKIP_TRASH);
    await s.call('Unlink', { parent: secrmd, name: b('f1') });
    await fs.mkdir(secrmd, 'd1');
    await s.call('Rmdir', { parent: secrmd, name: b('d1') });
    await create(secrmd, 'f2');
    await create(secrmd, 'f3');
    expect(await mv(secrmd, 'f2', secrmd, 'f3')).toBeUndefined();
    await s.call('Unlink', { parent: secrmd, name: b('f3') });
    await s.call('Rmdir', { parent: ROOT_INO, name: b('secrmd') });
    expect(await readdirAll(s, hour)).toHaveLength(12);

    // Not root: EPERM in the trash, whether the name exists or not.
    const ctx2 = { caller: caller(1000, 1) };
    expect(await errnoOf(s.call('Unlink', { parent: hour, name: b('d') }, ctx2))).toBe('EPERM');
    expect(await errnoOf(s.call('Rmdir', { parent: hour, name: b('d') }, ctx2))).toBe('EPERM');
    expect(await mv(hour, 'd', ROOT_INO, 'f', ctx2)).toBe('EPERM');
    await s.call('CleanupTrash', { beforeNs: String(BigInt(Date.now() + 3_600_000) * 1_000_000n) });
    expect(await errnoOf(s.call('GetAttr', { inode: hour }, ctx2))).toBe('ENOENT');
  });
});

describe('testParents', () => {
  let env: TestEnv;
  let s: Session;
  beforeAll(async () => {
    env = await startEnv();
    s = await env.session();
  });
  afterAll(() => env.stop());

  it('a file has parent 0 from its first hard link on', async () => {
    const fs = fsOps(s);
    const { attr } = await s.call('Create', { parent: ROOT_INO, name: b('f'), mode: 0o644, umask: 0o022, flags: 0 });
    expect(attr!.parent).toBe(ROOT_INO);
    const inode = attr!.inode;
    expect((await s.call('Link', { inode, parent: ROOT_INO, name: b('l1') })).attr!.parent).toBe('0');
    const parent = (await fs.mkdir(ROOT_INO, 'd')).inode;
    await s.call('Link', { inode, parent, name: b('l2') });
    await s.call('Link', { inode, parent, name: b('l3') });
    await s.call('Unlink', { parent: ROOT_INO, name: b('f') });
    const f2 = await s.call('Create', { parent: ROOT_INO, name: b('f2'), mode: 0o644, umask: 0o022, flags: 0 });
    const r = await s.call('Rename', { parentSrc: ROOT_INO, nameSrc: b('f2'), parentDst: ROOT_INO, nameDst: b('l1') });
    expect(r.attr!.inode).toBe(f2.attr!.inode);
    const l2 = await fs.lookup(parent, 'l2');
    expect(l2.parent).toBe('0');
    expect(l2.nlink).toBe(2);
    await s.call('Unlink', { parent, name: b('l2') });
    expect((await fs.getattr(inode)).nlink).toBe(1);
    expect((await fs.getattr(inode)).parent).toBe('0');
    await s.call('Unlink', { parent: ROOT_INO, name: b('l1') });
    await s.call('Unlink', { parent, name: b('l3') });
    await s.call('Rmdir', { parent: ROOT_INO, name: b('d') });
  });
});

describe('testLocks / testListLocks / testCloseSession', () => {
  let env: TestEnv;
  let s: Session;
  beforeAll(async () => {
    env = await startEnv();
    s = await env.session();
  });
  afterAll(() => env.stop());

  const O1 = '17293822569102704641'; // 0xF000000000000001
  const W = 'LOCK_TYPE_WRITE';
  const R = 'LOCK_TYPE_READ';
  const U = 'LOCK_TYPE_UNLOCK';
  type T = typeof W | typeof R | typeof U;

  async function locksOf(sess: Session, inode: string): Promise<{ flocks: number; plocks: number }> {
    const { sessions } = await env.client().call('ListSessions', { withLocks: true });
    const mine = sessions.find((x) => x.sessionId === sess.id)!;
    const held = mine.locks.filter((l) => l.inode === inode && !l.waiting);
    // JuiceFS ListLocks counts one POSIX lock per owner (its records are one row).
    const owners = new Set(held.filter((l) => l.kind === 'LOCK_KIND_POSIX').map((l) => l.owner));
    return { flocks: held.filter((l) => l.kind === 'LOCK_KIND_FLOCK').length, plocks: owners.size };
  }

  it('testLocks: flock conversions and conflicts, POSIX ranges, GetLk', async () => {
    const { attr } = await s.call('Create', { parent: ROOT_INO, name: b('f'), mode: 0o644, flags: 0 });
    const inode = attr!.inode;
    const flock = (owner: string, type: T) => errnoOf(s.call('Flock', { inode, owner, type, block: false }));
    expect(await flock(O1, W)).toBeUndefined();
    expect(await flock(O1, W)).toBeUndefined();
    expect(await flock(O1, R)).toBeUndefined();
    expect(await flock('2', R)).toBeUndefined();
    expect(await flock('2', U)).toBeUndefined();
    expect(await flock(O1, W)).toBeUndefined();
    expect(await flock(O1, U)).toBeUndefined();
    expect(await flock(O1, R)).toBeUndefined();
    expect(await flock('2', R)).toBeUndefined();
    expect(await flock(O1, W)).toBe('EAGAIN');
    expect(await flock('2', U)).toBeUndefined();
    expect(await flock(O1, W)).toBeUndefined();
    expect(await flock('2', W)).toBe('EAGAIN');
    expect(await flock('2', R)).toBe('EAGAIN');
    expect(await flock(O1, U)).toBeUndefined();

    const setlk = (owner: string, type: T, start: number, end: number, pid: number) =>
      errnoOf(s.call('SetLk', { inode, owner, type, start: String(start), end: String(end), pid, block: false }));
    expect(await setlk(O1, U, 0, 0xffff, 1)).toBeUndefined();
    expect(await setlk(O1, R, 0, 0xffff, 1)).toBeUndefined();
    expect(await setlk(O1, R, 0, 0xffff, 1)).toBeUndefined();
    expect(await setlk('2', R, 0, 0x2ffff, 1)).toBeUndefined();
    expect(await setlk('2', W, 0, 0xffff, 1)).toBe('EAGAIN');
    expect(await setlk('2', W, 0x10000, 0x20000, 1)).toBeUndefined();
    expect(await setlk(O1, U, 0, 0x20000, 1)).toBeUndefined();
    expect(await setlk('2', W, 0, 0xffff, 10)).toBeUndefined();
    expect(await setlk('2', W, 0x2000, 0xffff, 20)).toBeUndefined();
    expect(await setlk(O1, W, 0, 0xffff, 1)).toBe('EAGAIN');
    const got = await s.call('GetLk', { inode, owner: O1, type: W, start: String(0x2000), end: String(0xffff) });
    expect([got.type, got.pid, got.start, got.end]).toEqual([W, 20, String(0x2000), String(0xffff)]);
    expect(await setlk('2', U, 0, 0x2ffff, 1)).toBeUndefined();
    const none = await s.call('GetLk', { inode, owner: O1, type: W, start: '0', end: String(0xffffff) });
    expect([none.type, none.pid, none.start, none.end]).toEqual([U, 0, '0', '0']);

    // Concurrent blocking locks: only one holder at a time.
    let holders = 0;
    let max = 0;
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        await s.call('SetLk', { inode, owner: String(i + 100), type: W, start: '0', end: String(0xffff), pid: i, block: true }, { deadlineMs: 120_000 });
        max = Math.max(max, ++holders);
        await new Promise((r) => setTimeout(r, 1));
        holders--;
        await s.call('SetLk', { inode, owner: String(i + 100), type: U, start: '0', end: String(0xffff), pid: i, block: false });
      }),
    );
    expect(max).toBe(1);
    expect(await locksOf(s, inode)).toEqual({ flocks: 0, plocks: 0 });
  });

  it('testListLocks: every owner listed, none left', async () => {
    const { attr } = await s.call('Create', { parent: ROOT_INO, name: b('g'), mode: 0o644, flags: 0 });
    const inode = attr!.inode;
    expect(await locksOf(s, inode)).toEqual({ flocks: 0, plocks: 0 });
    await s.call('Flock', { inode, owner: O1, type: W });
    expect(await locksOf(s, inode)).toEqual({ flocks: 1, plocks: 0 });
    await s.call('Flock', { inode, owner: O1, type: U });
    expect(await locksOf(s, inode)).toEqual({ flocks: 0, plocks: 0 });
    for (let i = 2; i < 10; i++) await s.call('Flock', { inode, owner: String(i), type: R });
    expect(await locksOf(s, inode)).toEqual({ flocks: 8, plocks: 0 });
    for (let i = 2; i < 10; i++) await s.call('Flock', { inode, owner: String(i), type: U });
    expect(await locksOf(s, inode)).toEqual({ flocks: 0, plocks: 0 });
    await s.call('SetLk', { inode, owner: O1, type: W, start: '0', end: String(0xffff), pid: 1 });
    expect(await locksOf(s, inode)).toEqual({ flocks: 0, plocks: 1 });
    await s.call('SetLk', { inode, owner: O1, type: U, start: '0', end: String(0xffff), pid: 1 });
    expect(await locksOf(s, inode)).toEqual({ flocks: 0, plocks: 0 });
    for (let i = 2; i < 10; i++) await s.call('SetLk', { inode, owner: String(i), type: R, start: '0', end: String(0xffff), pid: 1 });
    expect(await locksOf(s, inode)).toEqual({ flocks: 0, plocks: 8 });
    for (let i = 2; i < 10; i++) await s.call('SetLk', { inode, owner: String(i), type: U, start: '0', end: String(0xffff), pid: 1 });
    expect(await locksOf(s, inode)).toEqual({ flocks: 0, plocks: 0 });
  });

  it('testCloseSession: a closed session leaves no locks and no kept-open file', async () => {
    const sess = await env.session();
    const { attr } = await sess.call('Create', { parent: ROOT_INO, name: b('c'), mode: 0o644, umask: 0o022, flags: 0 });
    const inode = attr!.inode;
    await sess.call('Flock', { inode, owner: '1', type: W });
    await sess.call('SetLk', { inode, owner: '1', type: W, start: String(0x10000), end: String(0x20000), pid: 1 });
    await sess.call('Open', { inode, flags: O_RDWR });
    await sess.call('Unlink', { parent: ROOT_INO, name: b('c') });
    expect(await locksOf(sess, inode)).toEqual({ flocks: 1, plocks: 1 });
    expect((await fsOps(s).getattr(inode)).nlink).toBe(0); // sustained
    await sess.close();
    const { sessions } = await env.client().call('ListSessions', { withLocks: true });
    expect(sessions.find((x) => x.sessionId === sess.id)).toBeUndefined();
    expect(sessions.flatMap((x) => x.locks).filter((l) => l.inode === inode)).toEqual([]);
    expect(await errnoOf(s.call('GetAttr', { inode }))).toBe('ENOENT');
  });
});

describe('testCopyFileRange', () => {
  let env: TestEnv;
  let s: Session;
  beforeAll(async () => {
    env = await startEnv();
    s = await env.session();
  });
  afterAll(() => env.stop());

  it('shares the source slices, holes copied as holes', async () => {
    const iin = (await s.call('Create', { parent: ROOT_INO, name: b('fin'), mode: 0o650, umask: 0o022, flags: 0 })).attr!.inode;
    const iout = (await s.call('Create', { parent: ROOT_INO, name: b('fout'), mode: 0o650, umask: 0o022, flags: 0 })).attr!.inode;
    const ids = [await newSlice(s), await newSlice(s), await newSlice(s), await newSlice(s)];
    const w = (inode: string, c: number, pos: number, id: string, size: number, off: number, len: number) =>
      s.call('Write', { inode, chunkIndex: c, pos, slice: { id, size, off, len } });
    const M = 1 << 20;
    await w(iin, 0, 100, ids[0]!, 200, 0, 100);
    await w(iin, 1, 100 << 10, ids[1]!, 40 * M, 0, 40 * M);
    await w(iin, 3, 0, ids[2]!, 63 * M, 10 * M, 30 * M);
    await w(iout, 2, 10 * M, ids[3]!, 50 * M, 10 * M, 30 * M);
    const r = await s.call('CopyFileRange', { inodeIn: iin, offsetIn: '150', inodeOut: iout, offsetOut: String(30 * M), size: String(200 * M), flags: 0 });
    expect(r.copied).toBe(String(200 * M));
    const sl = (id: string, size: number, off: number, len: number) => ({ id, size, off, len });
    const expected = [
      [sl('0', 30 * M, 0, 30 * M), sl(ids[0]!, 200, 50, 50), sl('0', 0, 200, CHUNK - 30 * M - 50)],
      [sl('0', 0, 150 + (CHUNK - 30 * M), 30 * M - 150), sl('0', 0, 0, 100 << 10), sl(ids[1]!, 40 * M, 0, 34 * M + 150 - (100 << 10))],
      [sl(ids[1]!, 40 * M, 34 * M + 150 - (100 << 10), 6 * M - 150 + (100 << 10)), sl('0', 0, 40 * M + (100 << 10), CHUNK - 40 * M - (100 << 10)), sl('0', 0, 0, 150 + (CHUNK - 30 * M))],
      [sl('0', 0, 150 + (CHUNK - 30 * M), 30 * M - 150), sl(ids[2]!, 63 * M, 10 * M, 8 * M + 150)],
    ];
    for (let i = 0; i < 4; i++) expect(await readChunk(s, iout, i)).toEqual(expected[i]);
  });

  it('cuts the holes of missing source chunks as JuiceFS, appending whole-chunk holes only to existing rows', async () => {
    const iin = (await s.call('Create', { parent: ROOT_INO, name: b('hin'), mode: 0o644, flags: 0 })).attr!.inode;
    const iout = (await s.call('Create', { parent: ROOT_INO, name: b('hout'), mode: 0o644, flags: 0 })).attr!.inode;
    const [a, c] = [await newSlice(s), await newSlice(s)];
    await s.call('Write', { inode: iin, chunkIndex: 4, pos: 0, slice: { id: a, size: 10, off: 0, len: 10 } });
    await s.call('Write', { inode: iout, chunkIndex: 1, pos: 0, slice: { id: c, size: 10, off: 0, len: 10 } });
    const r = await s.call('CopyFileRange', { inodeIn: iin, offsetIn: '100', inodeOut: iout, offsetOut: '0', size: String(4 * CHUNK), flags: 0 });
    expect(r.copied).toBe(String(4 * CHUNK - 90)); // clamped to the source's end
    const cut = [
      { id: '0', size: 0, off: 100, len: CHUNK - 100 },
      { id: '0', size: 0, off: 0, len: 100 },
    ];
    // Chunk 1 existed: it gets the two pieces JuiceFS appends (they cover its record).
    expect(await readChunk(s, iout, 1)).toEqual(cut);
    // Deliberate: a whole destination chunk without a row stays without one (it reads as a hole
    // already), so copying a long hole costs nothing per chunk; JuiceFS creates the row.
    expect(await readChunk(s, iout, 0)).toEqual([]);
    expect(await readChunk(s, iout, 2)).toEqual([]);
    expect(await readChunk(s, iout, 3)).toEqual([
      { id: '0', size: 0, off: 100, len: CHUNK - 100 },
      { id: a, size: 10, off: 0, len: 10 },
    ]);
  });
});

describe('testAttrFlags', () => {
  let env: TestEnv;
  let s: Session;
  beforeAll(async () => {
    env = await startEnv();
    s = await env.session();
  });
  afterAll(() => env.stop());

  it('append-only and immutable files and directories', async () => {
    const fs = fsOps(s);
    const flags = (inode: string, f: number) => s.call('SetAttr', { inode, set: SET_FLAG, flags: f });
    const create = (p: string, n: string) => errnoOf(s.call('Create', { parent: p, name: b(n), mode: 0o644, umask: 0o022, flags: 0 }));
    await create(ROOT_INO, 'f');
    const inode = (await fs.lookup(ROOT_INO, 'f')).inode;
    await flags(inode, FLAG_APPEND);
    expect(await errnoOf(s.call('Open', { inode, flags: O_WRONLY }))).toBe('EPERM');
    expect(await errnoOf(s.call('Open', { inode, flags: O_WRONLY | O_APPEND }))).toBeUndefined();
    await flags(inode, FLAG_APPEND | FLAG_IMMUTABLE);
    expect(await errnoOf(s.call('Open', { inode, flags: O_WRONLY }))).toBe('EPERM');
    expect(await errnoOf(s.call('Open', { inode, flags: O_WRONLY | O_APPEND }))).toBe('EPERM');

    const d = (await fs.mkdir(ROOT_INO, 'd', 0o640)).inode;
    await flags(d, FLAG_APPEND);
    expect(await create(d, 'f')).toBeUndefined();
    expect(await errnoOf(s.call('Unlink', { parent: d, name: b('f') }))).toBe('EPERM');
    await flags(d, FLAG_APPEND | FLAG_IMMUTABLE);
    expect(await create(d, 'f2')).toBe('EPERM');
    const imm = (await fs.mkdir(ROOT_INO, 'ImmutFile', 0o640)).inode;
    await flags(imm, FLAG_IMMUTABLE);
    expect(await create(imm, 'f2')).toBe('EPERM');

    const src1 = (await fs.mkdir(ROOT_INO, 'src1', 0o640)).inode;
    await create(src1, 'mfile');
    const dst1 = (await fs.mkdir(ROOT_INO, 'dst1', 0o640)).inode;
    const mv = () => errnoOf(s.call('Rename', { parentSrc: src1, nameSrc: b('mfile'), parentDst: dst1, nameDst: b('mfile') }));
    await flags(src1, FLAG_APPEND);
    expect(await mv()).toBe('EPERM');
    await flags(src1, FLAG_IMMUTABLE);
    expect(await mv()).toBe('EPERM');
    await flags(dst1, FLAG_IMMUTABLE);
    expect(await mv()).toBe('EPERM');

    await create(ROOT_INO, 'delfile');
    await flags((await fs.lookup(ROOT_INO, 'delfile')).inode, FLAG_IMMUTABLE | FLAG_APPEND);
    expect(await errnoOf(s.call('Unlink', { parent: ROOT_INO, name: b('delfile') }))).toBe('EPERM');

    await create(ROOT_INO, 'fallocfile');
    const ff = (await fs.lookup(ROOT_INO, 'fallocfile')).inode;
    const falloc = (ino: string, mode: number) => errnoOf(s.call('Fallocate', { inode: ino, mode, offset: '0', size: '1024' }));
    await flags(ff, FLAG_APPEND);
    expect(await falloc(ff, KEEP_SIZE)).toBeUndefined();
    expect(await falloc(ff, KEEP_SIZE | ZERO_RANGE)).toBe('EPERM');
    await flags(ff, FLAG_IMMUTABLE);
    expect(await falloc(ff, KEEP_SIZE)).toBe('EPERM');

    await create(ROOT_INO, 'copysrcfile');
    await create(ROOT_INO, 'copydstfile');
    const cs = (await fs.lookup(ROOT_INO, 'copysrcfile')).inode;
    const cd = (await fs.lookup(ROOT_INO, 'copydstfile')).inode;
    expect(await falloc(cs, 0)).toBeUndefined();
    const copy = () => errnoOf(s.call('CopyFileRange', { inodeIn: cs, offsetIn: '0', inodeOut: cd, offsetOut: '0', size: '1024', flags: 0 }));
    await flags(cd, FLAG_APPEND);
    expect(await copy()).toBe('EPERM');
    await flags(cd, FLAG_IMMUTABLE);
    expect(await copy()).toBe('EPERM');
  });
});

describe('testReadOnly / testOpenCache', () => {
  let env: TestEnv;
  let s: Session;
  beforeAll(async () => {
    env = await startEnv();
    s = await env.session();
  });
  afterAll(() => env.stop());

  it('a read-only session reads and refuses every change with EROFS', async () => {
    const ro = await env.client().newSession(caller(0, 0), { hostName: 'ro' }, true);
    expect((await ro.call('GetAttr', { inode: ROOT_INO })).attr!.inode).toBe(ROOT_INO);
    expect(await errnoOf(ro.call('Mkdir', { parent: ROOT_INO, name: b('d'), mode: 0o640, umask: 0o022 }))).toBe('EROFS');
    expect(await errnoOf(ro.call('Create', { parent: ROOT_INO, name: b('f'), mode: 0o644, umask: 0o022, flags: 0 }))).toBe('EROFS');
    expect(await errnoOf(ro.call('Open', { inode: ROOT_INO, flags: O_RDWR }))).toBe('EROFS');
    const { sessions } = await env.client().call('ListSessions', { withLocks: true });
    expect(sessions.find((x) => x.sessionId === ro.id)!.locks).toEqual([]);
  });

  it('GetAttr of an open file equals its Open attributes and sees a later SetAttr', async () => {
    const { attr } = await s.call('Create', { parent: ROOT_INO, name: b('oc'), mode: 0o644, umask: 0o022, flags: 0 });
    const opened = (await s.call('Open', { inode: attr!.inode, flags: O_RDWR })).attr!;
    expect(await fsOps(s).getattr(attr!.inode)).toEqual(opened);
    await s.call('SetAttr', { inode: attr!.inode, set: SET_UID, uid: 1 });
    expect((await fsOps(s).getattr(attr!.inode)).uid).toBe(1);
  });
});

describe('testQuota / testHardlinkQuota / testDirStat', () => {
  let env: TestEnv;
  let s: Session;
  let fs: ReturnType<typeof fsOps>;
  beforeAll(async () => {
    env = await startEnv();
    s = await env.session();
    fs = fsOps(s);
  });
  afterAll(() => env.stop());

  const dirQuota = (key: string, maxSpace: number, maxInodes: number) =>
    s.call('SetQuota', { quota: { kind: 'QUOTA_KIND_DIRECTORY', key, maxSpace: String(maxSpace), maxInodes: String(maxInodes) } });
  const used = async (kind: v1.QuotaKind, key: string | number) => {
    const q = (await s.call('GetQuota', { kind, key: String(key) })).quota!;
    return [Number(q.usedSpace), Number(q.usedInodes)];
  };
  const create = async (parent: string, name: string) => {
    const { attr } = await s.call('Create', { parent, name: b(name), mode: 0o644, flags: 0 });
    await s.call('Close', { inode: attr!.inode });
    return attr!.inode;
  };

  it('testQuota: nested directory quotas count the subtree; open files unlinked or renamed count once', async () => {
    const q = (await fs.mkdir(ROOT_INO, 'quota')).inode;
    await dirQuota(q, 2 << 30, 6);
    const d1 = (await fs.mkdir(q, 'd1')).inode;
    await dirQuota(d1, 1 << 30, 5);
    await create(d1, 'f1');
    const d2 = (await fs.mkdir(q, 'd2')).inode;
    const d22 = (await fs.mkdir(d2, 'd22')).inode;
    await dirQuota(d22, 1 << 30, 5);
    await create(d2, 'f2');
    await create(d22, 'f22');
    const D = 'QUOTA_KIND_DIRECTORY';
    expect(await used(D, q)).toEqual([6 * 4096, 6]);
    expect(await used(D, d1)).toEqual([4096, 1]);
    expect(await used(D, d22)).toEqual([4096, 1]);
    expect((await s.call('ListQuotas', { kind: D })).quotas).toHaveLength(3);
    const f2 = (await fs.lookup(d2, 'f2')).inode;
    await s.call('Open', { inode: f2, flags: 0 });
    await s.call('Unlink', { parent: d2, name: b('f2') });
    await s.call('Close', { inode: f2 });
    expect((await used(D, q))[1]).toBe(5);
    const f22 = (await fs.lookup(d22, 'f22')).inode;
    await s.call('Open', { inode: f22, flags: 0 });
    await s.call('Rename', { parentSrc: d22, nameSrc: b('f22'), parentDst: d22, nameDst: b('f23') });
    await s.call('Close', { inode: f22 });
    expect((await used(D, q))[1]).toBe(5);
    await create(d2, 'f3');
    await s.call('DeleteQuota', { kind: D, key: d1 });
    // Deliberate (docs/api.md): deleting a quota that does not exist is ENOENT (JuiceFS: no error).
    expect(await errnoOf(s.call('DeleteQuota', { kind: D, key: d2 }))).toBe('ENOENT');
    expect((await s.call('ListQuotas', { kind: D })).quotas).toHaveLength(2);
    expect(await errnoOf(s.call('Create', { parent: d2, name: b('f4'), mode: 0o644, flags: 0 }))).toBe('EDQUOT');
  });

  it('testHardlinkQuota: a hard link charges the directory quota its space and an inode', async () => {
    const uid = 1001;
    const gid = 2001;
    const parent = (await fs.mkdir(ROOT_INO, 'ugquota')).inode;
    for (const kind of ['QUOTA_KIND_USER', 'QUOTA_KIND_GROUP'] as const) {
      await s.call('SetQuota', { quota: { kind, key: String(kind === 'QUOTA_KIND_USER' ? uid : gid), maxSpace: String(100 << 20), maxInodes: '100' } });
    }
    await dirQuota(parent, 200 << 20, 200);
    const f = await create(parent, 'test_original_file');
    await s.call('SetAttr', { inode: f, set: SET_UID | SET_GID, uid, gid });
    await s.call('Write', { inode: f, chunkIndex: 0, pos: 0, slice: { id: await newSlice(s), size: 8192, off: 0, len: 8192 } });
    const before = { u: await used('QUOTA_KIND_USER', uid), g: await used('QUOTA_KIND_GROUP', gid), d: await used('QUOTA_KIND_DIRECTORY', parent) };
    expect(before.u).toEqual([8192, 1]);
    await s.call('Link', { inode: f, parent, name: b('test_hardlink_file') });
    const linked = await used('QUOTA_KIND_DIRECTORY', parent);
    expect([linked[0]! - before.d[0]!, linked[1]! - before.d[1]!]).toEqual([8192, 1]);
    // Deliberate (docs/api.md): user and group quotas count an inode once however many links it
    // has (JuiceFS 1.3 adds an inode per link and takes one per unlink).
    expect(await used('QUOTA_KIND_USER', uid)).toEqual(before.u);
    expect(await used('QUOTA_KIND_GROUP', gid)).toEqual(before.g);
    await s.call('Unlink', { parent, name: b('test_hardlink_file') });
    expect(await used('QUOTA_KIND_DIRECTORY', parent)).toEqual(before.d);
    expect(await used('QUOTA_KIND_USER', uid)).toEqual(before.u);
  });

  it('testDirStat: direct children length, space and inodes after each change', async () => {
    const t = (await fs.mkdir(ROOT_INO, 'testDirStat', 0o640)).inode;
    const stat = async (ino: string) => {
      const r = await s.call('GetDirStat', { inode: ino });
      return [Number(r.length), Number(r.space), Number(r.inodes)];
    };
    expect(await stat(t)).toEqual([0, 0, 0]);
    const file = await create(t, 'file');
    expect(await stat(t)).toEqual([0, 4096, 1]);
    await s.call('Fallocate', { inode: file, mode: 0, offset: '0', size: '4097' });
    expect(await stat(t)).toEqual([4097, 8192, 1]);
    await s.call('Truncate', { inode: file, length: '0' });
    expect(await stat(t)).toEqual([0, 4096, 1]);
    await s.call('Write', { inode: file, chunkIndex: 0, pos: 0, slice: { id: await newSlice(s), size: 1 << 20, off: 0, len: 4097 } });
    expect(await stat(t)).toEqual([4097, 8192, 1]);
    await s.call('Link', { inode: file, parent: t, name: b('file2') });
    expect(await stat(t)).toEqual([2 * 4097, 2 * 8192, 2]);
    const sub = (await fs.mkdir(t, 'sub', 0o640)).inode;
    expect(await stat(t)).toEqual([2 * 4097, 4096 + 2 * 8192, 3]);
    await s.call('Rename', { parentSrc: t, nameSrc: b('file2'), parentDst: sub, nameDst: b('file') });
    expect(await stat(t)).toEqual([4097, 4096 + 8192, 2]);
    expect(await stat(sub)).toEqual([4097, 8192, 1]);
    await s.call('Unlink', { parent: t, name: b('file') });
    await s.call('Unlink', { parent: sub, name: b('file') });
    expect(await stat(t)).toEqual([0, 4096, 1]);
    expect(await stat(sub)).toEqual([0, 0, 0]);
    await s.call('Rmdir', { parent: t, name: b('sub') });
    expect(await stat(t)).toEqual([0, 0, 0]);
  });
});

describe.each([
  ['relatime', [true, true, true, false, true, true, true]],
  ['strictatime', [true, true, true, true, true, true, true]],
  ['noatime', [false, false, false, false, false, false, true]],
] as const)('testAtime %s', (mode, expected) => {
  let env: TestEnv;
  let s: Session;
  beforeAll(async () => {
    env = await startEnv(1, { atimeMode: mode });
    s = await env.session();
  });
  afterAll(() => env.stop());

  // open, read, read with atime < mtime, read of a recent atime, readdir, readlink, link (ctime)
  it('updates atime on open, read, readdir and readlink as the mode says; link sets ctime', async () => {
    const OLD = String(1234n * SEC + 5678n);
    const setAtime = (inode: string) => s.call('SetAttr', { inode, set: SET_ATIME, atimeNs: OLD });
    const getattr = async (inode: string) => (await s.call('GetAttr', { inode })).attr!;
    const parent = (await s.call('Mkdir', { parent: ROOT_INO, name: b('atime'), mode: 0o755 })).attr!.inode;
    const ret: boolean[] = [];
    const inode = (await s.call('Create', { parent, name: b('f'), mode: 0o644, flags: 0 })).attr!.inode;
    await setAtime(inode);
    const opened = (await s.call('Open', { inode, flags: 0 })).attr!;
    ret.push(opened.atimeNs !== OLD);
    await setAtime(inode);
    await s.call('Read', { inode, chunkIndex: 0 });
    ret.push((await getattr(inode)).atimeNs !== OLD);
    const now = BigInt(Date.now()) * 1_000_000n;
    await s.call('SetAttr', { inode, set: SET_ATIME | SET_MTIME, atimeNs: String(now - 2n * SEC), mtimeNs: String(now) });
    await s.call('Read', { inode, chunkIndex: 0 });
    ret.push(BigInt((await getattr(inode)).atimeNs) >= now);
    await s.call('SetAttr', { inode, set: SET_ATIME_NOW | SET_MTIME_NOW });
    await new Promise((r) => setTimeout(r, 2000));
    const later = BigInt(Date.now()) * 1_000_000n;
    await s.call('Read', { inode, chunkIndex: 0 });
    ret.push(BigInt((await getattr(inode)).atimeNs) >= later);
    const d = (await s.call('Mkdir', { parent, name: b('d'), mode: 0o755 })).attr!.inode;
    await setAtime(d);
    await s.call('Readdir', { inode: d });
    ret.push((await getattr(d)).atimeNs !== OLD);
    const l = (await s.call('Symlink', { parent, name: b('s'), target: b('f') })).attr!.inode;
    await setAtime(l);
    await s.call('ReadLink', { inode: l });
    ret.push((await getattr(l)).atimeNs !== OLD);
    await s.call('SetAttr', { inode: l, set: SET_ATIME, atimeNs: OLD });
    const linked = (await s.call('Link', { inode: l, parent, name: b('l') })).attr!;
    ret.push(linked.ctimeNs !== OLD);
    expect(ret).toEqual(expected);
  });
});

describe('testACL / testAccess', () => {
  let env: TestEnv;
  let s: Session;
  beforeAll(async () => {
    env = await startEnv();
    s = await env.session();
    await setFormat(s, { enableAcl: true });
  });
  afterAll(() => env.stop());

  const ACCESS = b('system.posix_acl_access');
  const DEFAULT = b('system.posix_acl_default');
  const NONE = -1;
  /** A JuiceFS acl.Rule in Linux's xattr form (mask NONE: no mask entry). */
  function rule(owner: number, group: number, mask: number, other: number, users: [number, number][] = [], groups: [number, number][] = []): Buffer {
    const entries: [number, number, number][] = [[0x01, owner, 0xffffffff], ...users.map(([id, p]) => [0x02, p, id] as [number, number, number]), [0x04, group, 0xffffffff], ...groups.map(([id, p]) => [0x08, p, id] as [number, number, number])];
    if (mask !== NONE) entries.push([0x10, mask, 0xffffffff]);
    entries.push([0x20, other, 0xffffffff]);
    return aclXattr(entries);
  }
  const getacl = (inode: string, name: Buffer) => s.call('GetXattr', { inode, name });

  it('testACL: set, chmod, remove; default ACLs handed down with and without named entries', async () => {
    const dir = (await s.call('Mkdir', { parent: ROOT_INO, name: b('test_dir'), mode: 0o644, umask: 0 })).attr!.inode;
    const r = rule(7, 7, 7, 7, [[1001, 4]]);
    await s.call('SetXattr', { inode: dir, name: ACCESS, value: r });
    expect((await getacl(dir, ACCESS)).value).toEqual(r);
    expect((await fsOps(s).getattr(dir)).mode).toBe(0o777);
    await s.call('SetAttr', { inode: dir, set: SET_MODE, mode: 0o555 });
    expect((await getacl(dir, ACCESS)).value).toEqual(rule(5, 7, 5, 5, [[1001, 4]]));
    // Without named entries and mask the ACL is gone; its group entry becomes the group bits.
    await s.call('SetXattr', { inode: dir, name: ACCESS, value: rule(5, 7, NONE, 5) });
    expect(await errnoOf(getacl(dir, ACCESS))).toBe('ENODATA');
    expect((await fsOps(s).getattr(dir)).mode).toBe(0o575);

    await s.call('SetXattr', { inode: dir, name: DEFAULT, value: r });
    expect((await getacl(dir, DEFAULT)).value).toEqual(r);
    const sub = (await s.call('Mkdir', { parent: dir, name: b('sub_dir'), mode: 0o222, umask: 0o022 })).attr!;
    expect((await getacl(sub.inode, DEFAULT)).value).toEqual(r);
    expect((await getacl(sub.inode, ACCESS)).value).toEqual(rule(7 & 2, 7, 7 & 2, 7 & 2, [[1001, 4]]));

    const minimal = rule(5, 5, NONE, 5);
    await s.call('SetXattr', { inode: dir, name: DEFAULT, value: minimal });
    expect((await getacl(dir, DEFAULT)).value).toEqual(minimal);
    const sub2 = (await s.call('Mkdir', { parent: dir, name: b('sub_dir2'), mode: 0o222, umask: 0o022 })).attr!;
    expect(sub2.mode).toBe(0); // the umask is ignored under a default ACL
    expect((await getacl(sub2.inode, DEFAULT)).value).toEqual(minimal);
    expect(await errnoOf(getacl(sub2.inode, ACCESS))).toBe('ENODATA');
  });

  it('testAccess: named entries are limited by the mask', async () => {
    const f = (await s.call('Mknod', { parent: ROOT_INO, name: b('acc'), type: 'FILE_TYPE_REGULAR', mode: 0o541 })).attr!.inode;
    await s.call('SetXattr', { inode: f, name: ACCESS, value: rule(5, 4, 2, 1, [[1, 6]], [[2, 6]]) });
    const access = (c: v1.Caller) => errnoOf(s.call('Access', { inode: f, mask: 4 | 2 }, { caller: c }));
    expect(await access(caller(1, 2))).toBe('EACCES');
    expect(await access(caller(2, 2))).toBe('EACCES');
    await s.call('SetXattr', { inode: f, name: ACCESS, value: rule(5, 4, 7, 1, [[1, 6]], [[2, 6]]) });
    expect(await access(caller(2, 2))).toBeUndefined();
  });
});

describe('testCaseIncensi / testCaseIncensiRename / testCaseIncensiHardlinkRename', () => {
  let env: TestEnv;
  let s: Session;
  let fs: ReturnType<typeof fsOps>;
  beforeAll(async () => {
    env = await startEnv(1, { args: ['--volume-case-insensitive', 'true'] });
    s = await env.session();
    fs = fsOps(s);
  });
  afterAll(() => env.stop());

  const create = async (p: string, n: string, flags = 0) => {
    const r = await s.call('Create', { parent: p, name: b(n), mode: 0o755, flags });
    await s.call('Close', { inode: r.attr!.inode });
    return r.attr!.inode;
  };
  const mv = (ps: string, ns: string, pd: string, nd: string, flags = 0) =>
    errnoOf(s.call('Rename', { parentSrc: ps, nameSrc: b(ns), parentDst: pd, nameDst: b(nd), flags }));

  it('testCaseIncensi', async () => {
    const foo = await create(ROOT_INO, 'foo');
    expect(await create(ROOT_INO, 'Foo')).toBe(foo);
    expect(await errnoOf(create(ROOT_INO, 'Foo', O_EXCL))).toBe('EEXIST');
    expect((await fs.lookup(ROOT_INO, 'Foo')).inode).toBe(foo);
    expect(await mv(ROOT_INO, 'Foo', ROOT_INO, 'bar')).toBeUndefined();
    const foo2 = await create(ROOT_INO, 'Foo');
    expect((await fs.lookup(ROOT_INO, 'Bar')).inode).toBe(foo);
    expect(await errnoOf(s.call('Link', { inode: foo, parent: ROOT_INO, name: b('foo') }))).toBe('EEXIST');
    await s.call('Unlink', { parent: ROOT_INO, name: b('Bar') });
    await s.call('Unlink', { parent: ROOT_INO, name: b('foo') });
    expect(await errnoOf(s.call('GetAttr', { inode: foo2 }))).toBe('ENOENT');
    await fs.mkdir(ROOT_INO, 'Foo');
    await s.call('Rmdir', { parent: ROOT_INO, name: b('foo') });
  });

  it('testCaseIncensiRename', async () => {
    await create(ROOT_INO, 'aaa');
    expect(await errnoOf(create(ROOT_INO, 'AAA', O_EXCL))).toBe('EEXIST');
    await create(ROOT_INO, 'bbb');
    expect(await mv(ROOT_INO, 'aaa', ROOT_INO, 'AAA')).toBeUndefined();
    expect(await mv(ROOT_INO, 'aaa', ROOT_INO, 'AAA')).toBeUndefined();
    expect(await mv(ROOT_INO, 'aaa', ROOT_INO, 'BBB', RENAME_NOREPLACE)).toBe('EEXIST');
    expect(await mv(ROOT_INO, 'aaa', ROOT_INO, 'BBB')).toBeUndefined();
    expect(await fs.names(ROOT_INO)).toEqual(['bbb']); // the replaced entry keeps its stored name
    await create(ROOT_INO, 'aaa');
    expect(await mv(ROOT_INO, 'aaa', ROOT_INO, 'Aaa')).toBeUndefined();
    const dir = (await fs.mkdir(ROOT_INO, 'case_insensi_dir')).inode;
    await create(dir, 'AAA');
    expect(await mv(ROOT_INO, 'aaa', dir, 'aaa', RENAME_NOREPLACE)).toBe('EEXIST');
    expect(await mv(ROOT_INO, 'aaa', dir, 'aaa')).toBeUndefined();
  });

  it('testCaseIncensiHardlinkRename', async () => {
    const ccc = await create(ROOT_INO, 'ccc');
    expect(await errnoOf(s.call('Link', { inode: ccc, parent: ROOT_INO, name: b('CCC') }))).toBe('EEXIST');
    await s.call('Link', { inode: ccc, parent: ROOT_INO, name: b('ddd') });
    expect(await mv(ROOT_INO, 'ccc', ROOT_INO, 'CCC')).toBeUndefined();
    expect(await mv(ROOT_INO, 'ccc', ROOT_INO, 'DDD', RENAME_NOREPLACE)).toBe('EEXIST');
    expect(await mv(ROOT_INO, 'ccc', ROOT_INO, 'DDD')).toBeUndefined(); // another link of the same inode: nothing happens
    expect((await fs.lookup(ROOT_INO, 'ccc')).inode).toBe(ccc);
    expect((await fs.lookup(ROOT_INO, 'ddd')).inode).toBe(ccc);
    const dir = (await fs.mkdir(ROOT_INO, 'case_insensi_hark_dir')).inode;
    await s.call('Link', { inode: ccc, parent: dir, name: b('DDD') });
    expect(await mv(ROOT_INO, 'ccc', dir, 'ddd', RENAME_NOREPLACE)).toBe('EEXIST');
    expect(await mv(ROOT_INO, 'ccc', dir, 'ddd')).toBeUndefined();
    expect((await fs.lookup(ROOT_INO, 'ccc')).inode).toBe(ccc);
    expect(await mv(ROOT_INO, 'ddd', dir, 'ddd')).toBeUndefined();
    expect((await fs.lookup(ROOT_INO, 'ddd')).inode).toBe(ccc);
  });
});

describe('testConcurrentDir / testConcurrentWrite', () => {
  let env: TestEnv;
  let s: Session;
  beforeAll(async () => {
    env = await startEnv(2);
    s = await env.session();
  });
  afterAll(() => env.stop());

  it('concurrent mkdir/create/rename/unlink/rmdir of shared directories', async () => {
    const sessions = [s, await env.session(undefined, 1)];
    const ok = (p: Promise<unknown>, ...allowed: string[]) =>
      errnoOf(p).then((e) => {
        if (e !== undefined && !allowed.includes(e)) throw new Error(`unexpected ${e}`);
        return e;
      });
    const dirOf = async (sess: Session, name: string) => {
      const e = await ok(sess.call('Mkdir', { parent: ROOT_INO, name: b(name), mode: 0o640, umask: 0o022 }), 'EEXIST');
      void e;
      return (await sess.call('Lookup', { parent: ROOT_INO, name: b(name) })).attr!.inode;
    };
    const N = 30;
    await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const sess = sessions[i % 2]!;
        const d1 = await dirOf(sess, 'd1');
        const d2 = await dirOf(sess, 'd2');
        const name = b(`file${i}`);
        await sess.call('Create', { parent: d1, name, mode: 0o664, flags: 0 });
        await sess.call('Rename', { parentSrc: d1, nameSrc: name, parentDst: d2, nameDst: name });
      }),
    );
    await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const sess = sessions[i % 2]!;
        const d2 = (await sess.call('Lookup', { parent: ROOT_INO, name: b('d2') })).attr!.inode;
        await sess.call('Unlink', { parent: d2, name: b(`file${i}`) });
        await ok(sess.call('Rmdir', { parent: ROOT_INO, name: b('d1') }), 'ENOTEMPTY', 'ENOENT');
        await ok(sess.call('Rmdir', { parent: ROOT_INO, name: b('d2') }), 'ENOTEMPTY', 'ENOENT');
      }),
    );
    expect(await fsOps(s).names(ROOT_INO)).toEqual([]);
    expect((await fsOps(s).getattr(ROOT_INO)).nlink).toBe(2);
  });

  it('concurrent writes to one file, to many chunks and to one chunk', async () => {
    const inode = (await s.call('Create', { parent: ROOT_INO, name: b('f'), mode: 0o650, umask: 0o022, flags: 0 })).attr!.inode;
    const ids = await s.call('NewSlices', { count: 4096 });
    let next = BigInt(ids.firstId);
    await Promise.all(
      Array.from({ length: 11 }, async (_, indx) => {
        for (let j = 0; j < 10; j++) await s.call('Write', { inode, chunkIndex: indx, pos: 0, slice: { id: String(next++), size: 100, off: 0, len: 100 } });
      }),
    );
    await Promise.all(
      Array.from({ length: 11 }, async () => {
        for (let j = 0; j < 20; j++) await s.call('Write', { inode, chunkIndex: 0, pos: 200 * j, slice: { id: String(next++), size: 100, off: 0, len: 100 } });
      }),
    );
    expect((await fsOps(s).getattr(inode)).length).toBe(String(10 * CHUNK + 100));
  });
});

describe.each([false, true])('testCompaction (trash %s)', (trash) => {
  let env: TestEnv;
  let s: Session;
  beforeAll(async () => {
    env = await startEnv(1, { jobIntervalMs: 300 });
    s = await env.session();
    if (trash) await setFormat(s, { trashDays: 1 });
  });
  afterAll(() => env.stop());

  /** Claims and commits every offered compaction (what a storage node's compactor does). */
  async function compactAll(): Promise<number> {
    let n = 0;
    for (;;) {
      const c = await s.call('ClaimCompaction', { leaseMs: 60_000 });
      if (!c.found) return n;
      await s.call('CommitCompaction', { inode: c.inode, chunkIndex: c.chunkIndex, newSliceId: c.newSliceId });
      n++;
    }
  }

  it('random writes read back as five pieces; 200 appends compact to a few', async () => {
    const inode = (await s.call('Create', { parent: ROOT_INO, name: b('f'), mode: 0o650, umask: 0o022, flags: 0 })).attr!.inode;
    const w = async (c: number, pos: number, size: number) => {
      const id = await newSlice(s);
      await s.call('Write', { inode, chunkIndex: c, pos, slice: { id, size, off: 0, len: size } });
      return id;
    };
    await w(1, 0, CHUNK);
    await w(1, 30 << 20, 8);
    await w(1, 40 << 20, 8);
    expect(await readChunk(s, inode, 1)).toHaveLength(5);
    const size = 100000;
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push(await w(0, i * size, size));
    expect(await compactAll()).toBeGreaterThan(0);
    const slices = await readChunk(s, inode, 0);
    expect(slices.length).toBeLessThan(10);
    expect(slices.reduce((t, x) => t + x.len, 0)).toBe(size * 200);
    const queued = new Set((await s.call('ClaimSliceDeletions', { limit: 10000 })).slices.map((x) => x.id));
    const replaced = ids.filter((id) => queued.has(id)).length;
    if (trash) {
      // JuiceFS keeps the slices compaction replaced while the trash is on (delayed slices)...
      expect(replaced).toBeLessThanOrEqual(10);
      // ... until the trash is cleaned up to after their compaction (doCleanupDelayedSlices).
      await s.call('CleanupTrash', { beforeNs: String(BigInt(Date.now() + 1000) * 1_000_000n) });
      const due = new Set((await s.call('ClaimSliceDeletions', { limit: 10000 })).slices.map((x) => x.id));
      expect(ids.filter((id) => queued.has(id) || due.has(id)).length).toBeGreaterThanOrEqual(190);
    } else {
      expect(replaced).toBeGreaterThanOrEqual(190);
    }
  });

  (trash ? it : it.skip)('turning the trash off ends the delay of what compaction replaced', async () => {
    const inode = (await s.call('Create', { parent: ROOT_INO, name: b('g'), mode: 0o644, flags: 0 })).attr!.inode;
    const ids: string[] = [];
    for (let i = 0; i < 99; i++) {
      const id = await newSlice(s);
      ids.push(id);
      await s.call('Write', { inode, chunkIndex: 0, pos: i * 1000, slice: { id, size: 1000, off: 0, len: 1000 } });
    }
    expect(await compactAll()).toBe(1);
    const claim = async () => new Set((await s.call('ClaimSliceDeletions', { limit: 10000 })).slices.map((x) => x.id));
    const claimedNow = await claim();
    expect(ids.filter((id) => claimedNow.has(id))).toEqual([]);
    await setFormat(s, { trashDays: 0 });
    const seen = new Set<string>();
    await waitFor('the delayed deletions to be offered', async () => {
      for (const id of await claim()) seen.add(id);
      return ids.every((id) => seen.has(id));
    });
  });
});

describe('testUserGroupQuota', () => {
  let env: TestEnv;
  let s: Session;
  let fs: ReturnType<typeof fsOps>;
  beforeAll(async () => {
    env = await startEnv();
    s = await env.session();
    fs = fsOps(s);
    await setFormat(s, { userGroupQuota: true });
  });
  afterAll(() => env.stop());

  const uid = 1001;
  const gid = 2001;
  const U = 'QUOTA_KIND_USER';
  const G = 'QUOTA_KIND_GROUP';
  const set = (kind: v1.QuotaKind, key: number, maxSpace: number | bigint, maxInodes: number) =>
    s.call('SetQuota', { quota: { kind, key: String(key), maxSpace: String(maxSpace), maxInodes: String(maxInodes) } });
  const get = async (kind: v1.QuotaKind, key: number) => (await s.call('GetQuota', { kind, key: String(key) })).quota!;
  const owned = async (parent: string, name: string, o = uid, g = gid) => {
    const { attr } = await s.call('Create', { parent, name: b(name), mode: 0o644, flags: 0 });
    await s.call('Close', { inode: attr!.inode });
    await s.call('SetAttr', { inode: attr!.inode, set: SET_UID | SET_GID, uid: o, gid: g });
    return attr!.inode;
  };

  it('BasicQuotaOperations / QuotaErrorCases / QuotaMixedTypes', async () => {
    await set(U, uid, 1 << 30, 10);
    await set(G, gid, 2 << 30, 20);
    expect([(await get(U, uid)).maxSpace, (await get(U, uid)).maxInodes]).toEqual([String(1 << 30), '10']);
    expect([(await get(G, gid)).maxSpace, (await get(G, gid)).maxInodes]).toEqual([String(2 << 30), '20']);
    expect((await s.call('ListQuotas', {})).quotas.length).toBeGreaterThanOrEqual(2);
    await s.call('DeleteQuota', { kind: U, key: String(uid) });
    await s.call('DeleteQuota', { kind: G, key: String(gid) });
    expect(await errnoOf(s.call('SetQuota', { quota: { kind: 'QUOTA_KIND_UNSPECIFIED', key: '0', maxSpace: '1', maxInodes: '1' } }))).toBe('INVALID_ARGUMENT');
    await set(U, uid, 0, 10);
    await set(G, gid, 1 << 30, 0);
    await set(U, uid, 1n << 62n, 1 << 30);
    const p1 = (await fs.mkdir(ROOT_INO, 'path1')).inode;
    const p2 = (await fs.mkdir(ROOT_INO, 'path2')).inode;
    await s.call('SetQuota', { quota: { kind: 'QUOTA_KIND_DIRECTORY', key: p1, maxSpace: String(100 << 20), maxInodes: '20' } });
    await s.call('SetQuota', { quota: { kind: 'QUOTA_KIND_DIRECTORY', key: p2, maxSpace: String(200 << 20), maxInodes: '30' } });
    expect((await s.call('ListQuotas', {})).quotas.length).toBeGreaterThanOrEqual(4);
    await s.call('DeleteQuota', { kind: U, key: String(uid) });
    await s.call('DeleteQuota', { kind: G, key: String(gid) });
  });

  it('QuotaUsageStatistics: a new quota starts with what the owner already has', async () => {
    const parent = (await fs.mkdir(ROOT_INO, 'ugquota')).inode;
    for (let i = 0; i < 3; i++) await owned(parent, `testfile${i}`);
    for (let i = 0; i < 4; i++) await owned(parent, `groupfile${i}`);
    await s.call('SetAttr', { inode: parent, set: SET_UID | SET_GID, uid, gid });
    await set(U, uid, 1 << 30, 10);
    await set(G, gid, 2 << 30, 20);
    expect(Number((await get(U, uid)).usedInodes)).toBe(8);
    expect(Number((await get(G, gid)).usedInodes)).toBe(8);
    await s.call('DeleteQuota', { kind: U, key: String(uid) });
    await s.call('DeleteQuota', { kind: G, key: String(gid) });
  });

  it('a file in the trash still counts for its owner (JuiceFS takes it out until restored)', async () => {
    await setFormat(s, { trashDays: 1 });
    await set(U, 4001, 1 << 30, 100);
    const f = await owned(ROOT_INO, 'trashed', 4001, 4001);
    expect(Number((await get(U, 4001)).usedInodes)).toBe(1);
    await s.call('Unlink', { parent: ROOT_INO, name: b('trashed') });
    expect((await fs.getattr(f)).parent).not.toBe(ROOT_INO);
    // Deliberate (docs/api.md): usage is what the owner's inodes hold, wherever they are.
    expect(Number((await get(U, 4001)).usedInodes)).toBe(1);
    await setFormat(s, { trashDays: 0 });
  });

  it('CheckQuotaFileOwner: writes charge the file owner, not the writer', async () => {
    const other = caller(1002, 1002);
    await set(U, 3001, 4096, 5);
    const f = await owned(ROOT_INO, 'testfile', 3001, 3001);
    const w = (c: number) => errnoOf(s.call('Write', { inode: f, chunkIndex: c, pos: 0, slice: { id: '77', size: 4096, off: 0, len: 4096 } }, { caller: other }));
    expect(await w(0)).toBeUndefined();
    expect(await w(1)).toBe('EDQUOT');
    // Mknod by the operator: the operator owns it.
    const dev = (await s.call('Mknod', { parent: ROOT_INO, name: b('device'), type: 'FILE_TYPE_REGULAR', mode: 0o644 }, { caller: other })).attr!;
    expect([dev.uid, dev.gid]).toEqual([1002, 1002]);
    await s.call('Unlink', { parent: ROOT_INO, name: b('device') });
    await set(U, 1002, 512, 2);
    const cross = await owned(ROOT_INO, 'crossfile', 3002, 3002);
    await set(U, 3002, 1 << 20, 10);
    await s.call('Write', { inode: cross, chunkIndex: 0, pos: 0, slice: { id: '78', size: 1024, off: 0, len: 1024 } }, { caller: other });
    expect(Number((await get(U, 3002)).usedSpace)).toBeGreaterThanOrEqual(1024);
    expect(Number((await get(U, 1002)).usedSpace)).toBe(0);
  });
});

describe('TestKVReaddirCursorDeleted / baseMeta argument checks', () => {
  let env: TestEnv;
  let s: Session;
  let fs: ReturnType<typeof fsOps>;
  beforeAll(async () => {
    env = await startEnv();
    s = await env.session();
    fs = fsOps(s);
    await setFormat(s, { trashDays: 1 });
  });
  afterAll(() => env.stop());

  it('paging skips nothing when the entries just listed (the cursor among them) are deleted', async () => {
    const parent = (await fs.mkdir(ROOT_INO, 'd', 0o777)).inode;
    const names = Array.from({ length: 7 }, (_, i) => `f${String(i).padStart(2, '0')}`);
    for (const n of names) await fs.mknod(parent, n);
    const seen = new Set<string>();
    let cursor: Buffer = Buffer.alloc(0);
    for (;;) {
      const page = await s.call('Readdir', { inode: parent, cursor, limit: 3 });
      const batch = page.entries.map((e) => e.name.toString()).filter((n) => n !== '.' && n !== '..');
      for (const n of batch) seen.add(n);
      for (const n of batch) await s.call('Unlink', { parent, name: b(n) });
      cursor = page.nextCursor;
      if (page.eof) break;
    }
    expect([...seen].sort()).toEqual(names);
  });

  it('answers the errnos baseMeta checks before the engine', async () => {
    await fs.mknod(ROOT_INO, 'a');
    const mv = (ps: string, ns: string, pd: string, nd: string, flags = 0) =>
      errnoOf(s.call('Rename', { parentSrc: ps, nameSrc: b(ns), parentDst: pd, nameDst: b(nd), flags }));
    // A new entry's name: EINVAL (checkInodeName); an existing entry's: ENOENT (none has it).
    expect(await mv(ROOT_INO, 'a', ROOT_INO, '')).toBe('EINVAL');
    expect(await mv(ROOT_INO, 'a', ROOT_INO, 'x/y')).toBe('EINVAL');
    expect(await errnoOf(s.call('Mkdir', { parent: ROOT_INO, name: b(''), mode: 0o755 }))).toBe('EINVAL');
    expect(await errnoOf(s.call('Link', { inode: (await fs.lookup(ROOT_INO, 'a')).inode, parent: ROOT_INO, name: b('') }))).toBe('EINVAL');
    expect(await mv(ROOT_INO, '', ROOT_INO, 'b')).toBe('ENOENT');
    expect(await mv(ROOT_INO, 'x/y', ROOT_INO, 'b')).toBe('ENOENT');
    expect(await errnoOf(s.call('Unlink', { parent: ROOT_INO, name: b('a/b') }))).toBe('ENOENT');
    expect(await errnoOf(s.call('Unlink', { parent: ROOT_INO, name: b('') }))).toBe('ENOENT');
    expect(await errnoOf(s.call('Rmdir', { parent: ROOT_INO, name: b('') }))).toBe('ENOENT');
    expect(await errnoOf(s.call('Lookup', { parent: ROOT_INO, name: b('') }))).toBe('ENOENT');
    expect(await mv(ROOT_INO, '.trash', ROOT_INO, 'x')).toBe('EPERM');
    expect(await mv(ROOT_INO, 'a', ROOT_INO, '.trash')).toBe('EPERM');
    expect(await mv(ROOT_INO, 'a', ROOT_INO, 'b', RENAME_NOREPLACE | RENAME_WHITEOUT)).toBe('ENOTSUP');
    expect(await mv(ROOT_INO, 'a', ROOT_INO, 'b', RENAME_EXCHANGE | RENAME_NOREPLACE)).toBe('EINVAL');
    expect(await errnoOf(s.call('Unlink', { parent: ROOT_INO, name: b('.trash') }))).toBe('EPERM');
    expect(await errnoOf(s.call('Rmdir', { parent: ROOT_INO, name: b('.trash') }))).toBe('EPERM');
    expect(await errnoOf(s.call('Rmdir', { parent: String(TRASH), name: b('x') }))).toBe('EPERM');
    expect(await errnoOf(s.call('Mkdir', { parent: ROOT_INO, name: b('.trash'), mode: 0o755 }))).toBe('EPERM');
    expect((await fs.lookup(ROOT_INO, '.trash')).inode).toBe(String(TRASH));
    const f = (await fs.lookup(ROOT_INO, 'a')).inode;
    expect(await errnoOf(s.call('Readdir', { inode: f }))).toBe('ENOTDIR');
    expect(await errnoOf(s.call('Readdir', { inode: '999999' }))).toBe('ENOENT');
    expect(await errnoOf(s.call('Access', { inode: '999999', mask: 4 }))).toBe('ENOENT');
    expect(await errnoOf(s.call('ReadLink', { inode: '999999' }))).toBe('ENOENT');
    expect(await errnoOf(s.call('Truncate', { inode: (await s.call('Symlink', { parent: ROOT_INO, name: b('sl'), target: b('a') })).attr!.inode, length: '1' }))).toBe('EPERM');
    const dir = (await fs.mkdir(ROOT_INO, 'dd')).inode;
    const plus = await readdirAll(s, dir, true);
    expect(plus.map((e) => [e.name.toString(), e.inode, e.attr?.inode, e.attr?.type])).toEqual([
      ['.', dir, dir, 'FILE_TYPE_DIRECTORY'],
      ['..', ROOT_INO, ROOT_INO, 'FILE_TYPE_DIRECTORY'],
    ]);
    expect(await errnoOf(s.call('Create', { parent: ROOT_INO, name: b('dd'), mode: 0o644, flags: 0 }))).toBe('EEXIST');
    expect(await errnoOf(s.call('Open', { inode: dir, flags: 0 }))).toBeUndefined();
    expect(await errnoOf(s.call('Flock', { inode: '999999', owner: '1', type: 'LOCK_TYPE_WRITE' }))).toBe('ENOENT');
    expect(await errnoOf(s.call('GetLk', { inode: f, owner: '1', type: 'LOCK_TYPE_WRITE', start: '10', end: '5' }))).toBe('EINVAL');
  });
});
