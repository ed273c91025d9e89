import * as grpc from '@grpc/grpc-js';
import { FsmetaError, MetaClient, type Session } from '@fsmeta/client';
import { ROOT, startEnv, startServer, type TestEnv } from '../harness/server';
import { ROOT_INO, b, errnoOf, fsOps } from '../harness/fs';

/**
 * Format without `force` on a formatted volume, as JuiceFS's Init(format, false): the mutable
 * settings are updated in place with the UUID kept; the name, block size and case sensitivity are
 * refused with EINVAL naming the field; the same settings are a no-op.
 */

const TRASH = (0x7fff_ffff_1000_0000n).toString();

let env: TestEnv;
let s: Session;

beforeAll(async () => {
  env = await startEnv();
  s = await env.session();
});
afterAll(() => env.stop());

async function current() {
  const { format } = await s.call('GetFormat', {});
  return format!;
}

async function refusal(p: Promise<unknown>): Promise<{ errno: string | undefined; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FsmetaError) return { errno: err.errnoName, message: err.message };
    throw err;
  }
  throw new Error('the Format was accepted');
}

describe('Format without force on a formatted volume', () => {
  it('is a no-op success with the same settings, keeping the UUID', async () => {
    const before = await current();
    const again = await s.call('Format', { format: { ...before, uuid: '' }, force: false });
    expect(again.format).toEqual(before);
    expect(await current()).toEqual(before);
  });

  it.each([
    ['name', { name: 'other-name' }, 'format.name'],
    ['block size', { blockSizeKib: 1024 }, 'format.block_size_kib'],
    ['case sensitivity', { caseInsensitive: true }, 'format.case_insensitive'],
  ])('refuses to change the %s with EINVAL naming the field, with or without force', async (_what, change, field) => {
    const before = await current();
    for (const force of [false, true]) {
      const r = await refusal(s.call('Format', { format: { ...before, ...change }, force }));
      expect(r.errno).toBe('EINVAL');
      expect(r.message).toContain(field);
    }
    expect(await current()).toEqual(before);
  });

  it('refuses a change of a fixed field together with mutable ones, changing nothing', async () => {
    const before = await current();
    const r = await refusal(s.call('Format', { format: { ...before, name: 'other-name', capacity: '1073741824' }, force: false }));
    expect(r.errno).toBe('EINVAL');
    expect(r.message).toContain('format.name');
    expect(await current()).toEqual(before);
  });

  it('updates capacity and inodes, visible in GetFormat and StatFS', async () => {
    const before = await current();
    const res = await s.call('Format', { format: { ...before, capacity: String(1n << 30n), inodes: '1000' }, force: false });
    expect(res.format).toMatchObject({ uuid: before.uuid, capacity: String(1n << 30n), inodes: '1000' });
    expect(await current()).toMatchObject({ uuid: before.uuid, capacity: String(1n << 30n), inodes: '1000' });
    const st = await s.call('StatFS', { inode: ROOT_INO });
    expect(st.totalSpace).toBe(String(1n << 30n));
    expect(BigInt(st.availInodes) + BigInt(st.usedInodes)).toBe(1000n);
    // The limits are enforced, not only reported (0 is no limit: one inode is used first).
    await s.call('Mkdir', { parent: ROOT_INO, name: b('limits'), mode: 0o755 });
    const used = (await s.call('StatFS', { inode: ROOT_INO })).usedInodes;
    expect(BigInt(used)).toBeGreaterThan(0n);
    await s.call('Format', { format: { ...(await current()), inodes: used }, force: false });
    expect(await errnoOf(s.call('Mkdir', { parent: ROOT_INO, name: b('over-limit'), mode: 0o755 }))).toBe('ENOSPC');
    await s.call('Format', { format: { ...(await current()), capacity: '0', inodes: '0' }, force: false });
    const open = await s.call('StatFS', { inode: ROOT_INO });
    expect(open.totalSpace).toBe(String(1n << 50n));
    await s.call('Mkdir', { parent: ROOT_INO, name: b('over-limit'), mode: 0o755 });
  });

  it('turns the trash on, and the next Unlink goes to the trash', async () => {
    const fs = fsOps(s);
    const before = await current();
    expect(before.trashDays).toBe(0);
    const gone = await fs.mknod(ROOT_INO, 'before-trash');
    await s.call('Unlink', { parent: ROOT_INO, name: b('before-trash') });
    expect(await errnoOf(s.call('GetAttr', { inode: gone.inode }))).toBe('ENOENT');

    const res = await s.call('Format', { format: { ...before, trashDays: 1 }, force: false });
    expect(res.format).toMatchObject({ uuid: before.uuid, trashDays: 1 });
    expect((await current()).trashDays).toBe(1);
    const kept = await fs.mknod(ROOT_INO, 'into-trash');
    await s.call('Unlink', { parent: ROOT_INO, name: b('into-trash') });
    const attr = await fs.getattr(kept.inode);
    const hour = await s.call('GetAttr', { inode: attr.parent });
    expect(hour.attr?.parent).toBe(TRASH);

    await s.call('Format', { format: { ...(await current()), trashDays: 0 }, force: false });
    expect((await current()).trashDays).toBe(0);
  });

  it('turns directory statistics, user/group quotas and ACLs on; ACLs stay on', async () => {
    const fs = fsOps(s);
    const dir = await fs.mkdir(ROOT_INO, 'stats', 0o755);
    await fs.mknod(dir.inode, 'f');
    const acl = Buffer.from([2, 0, 0, 0, 1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff, 4, 0, 4, 0, 0xff, 0xff, 0xff, 0xff, 0x20, 0, 4, 0, 0xff, 0xff, 0xff, 0xff]);
    const setAcl = () => s.call('SetXattr', { inode: dir.inode, name: b('system.posix_acl_access'), value: acl, flags: 0 });
    expect(await errnoOf(setAcl())).toBe('ENOTSUP');
    const before = await current();
    const res = await s.call('Format', { format: { ...before, dirStats: true, userGroupQuota: true, enableAcl: true }, force: false });
    expect(res.format).toMatchObject({ uuid: before.uuid, dirStats: true, userGroupQuota: true, enableAcl: true });
    expect(res.dirStatsBuild).toBeFalsy(); // a small volume is computed within the Format
    expect(await current()).toMatchObject({ dirStats: true, userGroupQuota: true, enableAcl: true });
    const stat = await s.call('GetDirStat', { inode: dir.inode });
    expect(BigInt(stat.inodes)).toBe(1n);
    // ACLs are now enforced: setting one is accepted (it was ENOTSUP with ACLs off).
    await setAcl();

    const r = await refusal(s.call('Format', { format: { ...(await current()), enableAcl: false }, force: false }));
    expect(r.errno).toBe('EINVAL');
    expect(r.message).toContain('format.enable_acl');
    const off = await s.call('Format', { format: { ...(await current()), dirStats: false, userGroupQuota: false }, force: false });
    expect(off.format).toMatchObject({ uuid: before.uuid, dirStats: false, userGroupQuota: false, enableAcl: true });
  });

  it('updates the atime mode, storage and bucket', async () => {
    const before = await current();
    const res = await s.call('Format', { format: { ...before, atimeMode: 'ATIME_MODE_RELATIME', storage: 's3', bucket: 'https://b.example/x' }, force: false });
    expect(res.format).toMatchObject({ uuid: before.uuid, atimeMode: 'ATIME_MODE_RELATIME', storage: 's3', bucket: 'https://b.example/x' });
    expect(await current()).toMatchObject({ atimeMode: 'ATIME_MODE_RELATIME', storage: 's3', bucket: 'https://b.example/x' });
  });

  it('keeps a malformed format INVALID_ARGUMENT', async () => {
    await expect(s.call('Format', { format: { ...(await current()), blockSizeKib: 100 }, force: false })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      message: expect.stringContaining('format.block_size_kib'),
    });
  });

  it('a server starting on the formatted volume keeps the settings set meanwhile', async () => {
    const before = await current();
    await s.call('Format', { format: { ...before, trashDays: 3, capacity: '123456789' }, force: false });
    const server = await startServer(env.databaseUrl);
    const client = new MetaClient(server.address, { deadlineMs: 30_000 });
    try {
      const t = await client.newSession(ROOT, { hostName: 'test' });
      const { format } = await t.call('GetFormat', {});
      expect(format).toMatchObject({ uuid: before.uuid, trashDays: 3, capacity: '123456789' });
      await t.close();
    } finally {
      client.close();
      await server.stop();
    }
  });
});
