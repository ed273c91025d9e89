import * as grpc from '@grpc/grpc-js';
import { Client } from 'pg';
import { FsmetaError, type Session, type v1 } from '@fsmeta/client';
import { b, errnoOf, ROOT_INO } from '../harness/fs';
import { checkLockInvariants } from '../harness/lock-invariants';
import { startEnv, type TestEnv } from '../harness/server';

/**
 * Flock, GetLk and SetLk over the wire (baseMeta semantics), blocking waits
 * woken by NOTIFY, fairness, contention across three replicas, and release
 * by Close, CloseSession and session expiry.
 */

const MAX = '18446744073709551615';
type LockTypeName = 'LOCK_TYPE_READ' | 'LOCK_TYPE_WRITE' | 'LOCK_TYPE_UNLOCK';
const R: LockTypeName = 'LOCK_TYPE_READ';
const W: LockTypeName = 'LOCK_TYPE_WRITE';
const U: LockTypeName = 'LOCK_TYPE_UNLOCK';

let env: TestEnv;
let dir: string;
let seq = 0;

beforeAll(async () => {
  env = await startEnv(3);
  // Waiters must be woken by notifications: the safety-net poll is made too slow to pass any test here.
  for (const s of env.servers) s.meta.deps.options.lockPollMs = 60_000;
  const s = await env.session();
  dir = (await s.call('Mkdir', { parent: ROOT_INO, name: b('locks'), mode: 0o777 })).attr!.inode;
});
afterEach(async () => {
  expect(await checkLockInvariants(env.databaseUrl)).toEqual([]);
});
afterAll(() => env.stop());

/** A new file, open in every given session. */
async function fileOpenIn(...sessions: Session[]): Promise<string> {
  const { attr } = await sessions[0]!.call('Create', { parent: dir, name: b(`f${++seq}`), mode: 0o666, flags: 0 });
  for (const s of sessions.slice(1)) await s.call('Open', { inode: attr!.inode, flags: 2 });
  return attr!.inode;
}

function flock(s: Session, inode: string, owner: string, type: LockTypeName, opts: { block?: boolean; deadlineMs?: number; signal?: AbortSignal; requestId?: string } = {}) {
  return s.call('Flock', { inode, owner, type, block: opts.block ?? false }, opts);
}

function setlk(
  s: Session,
  inode: string,
  owner: string,
  type: LockTypeName,
  start: string | number,
  end: string | number,
  opts: { block?: boolean; pid?: number; deadlineMs?: number; signal?: AbortSignal; requestId?: string } = {},
) {
  return s.call('SetLk', { inode, owner, type, start: String(start), end: String(end), pid: opts.pid ?? 1, block: opts.block ?? false }, opts);
}

async function getlk(s: Session, inode: string, owner: string, type: LockTypeName, start: string | number, end: string | number) {
  const r = await s.call('GetLk', { inode, owner, type, start: String(start), end: String(end) });
  return { type: r.type, start: r.start, end: r.end, pid: r.pid };
}

/** The locks of `s` (or of every session) from ListSessions, as compact strings "kind owner type start-end pid[ waiting]". */
async function locksOf(s: Session | undefined, inode?: string): Promise<string[]> {
  const { sessions } = await env.client().call('ListSessions', { withLocks: true });
  const out: string[] = [];
  for (const x of sessions) {
    if (s !== undefined && x.sessionId !== s.id) continue;
    for (const l of x.locks as v1.HeldLock__Output[]) {
      if (inode !== undefined && l.inode !== inode) continue;
      const kind = l.kind === 'LOCK_KIND_FLOCK' ? 'F' : 'P';
      const type = l.type === 'LOCK_TYPE_WRITE' ? 'W' : 'R';
      out.push(`${kind} ${l.owner} ${type} ${l.start}-${l.end} ${l.pid}${l.waiting ? ' waiting' : ''}`);
    }
  }
  return out;
}

async function until(cond: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Settles to the errno name (or gRPC code name), 'ok' on success. */
function outcome(p: Promise<unknown>): Promise<string> {
  return errnoOf(p).then((e) => e ?? 'ok');
}

describe('Flock (baseMeta.Flock)', () => {
  it('shares read locks, refuses conflicts with EAGAIN, converts in place', async () => {
    const a = await env.session();
    const c = await env.session(undefined, 1);
    const f = await fileOpenIn(a, c);
    await flock(a, f, '1', R);
    await flock(c, f, '1', R);
    expect(await errnoOf(flock(c, f, '1', W))).toBe('EAGAIN');
    expect(await errnoOf(flock(a, f, '2', W))).toBe('EAGAIN'); // another owner of the same session conflicts too
    await flock(a, f, '1', U);
    await flock(c, f, '1', W); // the only holder converts shared -> exclusive
    expect(await locksOf(c, f)).toEqual([`F 1 W 0-${MAX} 0`]);
    expect(await errnoOf(flock(a, f, '1', R))).toBe('EAGAIN');
    await flock(c, f, '1', R); // and back
    await flock(a, f, '1', R);
    await flock(c, f, '1', U);
    await flock(a, f, '1', U);
    await flock(a, f, '1', U); // unlocking what is not held succeeds
    expect(await locksOf(undefined, f)).toEqual([]);
  });

  it('answers EINVAL, ENOENT, ESTALE and INVALID_ARGUMENT for bad requests', async () => {
    const a = await env.session();
    const f = await fileOpenIn(a);
    const other = await env.session();
    expect(await errnoOf(flock(a, f, '1', 'LOCK_TYPE_UNSPECIFIED' as LockTypeName))).toBe('EINVAL');
    expect(await errnoOf(setlk(a, f, '1', 'LOCK_TYPE_UNSPECIFIED' as LockTypeName, 0, 1))).toBe('EINVAL');
    expect(await errnoOf(flock(a, '999999', '1', W))).toBe('ENOENT');
    expect(await errnoOf(setlk(a, '999999', '1', W, 0, 1))).toBe('ENOENT');
    expect(await errnoOf(flock(a, '0', '1', W))).toBe('INVALID_ARGUMENT');
    expect(await errnoOf(a.call('SetLk', { inode: f, owner: '1', type: W, start: '1', end: '1', pid: 1 }, { requestId: '' }))).toBe('INVALID_ARGUMENT');
    expect(await errnoOf(setlk(a, f, '1', W, 10, 5))).toBe('EINVAL');
    expect(await errnoOf(getlk(a, f, '1', W, 10, 5))).toBe('EINVAL');
    // No open is needed (the storage node vouches for its descriptor; directories take flocks too).
    await flock(other, dir, '1', R);
    await flock(a, dir, '1', R);
    expect(await errnoOf(flock(a, dir, '2', W))).toBe('EAGAIN');
    await other.close();
    expect(await errnoOf(flock(other, f, '1', W))).toBe('ESTALE');
    expect(await locksOf(undefined, dir)).toEqual([`F 1 R 0-${MAX} 0`]);
    await flock(a, dir, '1', U);
  });

  it('works in a read-only session and keeps owners apart as u64', async () => {
    const ro = await env.client().newSession({ uid: 0, gid: 0, gids: [] }, {}, true);
    const a = await env.session();
    const f = await fileOpenIn(a);
    await ro.call('Open', { inode: f, flags: 0 });
    await flock(ro, f, '18446744073709551615', R);
    expect(await errnoOf(flock(a, f, '9223372036854775808', W))).toBe('EAGAIN');
    expect(await locksOf(ro, f)).toEqual([`F 18446744073709551615 R 0-${MAX} 0`]);
  });
});

describe('SetLk and GetLk (baseMeta.Setlk / Getlk)', () => {
  it('splits and merges an owner\'s ranges as the kernel does', async () => {
    const a = await env.session();
    const f = await fileOpenIn(a);
    await setlk(a, f, '7', W, 0, 99);
    await setlk(a, f, '7', U, 40, 59);
    expect(await locksOf(a, f)).toEqual(['P 7 W 0-39 1', 'P 7 W 60-99 1']);
    await setlk(a, f, '7', R, 40, 59);
    expect(await locksOf(a, f)).toEqual(['P 7 W 0-39 1', 'P 7 R 40-59 1', 'P 7 W 60-99 1']);
    await setlk(a, f, '7', W, 40, 59);
    expect(await locksOf(a, f)).toEqual(['P 7 W 0-99 1']);
    await setlk(a, f, '7', W, 100, MAX);
    expect(await locksOf(a, f)).toEqual([`P 7 W 0-${MAX} 1`]);
    await setlk(a, f, '7', R, 10, 10, { pid: 2 });
    expect(await locksOf(a, f)).toEqual(['P 7 W 0-9 1', 'P 7 R 10-10 2', `P 7 W 11-${MAX} 1`]);
    await setlk(a, f, '7', U, 0, MAX);
    expect(await locksOf(a, f)).toEqual([]);
  });

  it('conflicts only between another owner\'s overlapping ranges where one is a write lock', async () => {
    const a = await env.session();
    const c = await env.session(undefined, 2);
    const f = await fileOpenIn(a, c);
    await setlk(a, f, '1', W, 0, 9, { pid: 41 });
    await setlk(a, f, '1', R, 20, 29, { pid: 41 });
    expect(await errnoOf(setlk(c, f, '1', R, 5, 15))).toBe('EAGAIN');
    expect(await errnoOf(setlk(a, f, '2', R, 9, 9))).toBe('EAGAIN'); // same session, other owner
    await setlk(c, f, '1', R, 10, 25); // read over read
    expect(await errnoOf(setlk(c, f, '1', W, 25, 30))).toBe('EAGAIN');
    await setlk(a, f, '1', W, 5, 9, { pid: 41 }); // own locks never conflict
    // GetLk: the first conflicting lock, the pid only for the caller's own session.
    expect(await getlk(c, f, '1', W, 0, 100)).toEqual({ type: W, start: '0', end: '9', pid: 0 });
    expect(await getlk(a, f, '2', W, 0, 100)).toEqual({ type: W, start: '0', end: '9', pid: 41 });
    expect(await getlk(a, f, '2', R, 10, 100)).toEqual({ type: U, start: '0', end: '0', pid: 0 });
    expect(await getlk(c, f, '1', R, 0, 100)).toEqual({ type: W, start: '0', end: '9', pid: 0 });
    expect(await getlk(a, f, '1', W, 0, 100)).toEqual({ type: R, start: '10', end: '25', pid: 0 });
    expect(await getlk(a, f, '2', U, 0, 100)).toEqual({ type: U, start: '0', end: '0', pid: 0 });
    // flock and POSIX locks live in separate domains, as in the kernel.
    await flock(c, f, '1', W);
  });

  it('replays a granted request by its request id without taking the lock again', async () => {
    const a = await env.session();
    const c = await env.session();
    const f = await fileOpenIn(a, c);
    await setlk(a, f, '1', W, 0, 0, { requestId: 'lock-once' });
    await setlk(a, f, '1', U, 0, 0);
    await setlk(a, f, '1', W, 0, 0, { requestId: 'lock-once' }); // a late retry: the first outcome, no new lock
    await setlk(c, f, '1', W, 0, 0);
    // A refusal is not an outcome: the same request id tries again.
    expect(await errnoOf(setlk(a, f, '1', W, 0, 0, { requestId: 'retry-me' }))).toBe('EAGAIN');
    await setlk(c, f, '1', U, 0, 0);
    await setlk(a, f, '1', W, 0, 0, { requestId: 'retry-me' });
    expect(await locksOf(a, f)).toEqual(['P 1 W 0-0 1']);
  });
});

describe('blocking requests', () => {
  it('wakes a waiter on another replica within milliseconds of the unlock', async () => {
    const a = await env.session(undefined, 0);
    const c = await env.session(undefined, 1);
    const f = await fileOpenIn(a, c);
    await setlk(a, f, '1', W, 0, MAX);
    let grantedAt = 0;
    const waiting = setlk(c, f, '1', W, 100, 200, { block: true, deadlineMs: 20_000 }).then(() => (grantedAt = Date.now()));
    await until(async () => (await locksOf(c, f)).some((l) => l.endsWith('waiting')), 'the waiter to queue');
    expect(grantedAt).toBe(0);
    const unlockedAt = Date.now();
    await setlk(a, f, '1', U, 0, MAX);
    await waiting;
    // The poll is 60 s here: only the notification can have woken it.
    expect(grantedAt - unlockedAt).toBeLessThan(5000);
    expect(await locksOf(c, f)).toEqual(['P 1 W 100-200 1']);
  });

  it('ends a wait with EINTR before the deadline, leaving no queue entry and no recorded outcome', async () => {
    const a = await env.session();
    const c = await env.session(undefined, 1);
    const f = await fileOpenIn(a, c);
    await flock(a, f, '1', W);
    const started = Date.now();
    expect(await errnoOf(flock(c, f, '1', W, { block: true, deadlineMs: 3000, requestId: 'late' }))).toBe('EINTR');
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(await locksOf(c, f)).toEqual([]);
    await flock(a, f, '1', U);
    await flock(c, f, '1', W, { block: true, requestId: 'late' }); // the same request id is served now
    expect(await locksOf(c, f)).toEqual([`F 1 W 0-${MAX} 0`]);
  });

  it('ends a wait when the caller cancels it', async () => {
    const a = await env.session();
    const c = await env.session(undefined, 2);
    const f = await fileOpenIn(a, c);
    await setlk(a, f, '1', R, 0, 10);
    const abort = new AbortController();
    const waiting = outcome(setlk(c, f, '1', W, 5, 5, { block: true, deadlineMs: 30_000, signal: abort.signal }));
    await until(async () => (await locksOf(c, f)).length === 1, 'the waiter to queue');
    abort.abort();
    expect(await waiting).toBe('CANCELLED');
    await until(async () => (await locksOf(c, f)).length === 0, 'the queue entry to go');
  });

  it('does not let a stream of shared locks starve an exclusive waiter', async () => {
    const readers = await Promise.all([0, 1, 2].map((i) => env.session(undefined, i)));
    const writer = await env.session(undefined, 1);
    const f = await fileOpenIn(writer, ...readers);
    await flock(readers[0]!, f, '1', R);
    let writerGranted = false;
    const w = flock(writer, f, '1', W, { block: true, deadlineMs: 20_000 }).then(() => (writerGranted = true));
    await until(async () => (await locksOf(writer, f)).length === 1, 'the writer to queue');
    // New shared requests queue behind the writer: non-blocking ones fail, blocking ones wait ...
    expect(await errnoOf(flock(readers[1]!, f, '1', R))).toBe('EAGAIN');
    const later = flock(readers[2]!, f, '1', R, { block: true, deadlineMs: 20_000 });
    await until(async () => (await locksOf(readers[2], f)).length === 1, 'the reader to queue');
    // ... while a holder may still change its own lock (it could be what the queue waits for).
    await flock(readers[0]!, f, '1', R);
    expect(writerGranted).toBe(false);
    await flock(readers[0]!, f, '1', U);
    await w;
    expect(await locksOf(readers[2], f)).toEqual([`F 1 R 0-${MAX} 0 waiting`]);
    await flock(writer, f, '1', U);
    await later;
    expect(await locksOf(readers[2], f)).toEqual([`F 1 R 0-${MAX} 0`]);
  });

  it('serves every one of many racing clients across three replicas, one holder at a time', async () => {
    const sessions = await Promise.all([0, 1, 2, 0, 1, 2, 0, 1, 2].map((i) => env.session(undefined, i)));
    const f = await fileOpenIn(...sessions);
    let holders = 0;
    let maxHolders = 0;
    let served = 0;
    const ROUNDS = 3;
    await Promise.all(
      sessions.map(async (s, i) => {
        for (let r = 0; r < ROUNDS; r++) {
          const posix = (i + r) % 2 === 0;
          if (posix) await setlk(s, f, String(i), W, 0, MAX, { block: true, deadlineMs: 60_000, pid: i });
          else await flock(s, f, String(i), W, { block: true, deadlineMs: 60_000 });
          holders++;
          maxHolders = Math.max(maxHolders, holders);
          // While it holds the exclusive lock of one domain, nobody holds a conflicting one of that domain.
          if (posix) expect(await getlk(s, f, String(i), W, 0, MAX)).toEqual({ type: U, start: '0', end: '0', pid: 0 });
          await new Promise((res) => setTimeout(res, 2));
          holders--;
          served++;
          if (posix) await setlk(s, f, String(i), U, 0, MAX);
          else await flock(s, f, String(i), U);
        }
      }),
    );
    expect(served).toBe(sessions.length * ROUNDS);
    expect(await locksOf(undefined, f)).toEqual([]);
    // flock and POSIX are separate domains, so two holders at once are possible, never more.
    expect(maxHolders).toBeLessThanOrEqual(2);
  });

  it('counts a queued request of a dead replica only until its lease passes; the job deletes it later', async () => {
    const a = await env.session();
    const c = await env.session();
    const f = await fileOpenIn(a, c);
    // A 24-byte write request for the whole file, as a replica that died while waiting left it.
    const request = Buffer.alloc(24);
    request.writeUInt32BE(1, 0);
    request.writeBigUInt64BE((1n << 64n) - 1n, 16);
    const pg = new Client({ connectionString: env.databaseUrl });
    await pg.connect();
    try {
      const insert = (lease: string) =>
        pg.query(`insert into lock_waiter (inode, kind, sid, owner, request, lease_until) values ($1, 'F', $2, 99, $3, now() + $4::interval) returning id`, [
          f,
          a.id,
          request,
          lease,
        ]);
      const live = (await insert('1 minute')).rows[0].id as string;
      expect(await errnoOf(flock(c, f, '1', R))).toBe('EAGAIN');
      expect(await locksOf(a, f)).toEqual([`F 99 W 0-${MAX} 0 waiting`]);
      await pg.query('update lock_waiter set lease_until = now() - interval \'2 minutes\' where id = $1', [live]);
      await flock(c, f, '1', R);
      expect(await locksOf(a, f)).toEqual([]);
      await until(async () => (await pg.query('select 1 from lock_waiter where id = $1', [live])).rowCount === 0, 'the job to delete it');
    } finally {
      await pg.end();
    }
  });

  it('renews a long wait\'s queue entry, so it keeps its place', async () => {
    const a = await env.session();
    const c = await env.session(undefined, 1);
    const f = await fileOpenIn(a, c);
    await flock(a, f, '1', W);
    const waiting = flock(c, f, '1', W, { block: true, deadlineMs: 30_000 });
    await until(async () => (await locksOf(c, f)).length === 1, 'the waiter to queue');
    const pg = new Client({ connectionString: env.databaseUrl });
    await pg.connect();
    try {
      const lease = async (): Promise<number> =>
        Number((await pg.query('select extract(epoch from lease_until) * 1000 as ms from lock_waiter where inode = $1', [f])).rows[0].ms);
      const first = await lease();
      // Renewed every 3 s to a 10 s lease from then.
      await until(async () => (await lease()) > first + 1000, 'the lease to be renewed');
    } finally {
      await pg.end();
    }
    await flock(a, f, '1', U);
    await waiting;
  });

  it('keeps waking waiters after the LISTEN connection is lost', async () => {
    const a = await env.session(undefined, 0);
    const c = await env.session(undefined, 1);
    const f = await fileOpenIn(a, c);
    await flock(a, f, '1', W);
    const waiting = flock(c, f, '1', W, { block: true, deadlineMs: 30_000 });
    await until(async () => (await locksOf(c, f)).length === 1, 'the waiter to queue');
    const pg = new Client({ connectionString: env.databaseUrl });
    await pg.connect();
    try {
      const killed = await pg.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = 'fsmeta-listener'`,
      );
      expect(killed.rowCount).toBe(3);
      await until(
        async () =>
          (await pg.query(`select 1 from pg_stat_activity where datname = current_database() and application_name = 'fsmeta-listener'`)).rowCount === 3,
        'the listeners to reconnect',
      );
    } finally {
      await pg.end();
    }
    const unlockedAt = Date.now();
    await flock(a, f, '1', U);
    await waiting;
    expect(Date.now() - unlockedAt).toBeLessThan(5000);
  });
});

describe('release', () => {
  it('Close releases the lock owner\'s locks; the session\'s last Close releases all of its locks on the file', async () => {
    const a = await env.session();
    const f = await fileOpenIn(a);
    await a.call('Open', { inode: f, flags: 2 });
    await flock(a, f, '5', W);
    await setlk(a, f, '5', R, 0, 9);
    await setlk(a, f, '6', W, 20, 29);
    await a.call('Close', { inode: f, lockOwner: '5' });
    expect(await locksOf(a, f)).toEqual(['P 6 W 20-29 1']);
    await a.call('Close', { inode: f });
    expect(await locksOf(a, f)).toEqual([]);
  });

  it('CloseSession releases the session\'s locks and wakes their waiters', async () => {
    const a = await env.session(undefined, 2);
    const c = await env.session(undefined, 0);
    const f = await fileOpenIn(a, c);
    await setlk(a, f, '1', W, 0, 0);
    await flock(a, f, '1', R);
    const waiting = setlk(c, f, '1', W, 0, 0, { block: true, deadlineMs: 20_000 });
    await until(async () => (await locksOf(c, f)).length === 1, 'the waiter to queue');
    await a.close();
    await waiting;
    await flock(c, f, '1', W);
    expect(await locksOf(undefined, f)).toEqual([`F 1 W 0-${MAX} 0`, 'P 1 W 0-0 1']);
  });

  it('a waiter whose own session is closed ends with ESTALE', async () => {
    const a = await env.session();
    const c = await env.session(undefined, 1);
    const f = await fileOpenIn(a, c);
    await flock(a, f, '1', W);
    const waiting = outcome(flock(c, f, '1', W, { block: true, deadlineMs: 20_000 }));
    await until(async () => (await locksOf(c, f)).length === 1, 'the waiter to queue');
    await c.close();
    expect(await waiting).toBe('ESTALE');
  });
});

describe('session expiry', () => {
  let short: TestEnv;
  beforeAll(async () => {
    // Sessions expire after 3 s without a heartbeat: the keeper's every 100 ms survive a loaded machine's stalls.
    short = await startEnv(1, { heartbeatMs: 600, jobIntervalMs: 100 });
    short.servers[0]!.meta.deps.options.lockPollMs = 60_000;
  });
  afterAll(() => short.stop());

  it('releases the locks of a session that stops heartbeating, and serves the waiter', async () => {
    const quiet = await short.session();
    const keeper = await short.session();
    const beat = setInterval(() => void keeper.heartbeat().catch(() => undefined), 100);
    try {
      const { attr } = await quiet.call('Create', { parent: ROOT_INO, name: b('expiring'), mode: 0o666, flags: 0 });
      const f = attr!.inode;
      await keeper.call('Open', { inode: f, flags: 2 });
      await setlk(quiet, f, '1', W, 0, MAX);
      await flock(quiet, f, '1', W);
      await Promise.all([
        setlk(keeper, f, '1', R, 0, 0, { block: true, deadlineMs: 20_000 }),
        flock(keeper, f, '1', R, { block: true, deadlineMs: 20_000 }),
      ]);
      expect(await errnoOf(quiet.heartbeat())).toBe('ESTALE');
    } finally {
      clearInterval(beat);
    }
  });
});

it('reports gRPC codes for lock errnos', async () => {
  const a = await env.session();
  const c = await env.session();
  const f = await fileOpenIn(a, c);
  await flock(a, f, '1', W);
  const err = await flock(c, f, '1', W).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FsmetaError);
  expect((err as FsmetaError).code).toBe(grpc.status.ABORTED);
  expect((err as FsmetaError).errno).toBe(11);
});
