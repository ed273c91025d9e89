import { Client } from 'pg';
import { ROOT_INO, b } from '../harness/fs';
import { RawClient, outcomeOf } from '../harness/raw';
import { ROOT, startEnv, type TestEnv } from '../harness/server';

/**
 * A mutation racing its own client retry (same session and request id), on
 * one replica or two: every attempt answers the one outcome that committed,
 * success payload or errno, and the mutation is applied once. Never INTERNAL.
 */
let env: TestEnv;
let raws: RawClient[];
let admin: Client;
let sid: string;

beforeAll(async () => {
  // Lock waits never time out here: the forced interleaving below holds a transaction open on purpose.
  env = await startEnv(2, { args: ['--lock-timeout-ms', '600000'] });
  raws = env.servers.map((s) => new RawClient(s.address));
  admin = new Client({ connectionString: env.databaseUrl });
  await admin.connect();
  sid = (await env.session()).id;
});
afterAll(async () => {
  for (const r of raws) r.close();
  await admin.end();
  await env.stop();
});

function ctx(requestId: string) {
  return { sessionId: sid, caller: ROOT, requestId };
}

interface AttrReply {
  attr: { inode: string };
}

async function refs(inode: string): Promise<number> {
  const r = await admin.query<{ refs: number }>('select refs from open_file where sid = $1 and inode = $2', [sid, inode]);
  return Number(r.rows[0]?.refs ?? 0);
}

async function waitFor(what: string, probe: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + 60_000;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('many identical Creates on two replicas: one file, opened once, every attempt answers its attributes', async () => {
  for (let k = 0; k < 6; k++) {
    const req = { ctx: ctx(`many-create-${k}`), parent: ROOT_INO, name: b(`many-${k}`), mode: 0o644, umask: 0 };
    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => raws[i % 2]!.call('Create', req)));
    expect(replies.map(outcomeOf)).toEqual(replies.map(() => 'OK'));
    const inodes = new Set(replies.map((r) => (r as AttrReply).attr.inode));
    expect(inodes.size).toBe(1);
    const [inode] = [...inodes];
    expect(await refs(inode!)).toBe(1);
    const looked = await raws[0]!.call('Lookup', { ctx: ctx(''), parent: ROOT_INO, name: b(`many-${k}`) });
    expect((looked as AttrReply).attr.inode).toBe(inode);
  }
});

it('many identical failing Mkdirs on two replicas: every attempt answers the same errno', async () => {
  await raws[0]!.call('Mkdir', { ctx: ctx('taken-first'), parent: ROOT_INO, name: b('taken'), mode: 0o755 });
  for (let k = 0; k < 4; k++) {
    const req = { ctx: ctx(`many-eexist-${k}`), parent: ROOT_INO, name: b('taken'), mode: 0o755 };
    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => raws[i % 2]!.call('Mkdir', req)));
    expect(replies.map(outcomeOf)).toEqual(replies.map(() => 'EEXIST'));
  }
});

/**
 * The interleaving seen under load, forced: the first attempt of a mutation
 * is held open at its commit (a deferred trigger waits for a lock this test
 * holds); its retry on the other replica spends every transaction attempt but
 * the last on (forced) serialization failures, and its last waits on the first
 * attempt's request-log row. When the first commits, the retry's insert fails
 * with a unique violation and no attempt is left: it must answer the first
 * attempt's outcome (it used to answer INTERNAL). NewSlices, because its body
 * meets the first attempt nowhere but in the request log.
 */
it('a retry that loses to its own first attempt on its last transaction attempt answers that attempt\'s outcome', async () => {
  const requestId = 'dup-gated';
  await admin.query(`
    create sequence gated_log_inserts;
    create function gated_log_insert() returns trigger language plpgsql as $$
    declare n bigint := nextval('gated_log_inserts');
    begin
      -- The first insert (the first attempt) passes; the next 19 attempts fail; the 20th
      -- (store/db.ts MAX_ATTEMPTS: the last) goes on and waits on the first attempt's row.
      if n between 2 and 20 then
        raise exception 'forced serialization failure' using errcode = '40001';
      end if;
      return new;
    end $$;
    create trigger gated_log_insert before insert on request_log
      for each row when (new.request_id = '${requestId}') execute function gated_log_insert();
    create function gated_commit() returns trigger language plpgsql as $$
    begin
      perform set_config('lock_timeout', '0', true);
      perform pg_advisory_xact_lock_shared(4242, 1);
      return null;
    end $$;
    create constraint trigger gated_commit after insert on request_log deferrable initially deferred
      for each row when (new.request_id = '${requestId}') execute function gated_commit();
  `);
  try {
    await admin.query('select pg_advisory_lock(4242, 1)');
    const req = { ctx: ctx(requestId), count: 7 };
    const first = raws[0]!.call('NewSlices', req, 120_000);
    await waitFor('the first attempt to wait at its commit', async () => {
      const r = await admin.query(`select 1 from pg_locks where locktype = 'advisory' and classid = 4242 and objid = 1 and not granted`);
      return r.rows.length > 0;
    });
    const retry = raws[1]!.call('NewSlices', req, 120_000);
    await waitFor("the retry's last attempt to wait on the first attempt", async () => {
      const seq = await admin.query<{ last_value: string }>('select last_value from gated_log_inserts');
      if (Number(seq.rows[0]!.last_value) < 21) return false;
      const r = await admin.query(`select 1 from pg_locks where locktype = 'transactionid' and not granted`);
      return r.rows.length > 0;
    });
    await admin.query('select pg_advisory_unlock(4242, 1)');
    const [a, b2] = await Promise.all([first, retry]);
    expect(outcomeOf(a)).toBe('OK');
    expect(outcomeOf(b2)).toBe('OK');
    expect(b2).toEqual(a);
    const rows = await admin.query('select 1 from request_log where sid = $1 and request_id = $2', [sid, requestId]);
    expect(rows.rows).toHaveLength(1);
  } finally {
    await admin.query('select pg_advisory_unlock_all()');
    await admin.query(`
      drop trigger gated_log_insert on request_log; drop function gated_log_insert(); drop sequence gated_log_inserts;
      drop trigger gated_commit on request_log; drop function gated_commit();
    `);
  }
});
