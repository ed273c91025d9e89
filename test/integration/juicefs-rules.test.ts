import type { Session } from '@fsmeta/client';
import { ROOT_INO, b, errnoOf, fsOps } from '../harness/fs';
import { startEnv, type TestEnv } from '../harness/server';

/**
 * Namespace rules where fsmeta once differed from JuiceFS (baseMeta / dbMeta):
 * setgid on chmod with a supplementary group, the sticky rule of
 * cross-directory renames, Link's check order, zero-length Write, and a
 * caller whose kernel already checked permissions (CheckPermission() == false).
 */

const ALICE = { uid: 1000, gid: 1000, gids: [] };
const BOB = { uid: 1001, gid: 1001, gids: [] };
const ALICE_IN_500 = { uid: 1000, gid: 1000, gids: [500] };
const SET_MODE = 1;
const SET_UID = 2;
const SET_GID = 4;
const SET_MTIME_NOW = 256;

let env: TestEnv;
let s: Session;
let fs: ReturnType<typeof fsOps>;
let counter = 0;

async function scratch(mode = 0o777): Promise<string> {
  const dir = await fs.mkdir(ROOT_INO, `t${++counter}`, mode);
  await s.call('SetAttr', { inode: dir.inode, set: SET_MODE, mode });
  return dir.inode;
}

async function chown(inode: string, who: { uid: number; gid: number }): Promise<void> {
  await s.call('SetAttr', { inode, set: SET_UID | SET_GID, uid: who.uid, gid: who.gid });
}

beforeAll(async () => {
  env = await startEnv();
  s = await env.session();
  fs = fsOps(s);
});
afterAll(() => env.stop());

describe('SetAttr keeps setgid for any of the caller groups', () => {
  it('keeps it for a supplementary group and drops it outside the group', async () => {
    const d = await scratch();
    const f = await fs.mknod(d, 'f', 0o644);
    await s.call('SetAttr', { inode: f.inode, set: SET_UID | SET_GID, uid: ALICE.uid, gid: 500 });
    const kept = await s.call('SetAttr', { inode: f.inode, set: SET_MODE, mode: 0o2755 }, { caller: ALICE_IN_500 });
    expect(kept.attr!.mode).toBe(0o2755);
    const dropped = await s.call('SetAttr', { inode: f.inode, set: SET_MODE, mode: 0o2775 }, { caller: ALICE });
    expect(dropped.attr!.mode).toBe(0o775);
    // The primary group still counts.
    await s.call('SetAttr', { inode: f.inode, set: SET_GID, gid: ALICE.gid });
    expect((await s.call('SetAttr', { inode: f.inode, set: SET_MODE, mode: 0o2700 }, { caller: ALICE })).attr!.mode).toBe(0o2700);
  });
});

describe('rename out of a sticky directory into another one', () => {
  it('needs the entry, or the source directory and a non-directory entry', async () => {
    const d = await scratch();
    const sticky = (await fs.mkdir(d, 'sticky', 0o777)).inode;
    await s.call('SetAttr', { inode: sticky, set: SET_MODE, mode: 0o1777 });
    await chown(sticky, ALICE); // alice owns the sticky directory
    const dst = await scratch(0o777);
    const bobFile = await fs.mknod(sticky, 'bobfile', 0o666);
    const bobDir = await fs.mkdir(sticky, 'bobdir', 0o777);
    await chown(bobFile.inode, BOB);
    await chown(bobDir.inode, BOB);
    const mv = (name: string, caller: typeof ALICE, to = dst, as = name) =>
      errnoOf(s.call('Rename', { parentSrc: sticky, nameSrc: b(name), parentDst: to, nameDst: b(as) }, { caller }));
    // The directory's owner may move another user's file elsewhere, but not another user's directory.
    expect(await mv('bobdir', ALICE)).toBe('EACCES');
    expect(await mv('bobfile', ALICE)).toBeUndefined();
    // Within the sticky directory the plain sticky rule applies: the directory's owner may rename both.
    expect(await mv('bobdir', ALICE, sticky, 'bobdir2')).toBeUndefined();
    // A third user owning neither gets EACCES; the entry's owner may move it anywhere.
    const carolsView = { uid: 1002, gid: 1002, gids: [] };
    expect(await mv('bobdir2', carolsView)).toBe('EACCES');
    expect(await mv('bobdir2', BOB)).toBeUndefined();
    expect(await fs.names(dst)).toEqual(['bobdir2', 'bobfile']);
  });
});

describe('Link checks the source first', () => {
  it('answers ENOENT / EPERM for the source before looking at the destination', async () => {
    const d = await scratch();
    const sub = await fs.mkdir(d, 'sub');
    const f = await fs.mknod(d, 'f');
    // Missing source and a destination parent that is not a directory: ENOENT, not ENOTDIR.
    expect(await errnoOf(s.call('Link', { inode: '999999', parent: f.inode, name: b('x') }))).toBe('ENOENT');
    // A directory source and a taken name: EPERM, not EEXIST.
    expect(await errnoOf(s.call('Link', { inode: sub.inode, parent: d, name: b('f') }))).toBe('EPERM');
    // A directory source and a missing parent: EPERM, not ENOENT.
    expect(await errnoOf(s.call('Link', { inode: sub.inode, parent: '999999', name: b('x') }))).toBe('EPERM');
    // "." is EEXIST whatever the source (checked with the name, as baseMeta.Link).
    expect(await errnoOf(s.call('Link', { inode: '999999', parent: d, name: b('.') }))).toBe('EEXIST');
    // With a good source the destination decides.
    expect(await errnoOf(s.call('Link', { inode: f.inode, parent: f.inode, name: b('x') }))).toBe('ENOTDIR');
    expect(await errnoOf(s.call('Link', { inode: f.inode, parent: d, name: b('sub') }))).toBe('EEXIST');
  });
});

describe('zero-length Write', () => {
  it('succeeds and changes nothing', async () => {
    const d = await scratch();
    const { attr } = await s.call('Create', { parent: d, name: b('f'), mode: 0o644, flags: 0 });
    const inode = attr!.inode;
    const { firstId } = await s.call('NewSlices', { count: 1 });
    await s.call('Write', { inode, chunkIndex: 0, pos: 0, slice: { id: firstId, size: 10, off: 0, len: 10 }, mtimeNs: '5' });
    const before = await fs.getattr(inode);
    const res = await s.call('Write', { inode, chunkIndex: 0, pos: 100, slice: { id: firstId, size: 10, off: 0, len: 0 }, mtimeNs: '99' });
    expect(res.sliceCount).toBe(1);
    expect(res.attr).toEqual(before);
    expect(await fs.getattr(inode)).toEqual(before);
    // Even with slice id 0 and in another chunk: nothing to see, nothing changes.
    const other = await s.call('Write', { inode, chunkIndex: 3, pos: 0, slice: { id: '0', size: 0, off: 0, len: 0 }, mtimeNs: '0' });
    expect(other.sliceCount).toBe(0);
    expect((await s.call('Read', { inode, chunkIndex: 3 })).slices).toEqual([]);
    expect(await fs.getattr(inode)).toEqual(before);
    // It still needs a regular file.
    expect(await errnoOf(s.call('Write', { inode: d, chunkIndex: 0, pos: 0, slice: { id: firstId, size: 10, off: 0, len: 0 } }))).toBe('EPERM');
    expect(await errnoOf(s.call('Write', { inode: '999999', chunkIndex: 0, pos: 0, slice: { id: firstId, size: 10, off: 0, len: 0 } }))).toBe('ENOENT');
  });
});

describe('a caller whose kernel already checked permissions', () => {
  it('passes access checks and the group rules of chown, chgrp and setgid', async () => {
    const d = await scratch(0o700); // root's, nobody else may enter
    const f = await fs.mknod(d, 'f', 0o600);
    const checked = { ...BOB, permissionsChecked: true };
    expect(await errnoOf(s.call('Lookup', { parent: d, name: b('f') }, { caller: BOB }))).toBe('EACCES');
    expect((await s.call('Lookup', { parent: d, name: b('f') }, { caller: checked })).attr!.inode).toBe(f.inode);
    expect(await errnoOf(s.call('Access', { inode: f.inode, mask: 7 }, { caller: BOB }))).toBe('EACCES');
    expect(await errnoOf(s.call('Access', { inode: f.inode, mask: 7 }, { caller: checked }))).toBeUndefined();
    expect(await errnoOf(s.call('Mknod', { parent: d, name: b('g'), type: 'FILE_TYPE_REGULAR', mode: 0o644 }, { caller: checked }))).toBeUndefined();
    expect(await errnoOf(s.call('Open', { inode: f.inode, flags: 2 }, { caller: checked }))).toBeUndefined();
    expect(await errnoOf(s.call('SetAttr', { inode: f.inode, set: SET_MTIME_NOW }, { caller: checked }))).toBeUndefined();
    // Owner-only operations stay the owner's: chmod of root's file is EPERM either way.
    expect(await errnoOf(s.call('SetAttr', { inode: f.inode, set: SET_MODE, mode: 0o644 }, { caller: checked }))).toBe('EPERM');
    // The kernel did the group checks: chgrp to a group bob is not in, chown, and setgid outside the group pass.
    const g = (await s.call('Lookup', { parent: d, name: b('g') }, { caller: checked })).attr!;
    expect(g.uid).toBe(BOB.uid);
    expect(await errnoOf(s.call('SetAttr', { inode: g.inode, set: SET_GID, gid: 777 }, { caller: BOB }))).toBe('EPERM');
    expect((await s.call('SetAttr', { inode: g.inode, set: SET_GID, gid: 777 }, { caller: checked })).attr!.gid).toBe(777);
    expect((await s.call('SetAttr', { inode: g.inode, set: SET_MODE, mode: 0o2755 }, { caller: checked })).attr!.mode).toBe(0o2755);
    expect((await s.call('SetAttr', { inode: g.inode, set: SET_MODE, mode: 0o2750 }, { caller: BOB })).attr!.mode).toBe(0o750);
    expect(await errnoOf(s.call('SetAttr', { inode: g.inode, set: SET_UID, uid: 4242 }, { caller: BOB }))).toBe('EPERM');
    expect((await s.call('SetAttr', { inode: g.inode, set: SET_UID, uid: 4242 }, { caller: checked })).attr!.uid).toBe(4242);
  });
});
