import type { Session } from '@fsmeta/client';
import { ROOT_INO, b, errnoOf, fsOps } from '../harness/fs';
import { startEnv, type TestEnv } from '../harness/server';

const ALICE = { uid: 1000, gid: 1000, gids: [] };
const BOB = { uid: 1001, gid: 1001, gids: [] };
const CAROL = { uid: 1002, gid: 1000, gids: [] }; // in alice's group

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
const O_EXCL = 0x80;
const NOREPLACE = 1;
const EXCHANGE = 2;
const WHITEOUT = 4;

let env: TestEnv;
let s: Session;
let fs: ReturnType<typeof fsOps>;
let counter = 0;

/** A fresh world-writable directory per test, so tests do not see each other's names. */
async function scratch(mode = 0o777): Promise<string> {
  const dir = await fs.mkdir(ROOT_INO, `t${++counter}`, mode);
  if (mode & 0o022) await s.call('SetAttr', { inode: dir.inode, set: SET_MODE, mode });
  return dir.inode;
}

beforeAll(async () => {
  env = await startEnv(1, { skipDirMtimeMs: 0 });
  s = await env.session();
  fs = fsOps(s);
});
afterAll(() => env.stop());

describe('lookup and getattr', () => {
  it('resolves ".", ".." and the root', async () => {
    const d = await scratch();
    const sub = await fs.mkdir(d, 'sub');
    expect((await fs.lookup(sub.inode, '.')).inode).toBe(sub.inode);
    expect((await fs.lookup(sub.inode, '..')).inode).toBe(d);
    expect((await fs.lookup(ROOT_INO, '..')).inode).toBe(ROOT_INO);
    expect((await fs.lookup(ROOT_INO, '.')).inode).toBe(ROOT_INO);
    const f = await fs.mknod(d, 'f');
    expect(await errnoOf(fs.lookup(f.inode, '..'))).toBe('ENOTDIR');
  });

  it('needs search permission on the parent', async () => {
    const d = await scratch();
    const priv = await fs.mkdir(d, 'priv', 0o700);
    await s.call('SetAttr', { inode: priv.inode, set: SET_UID | SET_GID, uid: ALICE.uid, gid: ALICE.gid });
    await fs.mknod(priv.inode, 'x');
    expect(await errnoOf(s.call('Lookup', { parent: priv.inode, name: b('x') }, { caller: BOB }))).toBe('EACCES');
    expect((await s.call('Lookup', { parent: priv.inode, name: b('x') }, { caller: ALICE })).attr?.type).toBe('FILE_TYPE_REGULAR');
    expect(await errnoOf(s.call('Lookup', { parent: d, name: b('x'.repeat(256)) }))).toBe('ENAMETOOLONG');
  });
});

describe('mknod, mkdir, create, symlink', () => {
  it('creates all seven node types with rdev and umask', async () => {
    const d = await scratch();
    const sym = await s.call('Symlink', { parent: d, name: b('FILE_TYPE_SYMLINK'), target: b('t') });
    expect(sym.attr?.type).toBe('FILE_TYPE_SYMLINK');
    expect(await errnoOf(s.call('Mknod', { parent: d, name: b('sym'), type: 'FILE_TYPE_SYMLINK', mode: 0o777 }))).toBe('EINVAL');
    const types = ['FILE_TYPE_REGULAR', 'FILE_TYPE_DIRECTORY', 'FILE_TYPE_FIFO', 'FILE_TYPE_BLOCK_DEVICE', 'FILE_TYPE_CHAR_DEVICE', 'FILE_TYPE_SOCKET'] as const;
    for (const type of types) {
      const { attr } = await s.call('Mknod', { parent: d, name: b(type), type, mode: 0o666, umask: 0o022, rdev: 0x0801 });
      expect(attr?.type).toBe(type);
      expect(attr?.mode).toBe(0o644);
      expect(attr?.rdev).toBe(type === 'FILE_TYPE_BLOCK_DEVICE' || type === 'FILE_TYPE_CHAR_DEVICE' ? 0x0801 : 0);
      expect(attr?.nlink).toBe(type === 'FILE_TYPE_DIRECTORY' ? 2 : 1);
      expect(attr?.length).toBe(type === 'FILE_TYPE_DIRECTORY' ? '4096' : '0');
    }
    expect((await fs.getattr(d)).nlink).toBe(3);
    expect(await errnoOf(s.call('Mknod', { parent: d, name: b('bad'), type: 'FILE_TYPE_UNSPECIFIED', mode: 0o644 }))).toBe('EINVAL');
  });

  it('refuses ".", "..", existing names and the reserved .trash', async () => {
    const d = await scratch();
    expect(await errnoOf(fs.mkdir(d, '.'))).toBe('EEXIST');
    expect(await errnoOf(fs.mknod(d, '..'))).toBe('EEXIST');
    await fs.mknod(d, 'f');
    expect(await errnoOf(fs.mknod(d, 'f'))).toBe('EEXIST');
    expect(await errnoOf(fs.mkdir(d, 'f'))).toBe('EEXIST');
    expect(await errnoOf(fs.mkdir(ROOT_INO, '.trash'))).toBe('EPERM');
  });

  it('create opens an existing file without O_EXCL and fails with it', async () => {
    const d = await scratch();
    const { attr } = await s.call('Create', { parent: d, name: b('c'), mode: 0o640 });
    const again = await s.call('Create', { parent: d, name: b('c'), mode: 0o600 });
    expect(again.attr?.inode).toBe(attr?.inode);
    expect(again.attr?.mode).toBe(0o640);
    expect(await errnoOf(s.call('Create', { parent: d, name: b('c'), mode: 0o640, flags: O_EXCL }))).toBe('EEXIST');
    await fs.mkdir(d, 'dir');
    expect(await errnoOf(s.call('Create', { parent: d, name: b('dir'), mode: 0o640 }))).toBe('EEXIST');
  });

  it('needs write and search permission on the parent, and refuses an immutable one', async () => {
    const d = await scratch(0o755);
    expect(await errnoOf(fs.mkdir(d, 'x', 0o755, { caller: ALICE }))).toBe('EACCES');
    const imm = await fs.mkdir(d, 'imm', 0o777);
    await s.call('SetAttr', { inode: imm.inode, set: SET_FLAG, flags: FLAG_IMMUTABLE });
    expect(await errnoOf(fs.mknod(imm.inode, 'x'))).toBe('EPERM');
  });

  it('inherits the group of a setgid directory, and subdirectories its setgid bit', async () => {
    const d = await scratch();
    const g = await fs.mkdir(d, 'g', 0o777);
    await s.call('SetAttr', { inode: g.inode, set: SET_MODE | SET_GID, mode: 0o2777, gid: 500 });
    const sub = await fs.mkdir(g.inode, 'sub', 0o755, { caller: ALICE });
    expect(sub.gid).toBe(500);
    expect(sub.mode & 0o2000).toBe(0o2000);
    const f = (await s.call('Mknod', { parent: g.inode, name: b('f'), type: 'FILE_TYPE_REGULAR', mode: 0o2755 }, { caller: ALICE })).attr!;
    expect(f.gid).toBe(500);
    expect(f.mode).toBe(0o755); // alice is not in group 500: sgid dropped
    expect(f.uid).toBe(ALICE.uid);
  });

  it('symlink targets are 1..4096 bytes without NUL', async () => {
    const d = await scratch();
    const { attr } = await s.call('Symlink', { parent: d, name: b('l'), target: b('some/where') });
    expect(attr?.type).toBe('FILE_TYPE_SYMLINK');
    expect(attr?.length).toBe('10');
    expect(attr?.mode).toBe(0o777);
    expect((await s.call('ReadLink', { inode: attr!.inode })).target.toString()).toBe('some/where');
    await s.call('Symlink', { parent: d, name: b('max'), target: Buffer.alloc(4096, 0x61) });
    expect(await errnoOf(s.call('Symlink', { parent: d, name: b('big'), target: Buffer.alloc(4097, 0x61) }))).toBe('EINVAL');
    expect(await errnoOf(s.call('Symlink', { parent: d, name: b('empty'), target: Buffer.alloc(0) }))).toBe('EINVAL');
    expect(await errnoOf(s.call('Symlink', { parent: d, name: b('nul'), target: Buffer.from([0x61, 0]) }))).toBe('EINVAL');
    const f = await fs.mknod(d, 'f');
    expect(await errnoOf(s.call('ReadLink', { inode: f.inode }))).toBe('EINVAL');
    expect(await errnoOf(s.call('ReadLink', { inode: '987654' }))).toBe('ENOENT');
  });

  it('names are bytes, not UTF-8', async () => {
    const d = await scratch();
    const raw = Buffer.from([0xff, 0xfe, 0x80, 0x41]);
    await s.call('Mkdir', { parent: d, name: raw, mode: 0o755 });
    const page = await s.call('Readdir', { inode: d });
    expect(page.entries.some((e) => e.name.equals(raw))).toBe(true);
    await s.call('Lookup', { parent: d, name: raw });
  });
});

describe('link and unlink', () => {
  it('link makes the parent 0 and counts links', async () => {
    const d = await scratch();
    const f = await fs.mknod(d, 'f');
    expect(f.parent).toBe(d);
    const { attr } = await s.call('Link', { inode: f.inode, parent: d, name: b('g') });
    expect(attr?.nlink).toBe(2);
    expect(attr?.parent).toBe('0');
    await s.call('Unlink', { parent: d, name: b('g') });
    const after = await fs.getattr(f.inode);
    expect(after.nlink).toBe(1);
    expect(after.parent).toBe('0');
  });

  it('link errnos', async () => {
    const d = await scratch();
    const f = await fs.mknod(d, 'f');
    const sub = await fs.mkdir(d, 'sub');
    expect(await errnoOf(s.call('Link', { inode: sub.inode, parent: d, name: b('x') }))).toBe('EPERM');
    expect(await errnoOf(s.call('Link', { inode: f.inode, parent: d, name: b('f') }))).toBe('EEXIST');
    expect(await errnoOf(s.call('Link', { inode: f.inode, parent: f.inode, name: b('x') }))).toBe('ENOTDIR');
    expect(await errnoOf(s.call('Link', { inode: f.inode, parent: '999999', name: b('x') }))).toBe('ENOENT');
    expect(await errnoOf(s.call('Link', { inode: '999999', parent: d, name: b('x') }))).toBe('ENOENT');
    await s.call('SetAttr', { inode: f.inode, set: SET_FLAG, flags: FLAG_APPEND });
    expect(await errnoOf(s.call('Link', { inode: f.inode, parent: d, name: b('y') }))).toBe('EPERM');
  });

  it('unlink errnos: EPERM (not EISDIR) for a directory, ENOENT, sticky bit, flags', async () => {
    const d = await scratch();
    await fs.mkdir(d, 'sub');
    expect(await errnoOf(s.call('Unlink', { parent: d, name: b('sub') }))).toBe('EPERM');
    expect(await errnoOf(s.call('Unlink', { parent: d, name: b('none') }))).toBe('ENOENT');
    const sticky = await fs.mkdir(d, 'sticky', 0o777);
    await s.call('SetAttr', { inode: sticky.inode, set: SET_MODE, mode: 0o1777 });
    await fs.mknod(sticky.inode, 'alices', 0o666, { caller: ALICE });
    expect(await errnoOf(s.call('Unlink', { parent: sticky.inode, name: b('alices') }, { caller: BOB }))).toBe('EACCES');
    await s.call('Unlink', { parent: sticky.inode, name: b('alices') }, { caller: ALICE });
    const imm = await fs.mknod(d, 'imm');
    await s.call('SetAttr', { inode: imm.inode, set: SET_FLAG, flags: FLAG_IMMUTABLE });
    expect(await errnoOf(s.call('Unlink', { parent: d, name: b('imm') }))).toBe('EPERM');
    expect(await errnoOf(s.call('Unlink', { parent: ROOT_INO, name: b('.trash') }))).toBe('EPERM');
  });

  it('unlinking the last link frees the inode and its space', async () => {
    const d = await scratch();
    const before = await s.call('StatFS', { inode: ROOT_INO });
    const f = await fs.mknod(d, 'f');
    await s.call('SetXattr', { inode: f.inode, name: b('user.k'), value: b('v') });
    await s.call('Unlink', { parent: d, name: b('f') });
    expect(await errnoOf(fs.getattr(f.inode))).toBe('ENOENT');
    expect(await errnoOf(s.call('ListXattr', { inode: f.inode }))).toBe('ENOENT');
    const after = await s.call('StatFS', { inode: ROOT_INO });
    expect(after.usedInodes).toBe(before.usedInodes);
    expect(after.availSpace).toBe(before.availSpace);
  });
});

describe('rmdir', () => {
  it('errnos', async () => {
    const d = await scratch();
    const sub = await fs.mkdir(d, 'sub');
    await fs.mknod(sub.inode, 'f');
    expect(await errnoOf(s.call('Rmdir', { parent: d, name: b('sub') }))).toBe('ENOTEMPTY');
    expect(await errnoOf(s.call('Rmdir', { parent: d, name: b('.') }))).toBe('EINVAL');
    expect(await errnoOf(s.call('Rmdir', { parent: d, name: b('..') }))).toBe('ENOTEMPTY');
    expect(await errnoOf(s.call('Rmdir', { parent: sub.inode, name: b('f') }))).toBe('ENOTDIR');
    expect(await errnoOf(s.call('Rmdir', { parent: d, name: b('none') }))).toBe('ENOENT');
    await s.call('Unlink', { parent: sub.inode, name: b('f') });
    const nlink = (await fs.getattr(d)).nlink;
    await s.call('Rmdir', { parent: d, name: b('sub') });
    expect((await fs.getattr(d)).nlink).toBe(nlink - 1);
    expect(await errnoOf(fs.getattr(sub.inode))).toBe('ENOENT');
  });

  it('honours the sticky bit and parent permissions', async () => {
    const d = await scratch();
    await s.call('SetAttr', { inode: d, set: SET_MODE, mode: 0o1777 });
    await fs.mkdir(d, 'alices', 0o777, { caller: ALICE });
    expect(await errnoOf(s.call('Rmdir', { parent: d, name: b('alices') }, { caller: BOB }))).toBe('EACCES');
    await s.call('Rmdir', { parent: d, name: b('alices') }, { caller: ALICE });
  });
});

describe('rename', () => {
  it('moves within and across directories, keeping nlink right', async () => {
    const d = await scratch();
    const a = await fs.mkdir(d, 'a');
    const c = await fs.mkdir(d, 'c');
    const f = await fs.mknod(a.inode, 'f');
    await s.call('Rename', { parentSrc: a.inode, nameSrc: b('f'), parentDst: a.inode, nameDst: b('g') });
    const moved = await s.call('Rename', { parentSrc: a.inode, nameSrc: b('g'), parentDst: c.inode, nameDst: b('h') });
    expect(moved.attr?.inode).toBe(f.inode);
    expect(moved.attr?.parent).toBe(c.inode);
    const sub = await fs.mkdir(a.inode, 'sub');
    await s.call('Rename', { parentSrc: a.inode, nameSrc: b('sub'), parentDst: c.inode, nameDst: b('sub') });
    expect((await fs.getattr(a.inode)).nlink).toBe(2);
    expect((await fs.getattr(c.inode)).nlink).toBe(3);
    expect((await fs.lookup(sub.inode, '..')).inode).toBe(c.inode);
    expect(await fs.names(a.inode)).toEqual([]);
    expect((await fs.names(c.inode)).sort()).toEqual(['h', 'sub']);
  });

  it('replaces files and empty directories, refuses the rest', async () => {
    const d = await scratch();
    const f1 = await fs.mknod(d, 'f1');
    const f2 = await fs.mknod(d, 'f2');
    await fs.mkdir(d, 'd1');
    const d2 = await fs.mkdir(d, 'd2');
    await fs.mknod(d2.inode, 'inside');
    await fs.mkdir(d, 'd3');
    expect(await errnoOf(s.call('Rename', { parentSrc: d, nameSrc: b('d1'), parentDst: d, nameDst: b('f1') }))).toBe('ENOTDIR');
    expect(await errnoOf(s.call('Rename', { parentSrc: d, nameSrc: b('f1'), parentDst: d, nameDst: b('d1') }))).toBe('EISDIR');
    expect(await errnoOf(s.call('Rename', { parentSrc: d, nameSrc: b('d1'), parentDst: d, nameDst: b('d2') }))).toBe('ENOTEMPTY');
    expect(await errnoOf(s.call('Rename', { parentSrc: d, nameSrc: b('f1'), parentDst: d, nameDst: b('f2'), flags: NOREPLACE }))).toBe('EEXIST');
    await s.call('Rename', { parentSrc: d, nameSrc: b('f1'), parentDst: d, nameDst: b('f2') });
    expect(await errnoOf(fs.getattr(f2.inode))).toBe('ENOENT');
    expect((await fs.lookup(d, 'f2')).inode).toBe(f1.inode);
    const nlink = (await fs.getattr(d)).nlink;
    await s.call('Rename', { parentSrc: d, nameSrc: b('d1'), parentDst: d, nameDst: b('d3') });
    expect((await fs.getattr(d)).nlink).toBe(nlink - 1);
    expect(await errnoOf(s.call('Rename', { parentSrc: d, nameSrc: b('none'), parentDst: d, nameDst: b('x') }))).toBe('ENOENT');
  });

  it('a name onto itself or onto another link of the same inode is a no-op', async () => {
    const d = await scratch();
    const f = await fs.mknod(d, 'f');
    await s.call('Link', { inode: f.inode, parent: d, name: b('g') });
    await s.call('Rename', { parentSrc: d, nameSrc: b('f'), parentDst: d, nameDst: b('f') });
    await s.call('Rename', { parentSrc: d, nameSrc: b('f'), parentDst: d, nameDst: b('g') });
    expect((await fs.names(d)).sort()).toEqual(['f', 'g']);
    expect((await fs.getattr(f.inode)).nlink).toBe(2);
  });

  it('exchanges two entries, across directories too', async () => {
    const d = await scratch();
    const a = await fs.mkdir(d, 'a');
    const f = await fs.mknod(d, 'f');
    const before = (await fs.getattr(d)).nlink;
    await s.call('Rename', { parentSrc: d, nameSrc: b('f'), parentDst: a.inode, nameDst: b('x'), flags: EXCHANGE }).catch(() => undefined);
    await fs.mknod(a.inode, 'x');
    const x = await fs.lookup(a.inode, 'x');
    await s.call('Rename', { parentSrc: d, nameSrc: b('f'), parentDst: a.inode, nameDst: b('x'), flags: EXCHANGE });
    expect((await fs.lookup(d, 'f')).inode).toBe(x.inode);
    expect((await fs.lookup(a.inode, 'x')).inode).toBe(f.inode);
    const sub = await fs.mkdir(a.inode, 'sub');
    await s.call('Rename', { parentSrc: d, nameSrc: b('f'), parentDst: a.inode, nameDst: b('sub'), flags: EXCHANGE });
    expect((await fs.lookup(d, 'f')).inode).toBe(sub.inode);
    expect((await fs.lookup(sub.inode, '..')).inode).toBe(d);
    expect((await fs.getattr(d)).nlink).toBe(before + 1);
    expect((await fs.getattr(a.inode)).nlink).toBe(2);
    expect(await errnoOf(s.call('Rename', { parentSrc: d, nameSrc: b('f'), parentDst: d, nameDst: b('nope'), flags: EXCHANGE }))).toBe('ENOENT');
  });

  it('flags: WHITEOUT is ENOTSUP, unknown combinations EINVAL', async () => {
    const d = await scratch();
    await fs.mknod(d, 'f');
    expect(await errnoOf(s.call('Rename', { parentSrc: d, nameSrc: b('f'), parentDst: d, nameDst: b('g'), flags: WHITEOUT }))).toBe('ENOTSUP');
    expect(await errnoOf(s.call('Rename', { parentSrc: d, nameSrc: b('f'), parentDst: d, nameDst: b('g'), flags: NOREPLACE | EXCHANGE }))).toBe('EINVAL');
    expect(await errnoOf(s.call('Rename', { parentSrc: d, nameSrc: b('f'), parentDst: d, nameDst: b('a/b') }))).toBe('EINVAL');
  });

  it('never moves a directory below itself, at any depth', async () => {
    const d = await scratch();
    const a = await fs.mkdir(d, 'a');
    const b1 = await fs.mkdir(a.inode, 'b');
    const c = await fs.mkdir(b1.inode, 'c');
    const e = await fs.mkdir(c.inode, 'e');
    expect(await errnoOf(s.call('Rename', { parentSrc: d, nameSrc: b('a'), parentDst: a.inode, nameDst: b('x') }))).toBe('EPERM');
    expect(await errnoOf(s.call('Rename', { parentSrc: d, nameSrc: b('a'), parentDst: e.inode, nameDst: b('x') }))).toBe('EPERM');
    expect(await errnoOf(s.call('Rename', { parentSrc: a.inode, nameSrc: b('b'), parentDst: c.inode, nameDst: b('x') }))).toBe('EPERM');
    await s.call('Rename', { parentSrc: c.inode, nameSrc: b('e'), parentDst: d, nameDst: b('e') });
  });

  it('permissions: parents need W|X, sticky bit, moving a directory needs W on it', async () => {
    const d = await scratch();
    const ro = await fs.mkdir(d, 'ro', 0o755);
    await fs.mknod(ro.inode, 'f');
    const open = await fs.mkdir(d, 'open', 0o777);
    await s.call('SetAttr', { inode: open.inode, set: SET_MODE, mode: 0o777 });
    expect(await errnoOf(s.call('Rename', { parentSrc: ro.inode, nameSrc: b('f'), parentDst: open.inode, nameDst: b('f') }, { caller: ALICE }))).toBe('EACCES');
    await s.call('SetAttr', { inode: open.inode, set: SET_MODE, mode: 0o1777 });
    await fs.mknod(open.inode, 'bobs', 0o644, { caller: BOB });
    expect(await errnoOf(s.call('Rename', { parentSrc: open.inode, nameSrc: b('bobs'), parentDst: open.inode, nameDst: b('x') }, { caller: ALICE }))).toBe('EACCES');
    const dir = await fs.mkdir(open.inode, 'rodir', 0o555);
    await s.call('SetAttr', { inode: dir.inode, set: SET_UID, uid: ALICE.uid });
    const other = await fs.mkdir(d, 'other', 0o777);
    await s.call('SetAttr', { inode: other.inode, set: SET_MODE, mode: 0o777 });
    expect(await errnoOf(s.call('Rename', { parentSrc: open.inode, nameSrc: b('rodir'), parentDst: other.inode, nameDst: b('rodir') }, { caller: ALICE }))).toBe('EACCES');
  });
});

describe('setattr', () => {
  it('chmod, chown, chgrp rules', async () => {
    const d = await scratch();
    const f = await fs.mknod(d, 'f', 0o644, { caller: ALICE });
    expect((await s.call('SetAttr', { inode: f.inode, set: SET_MODE, mode: 0o600 }, { caller: ALICE })).attr?.mode).toBe(0o600);
    expect(await errnoOf(s.call('SetAttr', { inode: f.inode, set: SET_MODE, mode: 0o666 }, { caller: BOB }))).toBe('EPERM');
    expect(await errnoOf(s.call('SetAttr', { inode: f.inode, set: SET_UID, uid: BOB.uid }, { caller: ALICE }))).toBe('EPERM');
    expect(await errnoOf(s.call('SetAttr', { inode: f.inode, set: SET_GID, gid: 2000 }, { caller: ALICE }))).toBe('EPERM');
    expect(await errnoOf(s.call('SetAttr', { inode: f.inode, set: SET_GID, gid: 1000 }, { caller: BOB }))).toBe('EPERM');
    const alice2 = { ...ALICE, gids: [2000] };
    expect((await s.call('SetAttr', { inode: f.inode, set: SET_GID, gid: 2000 }, { caller: alice2 })).attr?.gid).toBe(2000);
    expect((await s.call('SetAttr', { inode: f.inode, set: SET_UID, uid: BOB.uid })).attr?.uid).toBe(BOB.uid);
  });

  it('clears setuid/setgid on chown and sets ctime', async () => {
    const d = await scratch();
    const f = await fs.mknod(d, 'f', 0o6755);
    expect(f.mode).toBe(0o6755);
    const res = (await s.call('SetAttr', { inode: f.inode, set: SET_UID, uid: ALICE.uid })).attr!;
    expect(res.mode).toBe(0o755);
    expect(BigInt(res.ctimeNs)).toBeGreaterThan(BigInt(f.ctimeNs));
    // root chown of a non-group-executable file keeps setgid
    const g = await fs.mknod(d, 'g', 0o6744);
    expect((await s.call('SetAttr', { inode: g.inode, set: SET_UID, uid: ALICE.uid })).attr?.mode).toBe(0o2744);
    // a non-root owner setting setgid without being in the group loses it
    const h = await fs.mknod(d, 'h', 0o644, { caller: ALICE });
    await s.call('SetAttr', { inode: h.inode, set: SET_GID, gid: 3000 });
    expect((await s.call('SetAttr', { inode: h.inode, set: SET_MODE, mode: 0o2755 }, { caller: ALICE })).attr?.mode).toBe(0o755);
  });

  it('times: explicit and now, with their permission rules', async () => {
    const d = await scratch();
    const f = await fs.mknod(d, 'f', 0o666, { caller: ALICE });
    const t = 1_600_000_000_123_456_789n;
    const res = (await s.call('SetAttr', { inode: f.inode, set: SET_ATIME | SET_MTIME, atimeNs: String(t), mtimeNs: String(t + 1n) }, { caller: ALICE })).attr!;
    expect(res.atimeNs).toBe(String(t));
    expect(res.mtimeNs).toBe(String(t + 1n));
    const now = (await s.call('SetAttr', { inode: f.inode, set: SET_MTIME_NOW | SET_ATIME_NOW }, { caller: BOB })).attr!;
    expect(BigInt(now.mtimeNs)).toBeGreaterThan(t + 1n);
    const g = await fs.mknod(d, 'g', 0o644, { caller: ALICE });
    expect(await errnoOf(s.call('SetAttr', { inode: g.inode, set: SET_MTIME_NOW }, { caller: BOB }))).toBe('EACCES');
    const r = await fs.mknod(d, 'r', 0o666);
    expect(await errnoOf(s.call('SetAttr', { inode: r.inode, set: SET_MTIME, mtimeNs: '5' }, { caller: BOB }))).toBe('EPERM');
    // nothing changes: attributes come back untouched, ctime included
    const same = (await s.call('SetAttr', { inode: g.inode, set: SET_MODE, mode: 0o644 }, { caller: ALICE })).attr!;
    expect(same.ctimeNs).toBe(g.ctimeNs);
    expect(await errnoOf(s.call('SetAttr', { inode: '999999', set: SET_MODE, mode: 0o644 }))).toBe('ENOENT');
  });

  it('append-only and immutable flags', async () => {
    const d = await scratch();
    const f = await fs.mknod(d, 'f');
    const res = (await s.call('SetAttr', { inode: f.inode, set: SET_FLAG, flags: FLAG_IMMUTABLE | FLAG_APPEND })).attr!;
    expect(res.flags).toBe(FLAG_IMMUTABLE | FLAG_APPEND);
    expect(await errnoOf(s.call('Rename', { parentSrc: d, nameSrc: b('f'), parentDst: d, nameDst: b('g') }))).toBe('EPERM');
    expect(await errnoOf(s.call('SetXattr', { inode: f.inode, name: b('user.a'), value: b('1') }))).toBe('EPERM');
    await s.call('SetAttr', { inode: f.inode, set: SET_FLAG, flags: 0 });
    await s.call('Rename', { parentSrc: d, nameSrc: b('f'), parentDst: d, nameDst: b('g') });
  });
});

describe('access', () => {
  it('checks owner, group, other bits; root passes', async () => {
    const d = await scratch();
    const f = await fs.mknod(d, 'f', 0o640, { caller: ALICE });
    await s.call('Access', { inode: f.inode, mask: 6 }, { caller: ALICE });
    await s.call('Access', { inode: f.inode, mask: 4 }, { caller: CAROL });
    expect(await errnoOf(s.call('Access', { inode: f.inode, mask: 2 }, { caller: CAROL }))).toBe('EACCES');
    expect(await errnoOf(s.call('Access', { inode: f.inode, mask: 4 }, { caller: BOB }))).toBe('EACCES');
    await s.call('Access', { inode: f.inode, mask: 7 });
    expect(await errnoOf(s.call('Access', { inode: '999999', mask: 4 }))).toBe('ENOENT');
  });
});

describe('readdir', () => {
  it('needs R, and X as well for attributes', async () => {
    const d = await scratch();
    const dir = await fs.mkdir(d, 'x', 0o744);
    await s.call('SetAttr', { inode: dir.inode, set: SET_MODE, mode: 0o744 });
    await s.call('Readdir', { inode: dir.inode }, { caller: ALICE });
    expect(await errnoOf(s.call('Readdir', { inode: dir.inode, plus: true }, { caller: ALICE }))).toBe('EACCES');
    await s.call('SetAttr', { inode: dir.inode, set: SET_MODE, mode: 0o711 });
    expect(await errnoOf(s.call('Readdir', { inode: dir.inode }, { caller: ALICE }))).toBe('EACCES');
  });

  it('lists "." and ".." first with attributes when asked', async () => {
    const d = await scratch();
    const sub = await fs.mkdir(d, 'sub');
    await fs.mknod(sub.inode, 'f');
    const page = await s.call('Readdir', { inode: sub.inode, plus: true });
    expect(page.entries.map((e) => [e.name.toString(), e.inode])).toEqual([['.', sub.inode], ['..', d], ['f', expect.any(String)]]);
    expect(page.entries[1]!.attr?.inode).toBe(d);
    expect(page.entries[2]!.attr?.type).toBe('FILE_TYPE_REGULAR');
    expect(page.eof).toBe(true);
  });
});

describe('parent times', () => {
  it('updates the parent mtime/ctime on entry changes', async () => {
    const d = await scratch();
    const t0 = (await fs.getattr(d)).mtimeNs;
    await fs.mknod(d, 'f');
    const t1 = (await fs.getattr(d)).mtimeNs;
    expect(BigInt(t1)).toBeGreaterThan(BigInt(t0));
    await s.call('Unlink', { parent: d, name: b('f') });
    expect(BigInt((await fs.getattr(d)).mtimeNs)).toBeGreaterThan(BigInt(t1));
  });
});

describe('xattrs', () => {
  it('set, get, list, remove with CREATE / REPLACE', async () => {
    const d = await scratch();
    const f = await fs.mknod(d, 'f');
    const name = b('user.color');
    expect(await errnoOf(s.call('GetXattr', { inode: f.inode, name }))).toBe('ENODATA');
    expect(await errnoOf(s.call('SetXattr', { inode: f.inode, name, value: b('red'), flags: 2 }))).toBe('ENODATA');
    await s.call('SetXattr', { inode: f.inode, name, value: b('red'), flags: 1 });
    expect(await errnoOf(s.call('SetXattr', { inode: f.inode, name, value: b('blue'), flags: 1 }))).toBe('EEXIST');
    await s.call('SetXattr', { inode: f.inode, name, value: b('blue'), flags: 2 });
    expect((await s.call('GetXattr', { inode: f.inode, name })).value.toString()).toBe('blue');
    await s.call('SetXattr', { inode: f.inode, name: b('user.a'), value: Buffer.alloc(0) });
    expect((await s.call('ListXattr', { inode: f.inode })).names.map(String)).toEqual(['user.a', 'user.color']);
    await s.call('RemoveXattr', { inode: f.inode, name });
    expect(await errnoOf(s.call('RemoveXattr', { inode: f.inode, name }))).toBe('ENODATA');
    expect(await errnoOf(s.call('SetXattr', { inode: f.inode, name, value: b('x'), flags: 3 }))).toBe('EINVAL');
    expect(await errnoOf(s.call('SetXattr', { inode: f.inode, name: b(''), value: b('x') }))).toBe('EINVAL');
    expect(await errnoOf(s.call('SetXattr', { inode: f.inode, name: Buffer.alloc(256, 0x61), value: b('x') }))).toBe('ERANGE');
    expect(await errnoOf(s.call('SetXattr', { inode: f.inode, name, value: Buffer.alloc(65537) }))).toBe('E2BIG');
    expect(await errnoOf(s.call('GetXattr', { inode: '999999', name }))).toBe('ENOENT');
  });

  it('user.* follows the file permission bits; trusted.* is root only', async () => {
    const d = await scratch();
    const f = await fs.mknod(d, 'f', 0o644, { caller: ALICE });
    await s.call('SetXattr', { inode: f.inode, name: b('user.k'), value: b('v') }, { caller: ALICE });
    expect((await s.call('GetXattr', { inode: f.inode, name: b('user.k') }, { caller: BOB })).value.toString()).toBe('v');
    expect(await errnoOf(s.call('SetXattr', { inode: f.inode, name: b('user.k'), value: b('w') }, { caller: BOB }))).toBe('EACCES');
    expect(await errnoOf(s.call('SetXattr', { inode: f.inode, name: b('trusted.k'), value: b('w') }, { caller: ALICE }))).toBe('EPERM');
    await s.call('SetXattr', { inode: f.inode, name: b('trusted.k'), value: b('w') });
  });
});
