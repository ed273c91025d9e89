import { Client } from 'pg';
import { ROOT_INO, b } from '../harness/fs';
import { RawClient, outcomeOf } from '../harness/raw';
import { ROOT, startEnv, type TestEnv } from '../harness/server';

/**
 * Close releases the lock owner's file locks under the inode's file-lock
 * advisory lock, as SetLk and Flock change them (docs/locking.md "File
 * locks"): a lock request of the same owner that read the owner's records
 * before the Close deleted them cannot write them back after it. Invariant:
 * no record of a lock acquired before a Close began survives the Close.
 */
let env: TestEnv;
let raw: RawClient;
let admin: Client;
let sid: string;
let seq = 0;

beforeAll(async () => {
  // The forced interleaving holds transactions open on purpose: lock waits must not time out.
  env = await startEnv(1, { args: ['--lock-timeout-ms', '600000'] });
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

function ctx() {
  return { sessionId: sid, caller: ROOT, requestId: `lc-${++seq}` };
}

async function call(method: string, req: object): Promise<unknown> {
  const res = await raw.call(method, { ctx: ctx(), ...req }, 120_000);
  expect(`${method} ${outcomeOf(res)}`).toBe(`${method} OK`);
  return res;
}

async function createFile(name: string): Promise<string> {
  const res = (await call('Create', { parent: ROOT_INO, name: b(name), mode: 0o644, umask: 0 })) as { attr: { inode: string } };
  return res.attr.inode;
}

/** The owner's POSIX record ranges on the inode, as "start-end". */
async function ranges(inode: string, owner: string): Promise<string[]> {
  const rows = await admin.query<{ records: Buffer }>('select records from plock where inode = $1 and sid = $2 and owner = $3', [inode, sid, owner]);
  const out: string[] = [];
  const rec = rows.rows[0]?.records;
  for (let i = 0; rec !== undefined && i + 24 <= rec.length; i += 24) out.push(`${rec.readBigInt64BE(i + 8)}-${rec.readBigInt64BE(i + 16)}`);
  return out;
}

async function waitFor(what: string, probe: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + 60_000;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function advisoryWaiters(classid: number, objid?: number): Promise<number> {
  const r = await admin.query(
    `select 1 from pg_locks where locktype = 'advisory' and not granted and classid = $1 and ($2::int is null or objid = $2)`,
    [classid, objid ?? null],
  );
  return r.rows.length;
}

const LOCKS_ADVISORY_SPACE = 0x6c6b;

function setlk(inode: string, owner: string, start: number, end: number): Promise<unknown> {
  return call('SetLk', { inode, owner, type: 'LOCK_TYPE_WRITE', start: String(start), end: String(end), pid: 7, block: false });
}

/**
 * Forced: SetLk A of owner O holds the inode's lock-change lock (held at its
 * write by a trigger waiting on gate 1); SetLk B of O queues behind it; A
 * commits and answers; B reads A's record and is held at its write (gate 2);
 * now Close(O) begins, after A answered, so A's record must not outlive it.
 * Without the advisory lock the Close deleted A's row under B, and B wrote
 * it back.
 */
it('a Close that begins after a SetLk answered leaves none of its records, whatever a concurrent SetLk of the owner read', async () => {
  const inode = await createFile('forced');
  const owner = '41';
  await admin.query(`
    create function gated_plock() returns trigger language plpgsql as $$
    begin
      perform set_config('lock_timeout', '0', true);
      -- 24 bytes a record: A writes one, B (A's and its own) two.
      if length(new.records) = 24 then perform pg_advisory_xact_lock_shared(4243, 1);
      else perform pg_advisory_xact_lock_shared(4243, 2);
      end if;
      return new;
    end $$;
    create trigger gated_plock before insert on plock
      for each row when (new.inode = ${BigInt(inode)} and new.owner = ${owner}) execute function gated_plock();
  `);
  try {
    await admin.query('select pg_advisory_lock(4243, 1), pg_advisory_lock(4243, 2)');
    const a = setlk(inode, owner, 0, 9);
    await waitFor('SetLk A to be held at its write', async () => (await advisoryWaiters(4243, 1)) > 0);
    const bLock = setlk(inode, owner, 20, 29);
    await waitFor('SetLk B to wait for the lock-change lock', async () => (await advisoryWaiters(LOCKS_ADVISORY_SPACE)) > 0);
    await admin.query('select pg_advisory_unlock(4243, 1)');
    await a;
    await waitFor('SetLk B to be held at its write', async () => (await advisoryWaiters(4243, 2)) > 0);
    let closed = false;
    const close = call('Close', { inode, lockOwner: owner }).then(() => {
      closed = true;
    });
    // The Close either finished (it did not wait for B: the race) or waits for B's lock-change lock.
    await waitFor('the Close to finish or wait for SetLk B', async () => closed || (await advisoryWaiters(LOCKS_ADVISORY_SPACE)) > 0);
    await admin.query('select pg_advisory_unlock(4243, 2)');
    await Promise.all([bLock, close]);
    const left = await ranges(inode, owner);
    expect(left).not.toContain('0-9');
  } finally {
    await admin.query('select pg_advisory_unlock_all()');
    await admin.query('drop trigger gated_plock on plock; drop function gated_plock()');
  }
});

it('concurrent SetLks and Closes of one owner: a record acquired before a Close began never survives it', async () => {
  const inode = await createFile('raced');
  for (let round = 0; round < 25; round++) {
    const owner = String(100 + round);
    await call('Open', { inode, flags: 2 });
    // Each round's ranges of its own: a concurrent SetLk's record may outlive the Close, legitimately.
    const base = round * 1000;
    await setlk(inode, owner, base, base + 9);
    const concurrent = Array.from({ length: 4 }, (_, i) => setlk(inode, owner, base + 20 + 10 * i, base + 25 + 10 * i));
    await Promise.all([call('Close', { inode, lockOwner: owner }), ...concurrent]);
    expect(await ranges(inode, owner)).not.toContain(`${base}-${base + 9}`);
  }
});
