import * as grpc from '@grpc/grpc-js';
import { FsmetaError, type Session } from '@fsmeta/client';
import { ROOT_INO, b } from '../harness/fs';
import { startEnv, type TestEnv } from '../harness/server';

/** @fsmeta/client refuses malformed 64-bit values instead of sending other numbers (protobufjs rewrites them). */
let env: TestEnv;
let s: Session;
beforeAll(async () => {
  env = await startEnv();
  s = await env.session();
});
afterAll(() => env.stop());

async function refusal(p: Promise<unknown>): Promise<FsmetaError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FsmetaError);
  return err as FsmetaError;
}

it.each([['1e3'], [1.5], ['abc'], [-5], ['-1'], ['18446744073709551617'], [''], [' 1'], ['0x10'], [Number.MAX_SAFE_INTEGER + 2], [{}], [true]])(
  'GetAttr inode %p is refused with a clear error naming the field',
  async (inode) => {
    const err = await refusal(s.call('GetAttr', { inode: inode as string }));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.message).toMatch(/GetAttr: inode: .*64-bit/);
  },
);

it('signed fields take negative values in range, and nothing beyond', async () => {
  const f = (await s.call('Create', { parent: ROOT_INO, name: b('times'), mode: 0o644 })).attr!;
  // Sent, not refused (what the server makes of a time before 1970 is its business).
  await s.call('SetAttr', { inode: f.inode, set: 1 << 5, mtimeNs: '-1000' });
  expect((await s.call('SetAttr', { inode: f.inode, set: 1 << 5, mtimeNs: '1000' })).attr?.mtimeNs).toBe('1000');
  const err = await refusal(s.call('SetAttr', { inode: f.inode, set: 1 << 5, mtimeNs: '9223372036854775808' }));
  expect(err.message).toMatch(/mtime_ns/);
});

it('well-formed values go through: decimal strings, safe integers, bigints, up to 2^64 - 1', async () => {
  expect((await s.call('GetAttr', { inode: '1' })).attr?.inode).toBe('1');
  expect((await s.call('GetAttr', { inode: 1 })).attr?.inode).toBe('1');
  expect((await s.call('GetAttr', { inode: 1n as unknown as string })).attr?.inode).toBe('1');
  // The client sends 2^64 - 1 as it is; the server says no such inode.
  const err = await refusal(s.call('GetAttr', { inode: '18446744073709551615' }));
  expect(err.errnoName).toBe('ENOENT');
  // Nested and repeated fields are checked too.
  expect((await refusal(s.call('AckSliceDeletions', { ids: ['1', '2.5'] }))).message).toMatch(/ids\[1\]/);
  expect((await refusal(env.client().call('Heartbeat', { sessionId: '-1' }))).message).toMatch(/session_id/);
});
