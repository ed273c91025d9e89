import * as grpc from '@grpc/grpc-js';
import { FsmetaError } from '@fsmeta/client';
import { Client } from 'pg';
import { checkInvariants } from '../harness/invariants';
import { startEnv, type TestEnv } from '../harness/server';
import { ROOT_INO, b } from '../harness/fs';

/**
 * Database faults against the shared PostgreSQL, limited to this file's own
 * database: backends terminated in the middle of transactions. (Restarts of
 * PostgreSQL need a cluster of their own: test/integration/faults.test.ts.)
 */
let env: TestEnv;
beforeAll(async () => {
  env = await startEnv(1, { poolSize: 4 });
});
afterAll(() => env.stop());

async function terminateBackends(databaseUrl: string): Promise<number> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const r = await c.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and application_name = 'fsmeta' and pid <> pg_backend_pid()`,
    );
    return r.rowCount ?? 0;
  } finally {
    await c.end();
  }
}

it('terminated backends: the replica stays up, calls succeed on retry or answer UNAVAILABLE, nothing acknowledged is lost', async () => {
  const s = await env.session();
  const dir = (await s.call('Mkdir', { parent: ROOT_INO, name: b('terminated'), mode: 0o755 })).attr!.inode;
  const acked: string[] = [];
  const failures = new Map<string, number>();
  let stop = false;
  const worker = async (w: number): Promise<void> => {
    for (let i = 0; !stop; i++) {
      const name = `w${w}-${i}`;
      try {
        await s.call('Mkdir', { parent: dir, name: b(name), mode: 0o755 });
        acked.push(name);
      } catch (err) {
        const code = err instanceof FsmetaError ? grpc.status[err.code] : String(err);
        failures.set(code, (failures.get(code) ?? 0) + 1);
      }
    }
  };
  const workers = [0, 1, 2, 3, 4, 5].map(worker);
  let terminated = 0;
  // Until enough backends died under load (each batch catches transactions mid-flight).
  for (let round = 0; round < 40 && (terminated < 30 || acked.length < 100); round++) {
    terminated += await terminateBackends(env.databaseUrl);
    await new Promise((r) => setTimeout(r, 50));
  }
  stop = true;
  await Promise.all(workers);
  expect(terminated).toBeGreaterThan(0);
  // Only UNAVAILABLE may surface (when every retry met a dying connection); never INTERNAL or UNKNOWN.
  expect([...failures.keys()].filter((k) => k !== 'UNAVAILABLE')).toEqual([]);
  const listed = new Set<string>();
  let cursor = Buffer.alloc(0);
  for (;;) {
    const page = await s.call('Readdir', { inode: dir, cursor, limit: 1000 });
    for (const e of page.entries) listed.add(Buffer.from(e.name).toString());
    if (page.eof) break;
    cursor = Buffer.from(page.nextCursor);
  }
  for (const name of acked) expect(listed.has(name)).toBe(true);
  expect(await checkInvariants(env.databaseUrl)).toEqual([]);
  // The replica still answers, and health says SERVING.
  await s.call('GetAttr', { inode: dir });
});
