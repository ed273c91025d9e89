import type { Session } from '@fsmeta/client';
import { Client } from 'pg';
import { b, ROOT_INO } from '../harness/fs';
import { startEnv, type TestEnv } from '../harness/server';
import { SliceIds, allInvariants, waitFor } from './data-support';

/**
 * ClaimSliceDeletions against a release in progress, made deterministic: the
 * release job is off (jobs every hour), and "a release in progress" is a
 * transaction of the test's own holding the file's release row, exactly as
 * the job does while it works. The claim must wait for it, then see the
 * file's slices; it used to skip the row and answer without them.
 */
let env: TestEnv;
let s: Session;
let ids: SliceIds;

beforeAll(async () => {
  env = await startEnv(1, { jobIntervalMs: 3_600_000 });
  s = await env.session();
  ids = new SliceIds(s);
});
afterAll(() => env.stop());

it('a claim waits for a release in progress and offers the slices it frees', async () => {
  const { attr } = await s.call('Create', { parent: ROOT_INO, name: b('released'), mode: 0o644 });
  const written: string[] = [];
  for (let i = 0; i < 3; i++) {
    const id = (await ids.take()).toString();
    await s.call('Write', { inode: attr!.inode, chunkIndex: 0, pos: i * 4096, slice: { id, size: 4096, off: 0, len: 4096 } });
    written.push(id);
  }
  await s.call('Close', { inode: attr!.inode });
  await s.call('Unlink', { parent: ROOT_INO, name: b('released') });

  const holder = new Client({ connectionString: env.databaseUrl, application_name: 'release-in-progress' });
  await holder.connect();
  try {
    await holder.query('begin');
    const held = await holder.query('select inode from file_release where inode = $1 for update', [attr!.inode]);
    expect(held.rowCount).toBe(1);
    const claim = s.call('ClaimSliceDeletions', { limit: 1000, leaseMs: 60_000 });
    // The claim is blocked on the held row (not done without it).
    await waitFor('the claim to wait for the release row', async () => {
      const r = await holder.query(
        `select count(*)::int as n from pg_stat_activity
          where datname = current_database() and application_name = 'fsmeta' and wait_event_type = 'Lock'`,
      );
      return r.rows[0].n > 0;
    });
    await holder.query('rollback');
    const got = (await claim).slices.map((x) => x.id);
    expect(got.sort()).toEqual([...written].sort());
    expect((await s.call('AckSliceDeletions', { ids: got })).acked).toBe(written.length);
  } finally {
    await holder.end();
  }
  expect(await allInvariants(env.databaseUrl)).toEqual([]);
});
