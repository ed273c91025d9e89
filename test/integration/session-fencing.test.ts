import { MetaClient } from '@fsmeta/client';
import type { RunningFsmeta } from '@fsmeta/fsmeta';
import { ROOT_INO, b } from '../harness/fs';
import { outcomeOf } from '../harness/raw';
import { ROOT, startEnv, startServer, type TestEnv } from '../harness/server';
import { waitFor } from './data-support';

/** Sessions past their expiry are fenced off, however busy; expiry is never starved; no race ends in INTERNAL. */
let env: TestEnv;
beforeAll(async () => {
  // Sessions expire after 5 x 400 ms without a heartbeat.
  env = await startEnv(1, { heartbeatMs: 400, jobIntervalMs: 100 });
});
afterAll(() => env.stop());

it('a busy session past its expiry gets ESTALE for mutations and opens, and the expiry job removes it', async () => {
  const setup = await env.session();
  const beat = setInterval(() => void setup.heartbeat().catch(() => undefined), 200);
  const file = (await setup.call('Create', { parent: ROOT_INO, name: b('fenced'), mode: 0o666 })).attr!.inode;
  clearInterval(beat);
  const s = await env.session();
  const seen = new Set<string>();
  let i = 0;
  // No heartbeats, only traffic: 8 mutations in flight at all times, each holding the session row share-locked.
  const started = Date.now();
  const busy = async (): Promise<void> => {
    while (Date.now() - started < 20_000) {
      const r = await s.call('SetAttr', { inode: file, set: 1, mode: 0o600 + (i++ % 64) }).then(() => 'OK', (e: unknown) => outcomeOf(e));
      seen.add(r);
      if (r === 'ESTALE') return;
    }
  };
  await Promise.all(Array.from({ length: 8 }, busy));
  expect([...seen].filter((r) => r !== 'OK' && r !== 'ESTALE')).toEqual([]);
  expect(seen.has('ESTALE')).toBe(true);
  expect(outcomeOf(await s.call('Open', { inode: file, flags: 0 }).catch((e: unknown) => e))).toBe('ESTALE');
  expect(outcomeOf(await s.call('Mkdir', { parent: ROOT_INO, name: b('late'), mode: 0o755 }).catch((e: unknown) => e))).toBe('ESTALE');
  expect(outcomeOf(await s.heartbeat().catch((e: unknown) => e))).toBe('ESTALE');
  await waitFor('the expiry job to remove the session', async () => !(await env.client().call('ListSessions', {})).sessions.some((x) => x.sessionId === s.id));
});

it('a session past its expiry is fenced even before the expiry job runs', async () => {
  // A replica whose jobs never run in this test: fencing does not wait for the cleanup.
  const lazy: RunningFsmeta = await startServer(env.databaseUrl, { heartbeatMs: 400, jobIntervalMs: 3_600_000 });
  const c = new MetaClient(lazy.address);
  try {
    const s = await c.newSession(ROOT);
    await s.call('Mkdir', { parent: ROOT_INO, name: b('before-expiry'), mode: 0o755 });
    // Past the 2 s expiry, by the database's clock.
    await new Promise((r) => setTimeout(r, 2500));
    expect(outcomeOf(await s.call('Mkdir', { parent: ROOT_INO, name: b('after-expiry'), mode: 0o755 }).catch((e: unknown) => e))).toBe('ESTALE');
    // A failing mutation (EEXIST) of an expired session is ESTALE too: nothing is recorded for it.
    expect(outcomeOf(await s.call('Mkdir', { parent: ROOT_INO, name: b('before-expiry'), mode: 0o755 }).catch((e: unknown) => e))).toBe('ESTALE');
  } finally {
    c.close();
    await lazy.stop();
  }
});

it('writes racing the removal of their session answer OK or ESTALE, never INTERNAL', async () => {
  const outcomes = new Set<string>();
  for (let round = 0; round < 6; round++) {
    const s = await env.session();
    const hb = setInterval(() => void s.heartbeat().catch(() => undefined), 200);
    const writes = Array.from({ length: 20 }, (_, i) =>
      s.call('Mkdir', { parent: ROOT_INO, name: b(`race-${round}-${i}`), mode: 0o755 }).then(() => 'OK', (e: unknown) => outcomeOf(e)),
    );
    await new Promise((r) => setTimeout(r, round % 3));
    const closed = s.close();
    for (const r of await Promise.all(writes)) outcomes.add(r);
    await closed;
    clearInterval(hb);
  }
  expect([...outcomes].filter((r) => r !== 'OK' && r !== 'ESTALE')).toEqual([]);
});
