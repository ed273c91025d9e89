import type { Session } from '@fsmeta/client';
import { ROOT, startEnv, type TestEnv } from '../harness/server';
import { ROOT_INO, b, errnoOf, fsOps } from '../harness/fs';
import { allInvariants, queuedDeletions, waitFor, withPg } from './data-support';

/**
 * The trash over the wire, on two replicas (JuiceFS semantics): removals go to
 * /.trash/<YYYY-MM-DD-HH>/<parent>-<inode>-<name>, root restores them, the
 * expiry job (or CleanupTrash) deletes them for good and their data goes
 * through the release path to the slice-deletion queue.
 */

const TRASH = (0x7fff_ffff_1000_0000n).toString();
const ALICE = { uid: 1000, gid: 1000, gids: [] };
const NOREPLACE = 1;
const RESTORE = 32;
const SET_MODE = 1;
const SET_FLAG = 1 << 15;
const FLAG_SKIP_TRASH = 32;
const O_WRONLY = 1;

let env: TestEnv;
let s0: Session; // replica 0
let s1: Session; // replica 1
let fs0: ReturnType<typeof fsOps>;
let fs1: ReturnType<typeof fsOps>;
let counter = 0;

const HOUR = /^\d{4}-\d{2}-\d{2}-\d{2}$/;

/** The hour directory (inode and name) a trashed inode sits in: its parent, named in the trash root. */
async function hourOf(inode: string): Promise<{ hour: string; name: string }> {
  const hour = (await fs0.getattr(inode)).parent;
  const name = [...(await entries(s0, TRASH)).entries()].find(([, ino]) => ino === hour)?.[0];
  expect(name).toMatch(HOUR);
  return { hour, name: name! };
}

async function setTrashDays(days: number): Promise<void> {
  const { format } = await s0.call('GetFormat', {});
  await s0.call('Format', { format: { ...format!, trashDays: days }, force: true });
}

async function scratch(): Promise<string> {
  const d = await fs0.mkdir(ROOT_INO, `t${++counter}`, 0o777);
  await s0.call('SetAttr', { inode: d.inode, set: SET_MODE, mode: 0o777 });
  return d.inode;
}

/** A file holding one written slice; returns its inode and slice id. */
async function fileWithData(parent: string, name: string, s = s0): Promise<{ inode: string; slice: string }> {
  const { attr } = await s.call('Create', { parent, name: b(name), mode: 0o666, flags: 0 });
  const { firstId } = await s.call('NewSlices', { count: 1 });
  await s.call('Write', { inode: attr!.inode, chunkIndex: 0, pos: 0, slice: { id: firstId, size: 4096, off: 0, len: 4096 } });
  await s.call('Close', { inode: attr!.inode });
  return { inode: attr!.inode, slice: firstId };
}

/** Entries of a directory as root sees them: name -> inode. */
async function entries(s: Session, inode: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor: Buffer = Buffer.alloc(0);
  for (;;) {
    const page = await s.call('Readdir', { inode, cursor });
    for (const e of page.entries) if (e.name.toString() !== '.' && e.name.toString() !== '..') out.set(e.name.toString(), e.inode);
    cursor = page.nextCursor;
    if (page.eof) return out;
  }
}

beforeAll(async () => {
  env = await startEnv(2, { jobIntervalMs: 200 });
  s0 = await env.session(ROOT, 0);
  s1 = await env.session(ROOT, 1);
  fs0 = fsOps(s0);
  fs1 = fsOps(s1);
  await setTrashDays(1);
});
afterEach(async () => {
  expect(await allInvariants(env.databaseUrl)).toEqual([]);
});
afterAll(() => env.stop());

describe('removals go to the trash', () => {
  it('unlink, rmdir and a replaced rename target land in the hour directory and still count', async () => {
    const d = await scratch();
    const f = await fileWithData(d, 'f');
    const sub = await fs0.mkdir(d, 'sub');
    const victim = await fs0.mknod(d, 'victim');
    await fs0.mknod(d, 'src');
    const before = await s0.call('StatFS', { inode: ROOT_INO });

    await s0.call('Unlink', { parent: d, name: b('f') });
    await s0.call('Rmdir', { parent: d, name: b('sub') });
    await s0.call('Rename', { parentSrc: d, nameSrc: b('src'), parentDst: d, nameDst: b('victim'), flags: 0 });

    expect(await errnoOf(fs0.lookup(d, 'f'))).toBe('ENOENT');
    expect((await fs0.getattr(d)).nlink).toBe(2);
    // The trash is ".trash" in the root, not an entry of the root.
    const trash = await fs1.lookup(ROOT_INO, '.trash');
    expect(trash.inode).toBe(TRASH);
    expect(trash.mode).toBe(0o555);
    expect(await fs1.names(ROOT_INO)).not.toContain('.trash');
    const { hour, name: hourName } = await hourOf(f.inode);
    expect((await hourOf(sub.inode)).hour).toBe(hour);
    // The hour directory is named after the current UTC hour (give or take the hour turning meanwhile).
    const started = Date.parse(`${hourName.slice(0, 10)}T${hourName.slice(11)}:00:00Z`);
    expect(Math.abs(Date.now() - started)).toBeLessThan(2 * 3600_000);
    const inHour = await entries(s1, hour!);
    expect(inHour.get(`${d}-${f.inode}-f`)).toBe(f.inode);
    expect(inHour.get(`${d}-${sub.inode}-sub`)).toBe(sub.inode);
    expect(inHour.get(`${d}-${victim.inode}-victim`)).toBe(victim.inode);
    const moved = await fs1.getattr(f.inode);
    expect(moved.parent).toBe(hour);
    expect(moved.nlink).toBe(1);
    // Space and inodes still count: nothing was given back.
    const after = await s0.call('StatFS', { inode: ROOT_INO });
    expect(BigInt(after.usedInodes)).toBeGreaterThanOrEqual(BigInt(before.usedInodes));
    expect(BigInt(after.availSpace)).toBeLessThanOrEqual(BigInt(before.availSpace));
    // The data is still there.
    expect((await s1.call('Read', { inode: f.inode, chunkIndex: 0 })).slices[0]!.id).toBe(f.slice);
  });

  it('is read-only and root only', async () => {
    const d = await scratch();
    await fs0.mknod(d, 'g');
    const g = await fs0.mknod(d, 'g2');
    await s0.call('Unlink', { parent: d, name: b('g') });
    await s0.call('Unlink', { parent: d, name: b('g2') });
    const { hour, name: hourName } = await hourOf(g.inode);
    const [name, ino] = [...(await entries(s0, hour)).entries()].find(([n]) => n.endsWith('-g'))!;
    expect(await errnoOf(s0.call('Lookup', { parent: ROOT_INO, name: b('.trash') }, { caller: ALICE }))).toBe('EACCES');
    expect(await errnoOf(s0.call('Readdir', { inode: hour }, { caller: ALICE }))).toBe('EACCES');
    expect(await errnoOf(s0.call('Mknod', { parent: hour, name: b('x'), type: 'FILE_TYPE_REGULAR', mode: 0o644 }))).toBe('EPERM');
    expect(await errnoOf(s0.call('Mkdir', { parent: TRASH, name: b('x'), mode: 0o755 }))).toBe('EPERM');
    expect(await errnoOf(s0.call('Link', { inode: ino, parent: hour, name: b('x') }))).toBe('EPERM');
    expect(await errnoOf(s0.call('Rename', { parentSrc: d, nameSrc: b('nothing'), parentDst: hour, nameDst: b('x'), flags: 0 }))).toBe('EPERM');
    expect(await errnoOf(s0.call('Unlink', { parent: hour, name: b(name) }, { caller: ALICE }))).toBe('EPERM');
    expect(await errnoOf(s0.call('Rmdir', { parent: TRASH, name: b(hourName) }))).toBe('EPERM');
    expect(await errnoOf(s0.call('Rename', { parentSrc: hour, nameSrc: b(name), parentDst: d, nameDst: b('g'), flags: NOREPLACE | RESTORE }, { caller: ALICE }))).toBe('EPERM');
    expect(await errnoOf(s0.call('Open', { inode: ino, flags: O_WRONLY }))).toBe('EPERM');
    expect(await errnoOf(s0.call('SetAttr', { inode: ino, set: SET_MODE, mode: 0o600 }))).toBe('EPERM');
    expect(await errnoOf(s0.call('Truncate', { inode: ino, length: '1' }))).toBe('EPERM');
    expect(await errnoOf(s0.call('Open', { inode: ino, flags: 0 }))).toBeUndefined();
    await s0.call('Close', { inode: ino });
    // Root may delete from the trash for good.
    await s0.call('Unlink', { parent: hour, name: b(name) });
    expect(await errnoOf(fs0.getattr(ino))).toBe('ENOENT');
  });
});

describe('the largest trash_days', () => {
  it('a u32 trash_days (4294967295) keeps removals, overwrites and cleanup working', async () => {
    await setTrashDays(4294967295);
    try {
      const dir = await scratch();
      const { inode } = await fileWithData(dir, 'long');
      // An overwrite delays the replaced slice's deletion by trash_days.
      const { firstId } = await s0.call('NewSlices', { count: 1 });
      await s0.call('Write', { inode, chunkIndex: 0, pos: 0, slice: { id: firstId, size: 4096, off: 0, len: 4096 } });
      await s0.call('Unlink', { parent: dir, name: b('long') });
      await hourOf(inode);
      await s0.call('CleanupTrash', { beforeNs: '0' });
    } finally {
      await setTrashDays(1);
    }
  });
});

describe('restore', () => {
  it('moves an entry back with RENAME_RESTORE, on another replica', async () => {
    const d = await scratch();
    const f = await fileWithData(d, 'keep');
    await s0.call('Unlink', { parent: d, name: b('keep') });
    const { hour } = await hourOf(f.inode);
    const name = `${d}-${f.inode}-keep`;
    expect(await errnoOf(s1.call('Rename', { parentSrc: hour, nameSrc: b(name), parentDst: d, nameDst: b('keep'), flags: RESTORE }))).toBe('EINVAL');
    await s1.call('Rename', { parentSrc: hour, nameSrc: b(name), parentDst: d, nameDst: b('keep'), flags: NOREPLACE | RESTORE });
    const back = await fs0.lookup(d, 'keep');
    expect(back.inode).toBe(f.inode);
    expect(back.parent).toBe(d);
    expect((await s0.call('Read', { inode: f.inode, chunkIndex: 0 })).slices[0]!.id).toBe(f.slice);
    expect((await entries(s0, hour)).has(name)).toBe(false);
  });

  it('restores a whole hour directory, directories and what was in them', async () => {
    const d = await scratch();
    const dir = await fs0.mkdir(d, 'dir');
    const inner = await fileWithData(dir.inode, 'inner');
    const taken = await fs0.mknod(d, 'taken');
    await s0.call('Unlink', { parent: dir.inode, name: b('inner') });
    await s0.call('Rmdir', { parent: d, name: b('dir') });
    await s0.call('Unlink', { parent: d, name: b('taken') });
    await fs0.mknod(d, 'taken'); // the name is taken again: that entry stays in the trash
    // Entries removed around the turn of an hour sit in two hour directories: restore each.
    const hourNames = new Set([(await hourOf(dir.inode)).name, (await hourOf(inner.inode)).name, (await hourOf(taken.inode)).name]);
    let restored = 0;
    let skipped = 0;
    for (const hourName of hourNames) {
      const res = await s1.call('RestoreTrash', { hour: b(hourName) });
      restored += res.restored;
      skipped += res.skipped;
    }
    const hourName = [...hourNames][0]!;
    expect(restored).toBeGreaterThanOrEqual(2);
    expect(skipped).toBeGreaterThanOrEqual(1);
    expect((await fs0.getattr(taken.inode)).parent).not.toBe(d);
    expect((await fs0.lookup(d, 'dir')).inode).toBe(dir.inode);
    expect((await fs0.lookup(dir.inode, 'inner')).inode).toBe(inner.inode);
    expect((await fs0.getattr(d)).nlink).toBe(3);
    expect(await errnoOf(s1.call('RestoreTrash', { hour: b(hourName) }, { caller: ALICE }))).toBe('EPERM');
    expect(await errnoOf(s1.call('RestoreTrash', { hour: b('1999-01-01-00') }))).toBe('ENOENT');
  });
});

describe('skipping the trash', () => {
  it('a skip-trash session and the skip-trash flag delete for good', async () => {
    const d = await scratch();
    const { sessionId } = await env.client(1).call('NewSession', { info: { hostName: 'skip' }, readOnly: false, skipTrash: true });
    const skipper = env.client(1).session(sessionId, ROOT);
    const a = await fs0.mknod(d, 'a');
    await skipper.call('Unlink', { parent: d, name: b('a') });
    expect(await errnoOf(fs0.getattr(a.inode))).toBe('ENOENT');

    const flagged = await fs0.mkdir(d, 'flagged');
    await s0.call('SetAttr', { inode: flagged.inode, set: SET_FLAG, flags: FLAG_SKIP_TRASH });
    const child = await fs0.mknod(flagged.inode, 'child');
    expect(child.flags).toBe(FLAG_SKIP_TRASH);
    await s0.call('Unlink', { parent: flagged.inode, name: b('child') });
    expect(await errnoOf(fs0.getattr(child.inode))).toBe('ENOENT');
    await skipper.close();
  });
});

describe('expiry', () => {
  it('CleanupTrash deletes old hour directories; their data reaches the slice-deletion queue', async () => {
    const d = await scratch();
    const f = await fileWithData(d, 'gone');
    await s0.call('Unlink', { parent: d, name: b('gone') });
    expect(await errnoOf(s0.call('CleanupTrash', { beforeNs: String(BigInt(Date.now() + 7_200_000) * 1_000_000n) }, { caller: ALICE }))).toBe('EPERM');
    // Nothing is old enough yet.
    expect((await s1.call('CleanupTrash', { beforeNs: '1' })).removed).toBe('0');
    const res = await s1.call('CleanupTrash', { beforeNs: String(BigInt(Date.now() + 7_200_000) * 1_000_000n) });
    expect(BigInt(res.removed)).toBeGreaterThan(0n);
    expect(await errnoOf(fs0.getattr(f.inode))).toBe('ENOENT');
    expect((await entries(s0, TRASH)).size).toBe(0);
    // The release job of either replica may be releasing the file right now: claim until the slice shows up.
    const claimed: string[] = [];
    await waitFor('the slice to be offered for deletion', async () => {
      claimed.push(...(await s0.call('ClaimSliceDeletions', { limit: 1000 })).slices.map((x) => x.id));
      return claimed.includes(f.slice);
    });
    await s0.call('AckSliceDeletions', { ids: claimed });
  });

  it('the job removes trash past trash_days on its own, replicas sharing it', async () => {
    const d = await scratch();
    const files: { inode: string; slice: string }[] = [];
    for (let i = 0; i < 5; i++) files.push(await fileWithData(d, `old${i}`, i % 2 === 0 ? s0 : s1));
    for (let i = 0; i < 5; i++) await (i % 2 === 0 ? s1 : s0).call('Unlink', { parent: d, name: b(`old${i}`) });
    // Let the hour directories be years old (the clock moving on), as the job sees them.
    await withPg(env.databaseUrl, (c) =>
      c.query(
        `update edge e set name = convert_to(format('2000-01-%s-00', lpad(r.n::text, 2, '0')), 'UTF8')
           from (select inode, row_number() over () as n from edge where parent = $1) r where e.parent = $1 and e.inode = r.inode`,
        [TRASH],
      ),
    );
    await waitFor('the expiry job to empty the trash', async () => (await entries(s0, TRASH)).size === 0);
    for (const f of files) expect(await errnoOf(fs1.getattr(f.inode))).toBe('ENOENT');
    await waitFor('released data to reach the deletion queue', async () => {
      const queued = await queuedDeletions(env.databaseUrl);
      return files.every((f) => queued.has(f.slice));
    });
  });
});

describe('turning the trash off and on', () => {
  it('Format with force switches removals between trash and deletion', async () => {
    const d = await scratch();
    await setTrashDays(0);
    const x = await fs0.mknod(d, 'x');
    await s0.call('Unlink', { parent: d, name: b('x') });
    expect(await errnoOf(fs0.getattr(x.inode))).toBe('ENOENT');
    expect((await fs0.lookup(ROOT_INO, '.trash')).inode).toBe(TRASH); // kept while off
    await setTrashDays(2);
    const y = await fs0.mknod(d, 'y');
    await s1.call('Unlink', { parent: d, name: b('y') });
    expect((await fs0.getattr(y.inode)).parent).not.toBe(d);
    expect((await s0.call('GetFormat', {})).format!.trashDays).toBe(2);
  });
});
