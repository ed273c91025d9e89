import { Client } from 'pg';
import { ROOT_INO, b } from '../harness/fs';
import { RawClient, outcomeOf } from '../harness/raw';
import { ROOT, startEnv, type TestEnv } from '../harness/server';

/**
 * A statement the database cancels for running past --statement-timeout-ms
 * (SQLSTATE 57014: a lock held elsewhere for longer, or a slow statement) is
 * the database not answering in time: UNAVAILABLE, which the client retries
 * with the same request id, never INTERNAL.
 */
let env: TestEnv;
let raw: RawClient;
let admin: Client;
let sid: string;

beforeAll(async () => {
  env = await startEnv(1, { args: ['--statement-timeout-ms', '300', '--lock-timeout-ms', '600000'] });
  raw = new RawClient(env.servers[0]!.address);
  admin = new Client({ connectionString: env.databaseUrl });
  await admin.connect();
  sid = (await env.session()).id;
});
afterAll(async () => {
  raw.close();
  await admin.end();
  await env.stop();
});

it('a mutation whose statement times out waiting for a lock answers UNAVAILABLE, and its retry lands once', async () => {
  const req = { ctx: { sessionId: sid, caller: ROOT, requestId: 'timed-out' }, parent: ROOT_INO, name: b('late'), mode: 0o755 };
  await admin.query('begin');
  // Mkdir locks its parent FOR UPDATE: held here past the statement timeout.
  await admin.query('select 1 from node where inode = 1 for update');
  let first: unknown;
  try {
    first = await raw.call('Mkdir', req, 60_000);
  } finally {
    await admin.query('rollback');
  }
  expect(outcomeOf(first)).toBe('UNAVAILABLE');
  const retry = await raw.call('Mkdir', req, 60_000);
  expect(outcomeOf(retry)).toBe('OK');
  const again = await raw.call('Mkdir', req, 60_000);
  expect(again).toEqual(retry);
});
