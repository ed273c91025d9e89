import type { Session } from '@fsmeta/client';
import { ROOT_INO, b, errnoOf, fsOps } from '../harness/fs';
import { startEnv, type TestEnv } from '../harness/server';
import { withPg } from './data-support';

/**
 * POSIX ACLs over the wire, against the Linux rules (posix_acl_permission,
 * posix_acl_create, posix_acl_chmod) through the system.posix_acl_* xattrs in
 * Linux's binary form.
 */

type Caller = { uid: number; gid: number; gids: number[] };
const ALICE: Caller = { uid: 1000, gid: 1000, gids: [] };
const BOB = { uid: 1001, gid: 1001, gids: [] };
const CAROL = { uid: 1002, gid: 1002, gids: [2000] }; // in group "devs" (2000)
const DAVE = { uid: 1003, gid: 1000, gids: [] }; // in alice's group
const EVE = { uid: 1004, gid: 1004, gids: [] };
const SET_MODE = 1;
const SET_UID = 2;
const SET_GID = 4;
const R = 4;
const W = 2;
const X = 1;

const ACCESS = b('system.posix_acl_access');
const DEFAULT = b('system.posix_acl_default');

type Entry = [tag: 'u' | 'U' | 'g' | 'G' | 'm' | 'o', perm: number, id?: number];
const TAGS = { u: 0x01, U: 0x02, g: 0x04, G: 0x08, m: 0x10, o: 0x20 } as const;

/** Linux's xattr form: version 2, then (tag u16, perm u16, id u32) little-endian. */
function acl(entries: Entry[], version = 2): Buffer {
  const out = Buffer.alloc(4 + entries.length * 8);
  out.writeUInt32LE(version, 0);
  entries.forEach(([tag, perm, id], i) => {
    out.writeUInt16LE(TAGS[tag], 4 + i * 8);
    out.writeUInt16LE(perm, 6 + i * 8);
    out.writeUInt32LE(id ?? 0xffffffff, 8 + i * 8);
  });
  return out;
}

let env: TestEnv;
let s: Session;
let fs: ReturnType<typeof fsOps>;
let counter = 0;

async function scratch(): Promise<string> {
  const d = await fs.mkdir(ROOT_INO, `t${++counter}`, 0o777);
  await s.call('SetAttr', { inode: d.inode, set: SET_MODE, mode: 0o777 });
  return d.inode;
}

/** A node owned by alice:1000 with `mode`. */
async function alices(parent: string, name: string, mode: number, dir = false): Promise<string> {
  const a = dir ? await fs.mkdir(parent, name, mode) : await fs.mknod(parent, name, mode);
  await s.call('SetAttr', { inode: a.inode, set: SET_MODE | SET_UID | SET_GID, mode, uid: ALICE.uid, gid: ALICE.gid });
  return a.inode;
}

async function can(caller: Caller, inode: string, mask: number): Promise<boolean> {
  const e = await errnoOf(s.call('Access', { inode, mask }, { caller }));
  if (e !== undefined && e !== 'EACCES') throw new Error(e);
  return e === undefined;
}

beforeAll(async () => {
  env = await startEnv();
  s = await env.session();
  fs = fsOps(s);
});
afterAll(() => env.stop());

describe('ACLs', () => {
  it('are refused until Format enable_acl, which cannot be undone', async () => {
    const d = await scratch();
    const f = await alices(d, 'f', 0o640);
    expect(await errnoOf(s.call('SetXattr', { inode: f, name: ACCESS, value: acl([['u', 6], ['g', 4], ['o', 0]]) }))).toBe('ENOTSUP');
    expect(await errnoOf(s.call('GetXattr', { inode: f, name: ACCESS }))).toBe('ENOTSUP');
    const { format } = await s.call('GetFormat', {});
    await s.call('Format', { format: { ...format!, enableAcl: true }, force: true });
    expect((await s.call('GetFormat', {})).format!.enableAcl).toBe(true);
    expect(await errnoOf(s.call('Format', { format: { ...format!, enableAcl: false }, force: true }))).toBe('EINVAL');
    expect(await errnoOf(s.call('GetXattr', { inode: f, name: ACCESS }))).toBe('ENODATA');
  });

  it('grant by owner, named user and group entries limited by the mask, as Linux', async () => {
    const d = await scratch();
    const f = await alices(d, 'f', 0o640);
    const value = acl([['u', 6], ['U', 6, BOB.uid], ['g', 4], ['G', 4, 2000], ['m', 6], ['o', 0]]);
    await s.call('SetXattr', { inode: f, name: ACCESS, value }, { caller: ALICE });
    expect((await s.call('GetXattr', { inode: f, name: ACCESS })).value).toEqual(value);
    expect((await fs.getattr(f)).mode).toBe(0o660); // group bits = mask
    const names = (await s.call('ListXattr', { inode: f })).names.map((n) => n.toString());
    expect(names).toContain('system.posix_acl_access');

    const matrix = async () => ({
      alice: [await can(ALICE, f, R), await can(ALICE, f, W), await can(ALICE, f, X)],
      bob: [await can(BOB, f, R), await can(BOB, f, W), await can(BOB, f, X)],
      carol: [await can(CAROL, f, R), await can(CAROL, f, W)],
      dave: [await can(DAVE, f, R), await can(DAVE, f, W)],
      eve: [await can(EVE, f, R)],
    });
    expect(await matrix()).toEqual({
      alice: [true, true, false],
      bob: [true, true, false], // user:bob:rw- & mask rw-
      carol: [true, false], // group:devs:r--
      dave: [true, false], // owning group r--
      eve: [false], // other ---
    });
    // chmod rewrites the mask: g=r limits bob to reading.
    await s.call('SetAttr', { inode: f, set: SET_MODE, mode: 0o640 }, { caller: ALICE });
    expect((await matrix()).bob).toEqual([true, false, false]);
    const after = (await s.call('GetXattr', { inode: f, name: ACCESS })).value;
    expect(after).toEqual(acl([['u', 6], ['U', 6, BOB.uid], ['g', 4], ['G', 4, 2000], ['m', 4], ['o', 0]]));
    // No group bits at all: Linux (acl_permission_check) skips the ACL and the mode decides, so named
    // users and groups get the other bits and the owning group gets nothing.
    await s.call('SetAttr', { inode: f, set: SET_MODE, mode: 0o604 }, { caller: ALICE });
    expect(await matrix()).toEqual({ alice: [true, true, false], bob: [true, false, false], carol: [true, false], dave: [false, false], eve: [true] });
    // Opening and writes use the ACL too.
    await s.call('SetAttr', { inode: f, set: SET_MODE, mode: 0o660 }, { caller: ALICE });
    expect(await errnoOf(s.call('Open', { inode: f, flags: 2 }, { caller: BOB }))).toBeUndefined();
    expect(await errnoOf(s.call('Open', { inode: f, flags: 2 }, { caller: EVE }))).toBe('EACCES');
  });

  it('a group match without the wanted bits denies, even when other would allow (no fall-through)', async () => {
    const d = await scratch();
    const f = await alices(d, 'f', 0o604);
    await s.call('SetXattr', { inode: f, name: ACCESS, value: acl([['u', 6], ['g', 0], ['G', 0, 2000], ['m', 7], ['o', 4]]) });
    expect(await can(EVE, f, R)).toBe(true);
    expect(await can(CAROL, f, R)).toBe(false);
    expect(await can(DAVE, f, R)).toBe(false);
  });

  it('directories: search and listing follow the ACL', async () => {
    const d = await scratch();
    const dir = await alices(d, 'dir', 0o750, true);
    await fs.mknod(dir, 'inside');
    await s.call('SetXattr', { inode: dir, name: ACCESS, value: acl([['u', 7], ['U', 1, BOB.uid], ['g', 5], ['m', 5], ['o', 0]]) });
    expect((await s.call('Lookup', { parent: dir, name: b('inside') }, { caller: BOB })).attr!.inode).toBeDefined();
    expect(await errnoOf(s.call('Readdir', { inode: dir }, { caller: BOB }))).toBe('EACCES');
    expect(await errnoOf(s.call('Lookup', { parent: dir, name: b('inside') }, { caller: EVE }))).toBe('EACCES');
    expect(await errnoOf(s.call('Mknod', { parent: dir, name: b('x'), type: 'FILE_TYPE_REGULAR', mode: 0o644 }, { caller: BOB }))).toBe('EACCES');
  });

  it('default ACLs are inherited and filter the create mode instead of the umask', async () => {
    const d = await scratch();
    const dir = await alices(d, 'proj', 0o770, true);
    const def = acl([['u', 7], ['U', 7, BOB.uid], ['g', 5], ['m', 7], ['o', 1]]);
    await s.call('SetXattr', { inode: dir, name: DEFAULT, value: def }, { caller: ALICE });
    expect((await s.call('GetXattr', { inode: dir, name: DEFAULT })).value).toEqual(def);
    expect(await errnoOf(s.call('GetXattr', { inode: dir, name: ACCESS }))).toBe('ENODATA');

    const file = (await s.call('Mknod', { parent: dir, name: b('f'), type: 'FILE_TYPE_REGULAR', mode: 0o666, umask: 0o022 }, { caller: ALICE })).attr!;
    expect(file.mode).toBe(0o660); // owner rw (7&6), mask rw (7&6, no umask), other --- (1&6)
    expect((await s.call('GetXattr', { inode: file.inode, name: ACCESS })).value).toEqual(
      acl([['u', 6], ['U', 7, BOB.uid], ['g', 5], ['m', 6], ['o', 0]]),
    );
    expect(await errnoOf(s.call('GetXattr', { inode: file.inode, name: DEFAULT }))).toBe('ENODATA');
    expect(await can(BOB, file.inode, R | W)).toBe(true);
    expect(await can(BOB, file.inode, X)).toBe(false); // rwx entry, rw- mask

    const sub = (await s.call('Mkdir', { parent: dir, name: b('sub'), mode: 0o755, umask: 0o077 }, { caller: ALICE })).attr!;
    expect(sub.mode).toBe(0o751); // umask ignored: 7&7, mask 7&5, other 1&5
    expect((await s.call('GetXattr', { inode: sub.inode, name: DEFAULT })).value).toEqual(def);
    // A grandchild inherits through the subdirectory.
    const deep = (await s.call('Mknod', { parent: sub.inode, name: b('g'), type: 'FILE_TYPE_REGULAR', mode: 0o600 }, { caller: ALICE })).attr!;
    expect(deep.mode).toBe(0o600);
    expect(await can(BOB, deep.inode, R)).toBe(false); // mask --- from the create mode
    // Symlinks take no ACL.
    const link = (await s.call('Symlink', { parent: dir, name: b('l'), target: b('f') }, { caller: ALICE })).attr!;
    expect(await errnoOf(s.call('GetXattr', { inode: link.inode, name: ACCESS }))).toBe('ENODATA');
    // A minimal default ACL only masks the mode.
    const plain = await alices(d, 'plain', 0o777, true);
    await s.call('SetXattr', { inode: plain, name: DEFAULT, value: acl([['u', 7], ['g', 5], ['o', 0]]) });
    const pf = (await s.call('Mknod', { parent: plain, name: b('f'), type: 'FILE_TYPE_REGULAR', mode: 0o666, umask: 0 })).attr!;
    expect(pf.mode).toBe(0o640);
    expect(await errnoOf(s.call('GetXattr', { inode: pf.inode, name: ACCESS }))).toBe('ENODATA');
  });

  it('rule sets are stored once and shared', async () => {
    const d = await scratch();
    const value = acl([['u', 6], ['U', 4, 4242], ['g', 4], ['m', 4], ['o', 0]]);
    const a = await alices(d, 'a', 0o640);
    const c = await alices(d, 'c', 0o600);
    await s.call('SetXattr', { inode: a, name: ACCESS, value });
    await s.call('SetXattr', { inode: c, name: ACCESS, value });
    const rows = await withPg(env.databaseUrl, async (pg) => {
      const ids = (await pg.query<{ id: string }>('select access_acl_id::text as id from node where inode = any($1::bigint[])', [[a, c]])).rows;
      const count = (await pg.query<{ n: string }>(`select count(*)::text as n from acl where named_users = decode('000010920004', 'hex')`)).rows;
      return { ids: ids.map((r) => r.id), count: count[0]!.n };
    });
    expect(rows.ids[0]).toBe(rows.ids[1]);
    expect(rows.ids[0]).not.toBe('0');
    expect(rows.count).toBe('1');
  });

  it('only the owner or root sets ACLs; malformed ones are EINVAL; minimal ones become the mode', async () => {
    const d = await scratch();
    const f = await alices(d, 'f', 0o600);
    const dir = await alices(d, 'dir', 0o700, true);
    const good = acl([['u', 6], ['U', 4, BOB.uid], ['g', 0], ['m', 4], ['o', 0]]);
    expect(await errnoOf(s.call('SetXattr', { inode: f, name: ACCESS, value: good }, { caller: BOB }))).toBe('EPERM');
    const bad: [string, Buffer][] = [
      ['version', acl([['u', 6], ['g', 4], ['o', 0]], 1)],
      ['truncated', acl([['u', 6], ['g', 4], ['o', 0]]).subarray(0, 13)],
      ['order', acl([['g', 4], ['u', 6], ['o', 0]])],
      ['no mask', acl([['u', 6], ['U', 4, BOB.uid], ['g', 4], ['o', 0]])],
      ['twice', acl([['u', 6], ['U', 4, BOB.uid], ['U', 6, BOB.uid], ['g', 4], ['m', 6], ['o', 0]])],
      ['perm', acl([['u', 8], ['g', 4], ['o', 0]])],
      ['no other', acl([['u', 6], ['g', 4]])],
      ['tag', acl([['u', 6], ['g', 4], ['o', 0]]).fill(0x40, 4, 5)],
    ];
    for (const [why, value] of bad) expect([why, await errnoOf(s.call('SetXattr', { inode: f, name: ACCESS, value }))]).toEqual([why, 'EINVAL']);
    expect(await errnoOf(s.call('SetXattr', { inode: f, name: DEFAULT, value: good }))).toBe('EACCES');
    expect(await errnoOf(s.call('RemoveXattr', { inode: f, name: DEFAULT }))).toBeUndefined(); // a no-op, as set_posix_acl
    // Minimal: the mode changes, no ACL is kept.
    await s.call('SetXattr', { inode: f, name: ACCESS, value: acl([['u', 7], ['g', 5], ['o', 1]]) }, { caller: ALICE });
    expect((await fs.getattr(f)).mode).toBe(0o751);
    expect(await errnoOf(s.call('GetXattr', { inode: f, name: ACCESS }))).toBe('ENODATA');
    // XATTR_CREATE / XATTR_REPLACE and removal.
    await s.call('SetXattr', { inode: f, name: ACCESS, value: good, flags: 1 });
    expect(await errnoOf(s.call('SetXattr', { inode: f, name: ACCESS, value: good, flags: 1 }))).toBe('EEXIST');
    expect(await errnoOf(s.call('SetXattr', { inode: dir, name: DEFAULT, value: good, flags: 2 }))).toBe('ENODATA');
    expect(await errnoOf(s.call('RemoveXattr', { inode: f, name: ACCESS }, { caller: BOB }))).toBe('EPERM');
    await s.call('RemoveXattr', { inode: f, name: ACCESS }, { caller: ALICE });
    expect(await errnoOf(s.call('GetXattr', { inode: f, name: ACCESS }))).toBe('ENODATA');
    expect(await errnoOf(s.call('RemoveXattr', { inode: f, name: ACCESS }))).toBe('ENODATA');
    expect((await s.call('ListXattr', { inode: f })).names.map(String)).not.toContain('system.posix_acl_access');
    // A header without entries removes too.
    await s.call('SetXattr', { inode: dir, name: DEFAULT, value: good });
    await s.call('SetXattr', { inode: dir, name: DEFAULT, value: acl([]) });
    expect(await errnoOf(s.call('GetXattr', { inode: dir, name: DEFAULT }))).toBe('ENODATA');
  });
});
