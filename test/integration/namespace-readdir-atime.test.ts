import type { Session } from '@fsmeta/client';
import { ROOT_INO, b, fsOps } from '../harness/fs';
import { startEnv, type TestEnv } from '../harness/server';

describe('readdir under concurrent changes', () => {
  let env: TestEnv;
  let s: Session;
  beforeAll(async () => {
    env = await startEnv(2);
    s = await env.session();
  });
  afterAll(() => env.stop());

  it('returns no name twice and skips none that existed throughout', async () => {
    const dir = (await fsOps(s).mkdir(ROOT_INO, 'busy', 0o777)).inode;
    const stable = Array.from({ length: 120 }, (_, i) => `s${String(i).padStart(3, '0')}`);
    for (const n of stable) await s.call('Mknod', { parent: dir, name: b(n), mode: 0o644, type: 'FILE_TYPE_REGULAR' });
    const churn = await env.session(undefined, 1);
    let stop = false;
    // Another replica keeps creating, renaming and deleting names that sort between the stable ones.
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const n = `s${String(i % 120).padStart(3, '0')}x${i}`;
        await churn.call('Mknod', { parent: dir, name: b(n), mode: 0o644, type: 'FILE_TYPE_REGULAR' });
        await churn.call('Rename', { parentSrc: dir, nameSrc: b(n), parentDst: dir, nameDst: b(`a${n}`) });
        if (i % 2 === 0) await churn.call('Unlink', { parent: dir, name: b(`a${n}`) });
      }
    })();
    for (let round = 0; round < 5; round++) {
      const seen: string[] = [];
      let cursor: Buffer = Buffer.alloc(0);
      for (;;) {
        const page = await s.call('Readdir', { inode: dir, cursor, limit: 7 });
        seen.push(...page.entries.map((e) => e.name.toString()));
        cursor = page.nextCursor;
        if (page.eof) break;
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.slice(0, 2)).toEqual(['.', '..']);
      for (const n of stable) expect(seen).toContain(n);
    }
    stop = true;
    await writer;
  });
});

describe.each(['relatime', 'strictatime'] as const)('atime mode %s', (mode) => {
  let env: TestEnv;
  let s: Session;
  beforeAll(async () => {
    env = await startEnv(1, { atimeMode: mode });
    s = await env.session();
  });
  afterAll(() => env.stop());

  it('updates atime on readlink and readdir as the mode says', async () => {
    const old = '1000000000000000000';
    const { attr: link } = await s.call('Symlink', { parent: ROOT_INO, name: b(`l-${mode}`), target: b('t') });
    await s.call('SetAttr', { inode: link!.inode, set: 16, atimeNs: old });
    await s.call('ReadLink', { inode: link!.inode });
    const after = (await s.call('GetAttr', { inode: link!.inode })).attr!;
    expect(BigInt(after.atimeNs)).toBeGreaterThan(BigInt(old));
    // Right after an update neither mode writes again within the same second.
    await s.call('ReadLink', { inode: link!.inode });
    expect((await s.call('GetAttr', { inode: link!.inode })).attr!.atimeNs).toBe(after.atimeNs);
    const dir = (await s.call('Mkdir', { parent: ROOT_INO, name: b(`d-${mode}`), mode: 0o755 })).attr!;
    await s.call('SetAttr', { inode: dir.inode, set: 16, atimeNs: old });
    await s.call('Readdir', { inode: dir.inode });
    expect(BigInt((await s.call('GetAttr', { inode: dir.inode })).attr!.atimeNs)).toBeGreaterThan(BigInt(old));
  });
});

describe('atime mode noatime (default)', () => {
  let env: TestEnv;
  let s: Session;
  beforeAll(async () => {
    env = await startEnv(1);
    s = await env.session();
  });
  afterAll(() => env.stop());

  it('never writes atime on reads', async () => {
    const old = '1000000000000000000';
    const { attr: link } = await s.call('Symlink', { parent: ROOT_INO, name: b('l'), target: b('t') });
    await s.call('SetAttr', { inode: link!.inode, set: 16, atimeNs: old });
    await s.call('ReadLink', { inode: link!.inode });
    expect((await s.call('GetAttr', { inode: link!.inode })).attr!.atimeNs).toBe(old);
  });
});
