import type { Session } from '@fsmeta/client';
import { ROOT_INO, b, errnoOf, fsOps } from '../harness/fs';
import { startEnv, type TestEnv } from '../harness/server';

/** A volume formatted case-insensitive at creation (JuiceFS CaseInsensi semantics, resolveCase). */

let env: TestEnv;
let s: Session;
let fs: ReturnType<typeof fsOps>;
let counter = 0;

async function scratch(): Promise<string> {
  return (await fs.mkdir(ROOT_INO, `t${++counter}`, 0o777)).inode;
}

beforeAll(async () => {
  env = await startEnv(1, { args: ['--volume-case-insensitive', 'true'] });
  s = await env.session();
  fs = fsOps(s);
});
afterAll(() => env.stop());

describe('case-insensitive volume', () => {
  it('is fixed at creation', async () => {
    const { format } = await s.call('GetFormat', {});
    expect(format!.caseInsensitive).toBe(true);
    expect(await errnoOf(s.call('Format', { format: { ...format!, caseInsensitive: false }, force: true }))).toBe('EINVAL');
  });

  it('finds names under another case and keeps the case they were created with', async () => {
    const d = await scratch();
    const f = await fs.mknod(d, 'ReadMe.TXT');
    expect((await fs.lookup(d, 'readme.txt')).inode).toBe(f.inode);
    expect((await fs.lookup(d, 'README.TXT')).inode).toBe(f.inode);
    expect(await fs.names(d)).toEqual(['ReadMe.TXT']);
    const u = await fs.mknod(d, 'Straße');
    expect((await fs.lookup(d, 'STRASSE')).inode).toBe(u.inode); // full case folding
    expect((await fs.lookup(d, 'straße')).inode).toBe(u.inode);
    // Bytes that are not UTF-8 match only exactly.
    const raw = Buffer.from([0x41, 0xff]);
    const r = (await s.call('Mknod', { parent: d, name: raw, type: 'FILE_TYPE_REGULAR', mode: 0o644 })).attr!;
    expect((await s.call('Lookup', { parent: d, name: raw })).attr!.inode).toBe(r.inode);
    expect(await errnoOf(s.call('Lookup', { parent: d, name: Buffer.from([0x61, 0xff]) }))).toBe('ENOENT');
    expect(await errnoOf(fs.lookup(d, 'readme.md'))).toBe('ENOENT');
  });

  it('refuses a second name that differs only in case (EEXIST); Create without O_EXCL opens the existing file', async () => {
    const d = await scratch();
    const f = await fs.mknod(d, 'Data');
    expect(await errnoOf(fs.mknod(d, 'data'))).toBe('EEXIST');
    expect(await errnoOf(fs.mkdir(d, 'DATA'))).toBe('EEXIST');
    expect(await errnoOf(s.call('Symlink', { parent: d, name: b('dAtA'), target: b('x') }))).toBe('EEXIST');
    expect(await errnoOf(s.call('Link', { inode: f.inode, parent: d, name: b('data') }))).toBe('EEXIST');
    expect(await errnoOf(s.call('Create', { parent: d, name: b('DATA'), mode: 0o644, flags: 0x80 }))).toBe('EEXIST');
    const opened = await s.call('Create', { parent: d, name: b('DATA'), mode: 0o644, flags: 0 });
    expect(opened.attr!.inode).toBe(f.inode);
    await s.call('Close', { inode: f.inode });
    expect(await fs.names(d)).toEqual(['Data']);
  });

  it('creates with racing case variants leave one entry', async () => {
    const d = await scratch();
    const variants = ['race', 'RACE', 'Race', 'rAcE', 'raCE', 'RaCe'];
    const results = await Promise.all(variants.map((n) => errnoOf(fs.mknod(d, n))));
    expect(results.filter((r) => r === undefined)).toHaveLength(1);
    expect(results.filter((r) => r === 'EEXIST')).toHaveLength(variants.length - 1);
    expect(await fs.names(d)).toHaveLength(1);
  });

  it('unlink, rmdir and rename reach entries under another case', async () => {
    const d = await scratch();
    const other = await scratch();
    await fs.mknod(d, 'File');
    await fs.mkdir(d, 'Dir');
    await s.call('Unlink', { parent: d, name: b('FILE') });
    await s.call('Rmdir', { parent: d, name: b('dir') });
    expect(await fs.names(d)).toEqual([]);
    // Changing only the case renames in place.
    const a = await fs.mknod(d, 'alpha');
    await s.call('Rename', { parentSrc: d, nameSrc: b('ALPHA'), parentDst: d, nameDst: b('Alpha'), flags: 0 });
    expect(await fs.names(d)).toEqual(['Alpha']);
    // A destination matching another entry replaces it and keeps its name.
    const target = await fs.mknod(other, 'Target');
    await s.call('Rename', { parentSrc: d, nameSrc: b('alpha'), parentDst: other, nameDst: b('TARGET'), flags: 0 });
    expect(await fs.names(other)).toEqual(['Target']);
    expect((await fs.lookup(other, 'target')).inode).toBe(a.inode);
    expect(await errnoOf(fs.getattr(target.inode))).toBe('ENOENT');
    const b2 = await fs.mknod(d, 'beta');
    expect(await errnoOf(s.call('Rename', { parentSrc: d, nameSrc: b('BETA'), parentDst: other, nameDst: b('tArGeT'), flags: 1 }))).toBe('EEXIST');
    expect((await fs.lookup(d, 'Beta')).inode).toBe(b2.inode);
  });
});
