import type { Session, v1 } from '@fsmeta/client';
import { unpackEntries } from '@fsmeta/fsmeta';
import { ROOT_INO, aclXattr, b } from '../harness/fs';
import { startEnv, type TestEnv } from '../harness/server';

/**
 * Readdir's page as PostgreSQL packs it (store/nodes.ts readDirPage: one bytea
 * of fixed-width fields, unpacked by unpackEntries): every entry's attributes,
 * listed with attributes, are those GetAttr answers, whatever their values
 * (32-bit ids at the top of their range, 64-bit lengths and times,
 * ACLs, a hard link's parent 0, devices), names of any bytes and length, and
 * pages of any size; without attributes, the inode and type.
 */
let env: TestEnv;
let s: Session;

beforeAll(async () => {
  env = await startEnv();
  s = await env.session();
  const { format } = await s.call('GetFormat', {});
  await s.call('Format', { format: { ...format!, uuid: '', enableAcl: true }, force: true });
});
afterAll(() => env.stop());

/** A POSIX ACL xattr value granting user 1000 read. */
const ACL = aclXattr([[0x01, 6, 0xffffffff], [0x02, 4, 1000], [0x04, 4, 0xffffffff], [0x10, 4, 0xffffffff], [0x20, 0, 0xffffffff]]);

it('lists every entry with the attributes GetAttr answers, page by page', async () => {
  const dir = (await s.call('Mkdir', { parent: ROOT_INO, name: b('packed'), mode: 0o755, umask: 0 })).attr!.inode;
  const names: Buffer[] = [];
  const mk = async (name: Buffer, type: v1.FileType = 'FILE_TYPE_REGULAR', rdev = 0): Promise<string> => {
    names.push(name);
    return (await s.call('Mknod', { parent: dir, name, mode: 0o644, type, rdev })).attr!.inode;
  };
  const big = await mk(b('big'));
  await s.call('Truncate', { inode: big, length: String(2n ** 40n + 3n) });
  await s.call('SetAttr', { inode: big, set: 2 | 4 | 16 | 32, uid: 0xffffffff, gid: 0xfffffffe, atimeNs: String(2n ** 61n + 5n), mtimeNs: String(2n ** 62n) });
  const withAcl = await mk(b('acl'));
  await s.call('SetXattr', { inode: withAcl, name: b('system.posix_acl_access'), value: ACL });
  const linked = await mk(b('linked'));
  names.push(b('linked-too'));
  await s.call('Link', { inode: linked, parent: dir, name: b('linked-too') });
  await mk(b('chr'), 'FILE_TYPE_CHAR_DEVICE', 0x0103);
  await mk(b('fifo'), 'FILE_TYPE_FIFO');
  names.push(b('sub'), b('sym'));
  const sub = (await s.call('Mkdir', { parent: dir, name: b('sub'), mode: 0o2775, umask: 0 })).attr!.inode;
  await s.call('SetXattr', { inode: sub, name: b('system.posix_acl_default'), value: ACL });
  await s.call('Symlink', { parent: dir, name: b('sym'), target: b('x'.repeat(300)) });
  await s.call('SetAttr', { inode: dir, set: 32768, flags: 0 });
  // Names of every byte but "/" and NUL, and the longest.
  for (let i = 0; i < 12; i++) {
    const name = Buffer.from(Array.from({ length: 1 + i * 23 }, (_, j) => 1 + ((i * 37 + j * 11) % 255)).map((x) => (x === 0x2f ? 0x30 : x)));
    await mk(name);
  }
  await mk(Buffer.alloc(255, 0xff));
  const sorted = [...names].sort(Buffer.compare).map((n) => n.toString('hex'));

  for (const limit of [0, 1, 3, 7, 1000]) {
    const listed: v1.Entry__Output[] = [];
    let cursor: Buffer = Buffer.alloc(0);
    for (;;) {
      const page = await s.call('Readdir', { inode: dir, cursor, limit, plus: true });
      listed.push(...page.entries);
      cursor = page.nextCursor;
      if (page.eof) break;
    }
    const entries = listed.filter((e) => e.name.toString() !== '.' && e.name.toString() !== '..');
    expect(entries.map((e) => e.name.toString('hex'))).toEqual(sorted);
    for (const e of entries) {
      expect(e.attr).toEqual((await s.call('GetAttr', { inode: e.inode })).attr);
      expect(e.type).toBe(e.attr!.type);
    }
  }
  const bigEntry = (await s.call('Readdir', { inode: dir, plus: true })).entries.find((e) => e.name.equals(b('big')))!;
  expect(bigEntry.attr).toMatchObject({ length: String(2n ** 40n + 3n), uid: 0xffffffff, gid: 0xfffffffe, atimeNs: String(2n ** 61n + 5n), mtimeNs: String(2n ** 62n) });
  const bare = (await s.call('Readdir', { inode: dir, plus: false })).entries.filter((e) => e.name.toString() !== '.' && e.name.toString() !== '..');
  expect(bare.map((e) => e.name.toString('hex'))).toEqual(sorted);
  for (const e of bare) {
    expect(e.attr).toBeNull();
    expect(e.type).toBe((await s.call('GetAttr', { inode: e.inode })).attr!.type);
  }
  // An empty directory lists nothing but itself and its parent.
  const empty = (await s.call('Mkdir', { parent: dir, name: b('empty'), mode: 0o755, umask: 0 })).attr!.inode;
  expect((await s.call('Readdir', { inode: empty, plus: true })).entries.map((e) => e.name.toString())).toEqual(['.', '..']);
});

it('unpacks every value a column can hold, as the text PostgreSQL sends', () => {
  const I64 = ['0', '1', '9', '10', '999999999999999', '1000000000000000', '9007199254740991', '9007199254740993', '9223372036854775807', '-1', '-9223372036854775808', '-123456789012345678'];
  const U32 = ['0', '1', '420', '2147483647', '4294967295'];
  let seed = 7;
  const pick = (xs: string[]): string => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return xs[seed % xs.length]!;
  };
  for (const plus of [true, false]) {
    const rows: string[][] = [];
    for (let i = 0; i < 200; i++) {
      const name = Buffer.from(Array.from({ length: 1 + (i % 255) }, (_, j) => 1 + ((i + j * 7) % 255))).toString('hex');
      rows.push(
        plus
          ? [name, pick(I64), String(1 + (i % 7)), pick(U32), pick(U32), pick(U32), pick(U32), pick(U32), pick(I64), pick(I64), pick(I64), pick(U32), pick(I64), pick(I64), pick(['0', '3', '4294967295']), pick(['0', '5'])]
          : [name, pick(I64), String(1 + (i % 7))],
      );
    }
    const entries = unpackEntries(rows.map((r) => r.join(',')).join(';'), plus);
    expect(entries).toHaveLength(rows.length);
    entries.forEach((e, i) => {
      const f = rows[i]!;
      expect([e.name.toString('hex'), e.inode, e.type]).toEqual([f[0], BigInt(f[1]!), Number(f[2])]);
      if (!plus) return expect(e.attr).toBeUndefined();
      const n = (k: number): number => Number(f[k]);
      expect(e.attr).toEqual({
        inode: BigInt(f[1]!), type: n(2), flags: n(3), mode: n(4), uid: n(5), gid: n(6), rdev: n(7), atimeNs: BigInt(f[8]!), mtimeNs: BigInt(f[9]!),
        ctimeNs: BigInt(f[10]!), nlink: n(11), length: BigInt(f[12]!), parent: BigInt(f[13]!), ...(n(14) !== 0 ? { accessAcl: n(14) } : {}), ...(n(15) !== 0 ? { defaultAcl: n(15) } : {}),
      });
    });
  }
});
