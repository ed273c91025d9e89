import { ChangeFeed, Db, createLogger, type WatchMessage } from '@fsmeta/fsmeta';
import { Client } from 'pg';
import { ADMIN_URL_ENV, createTestDatabase } from '../harness/database';

/**
 * A watcher joining one replica's change feed at a newer position than the
 * feed's reader, with the transactions around its start committed directly in
 * PostgreSQL, so the order of transaction ids, commits and the feed's reads is
 * fixed. The feed is run in-process: only its reads decide the outcome.
 */
let database: { url: string; drop: () => Promise<void> };
let db: Db;
let feed: ChangeFeed;

beforeAll(async () => {
  database = await createTestDatabase(process.env[ADMIN_URL_ENV]!);
  db = new Db({ connectionString: database.url, poolSize: 2, lockTimeoutMs: 5000, statementTimeoutMs: 10000 }, createLogger('silent'));
  feed = new ChangeFeed({
    db,
    log: createLogger('silent'),
    // No poll: the feed reads when the test says something committed (db.committed()).
    options: { heartbeatMs: 10_000, sessionTtlMs: 50_000, atimeMode: 'noatime', skipDirMtimeNs: 0n, readdirDefaultLimit: 1000, readdirMaxLimit: 10_000, watchPollMs: 600_000 },
  });
  await feed.start();
});
afterAll(async () => {
  feed.close();
  await db.close();
  await database.drop();
});

/** A watcher's messages, and the inodes of the entry changes they carried. */
class Sink {
  readonly messages: WatchMessage[] = [];
  send(msg: WatchMessage): boolean {
    this.messages.push(msg);
    return true;
  }
  end(): void {}
  get inodes(): bigint[] {
    return this.messages.flatMap((m) => m.changes.map((c) => c.inode));
  }
  get position(): string {
    return this.messages[this.messages.length - 1]?.position ?? '';
  }
}

/** An open transaction holding `rows` change rows for inode `inode`, so it has its transaction id. */
async function openWith(inode: number, rows: number): Promise<Client> {
  const c = new Client({ connectionString: database.url });
  await c.connect();
  await c.query('begin');
  await c.query(`insert into change_log (kind, inode, parent, name) select 2, $1, 1, ('n' || g)::bytea from generate_series(1, $2) g`, [inode, rows]);
  return c;
}

async function commit(c: Client): Promise<void> {
  await c.query('commit');
  await c.end();
}

async function until(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

it('a watcher joining before reads cut into batches sees every transaction that was running at its start', async () => {
  const early = new Sink();
  const stopEarly = await feed.subscribe('', { subtree: 0n, inodes: new Set() }, early);
  // Four transaction ids in this order: a large one (b), a small one (x), a large one (c), a small one (d).
  const b = await openWith(1001, 1500);
  const x = await openWith(1002, 1);
  const c = await openWith(1003, 1500);
  const d = await openWith(1004, 1);
  await commit(b);
  // d's commit puts the late watcher's start past x and c, which are running: it must see both, not b nor d.
  await commit(d);
  const late = new Sink();
  const stopLate = await feed.subscribe('', { subtree: 0n, inodes: new Set() }, late);
  await commit(x);
  await commit(c);
  // One read of the feed now covers all four: cut into b | x | c | d, as a batch never splits a transaction.
  db.committed();
  await until('the early watcher sees d', () => early.inodes.includes(1004n));
  // Every watcher of the feed is given each batch in the same turn: the late one has had its share.
  expect(new Set(early.inodes)).toEqual(new Set([1001n, 1002n, 1003n, 1004n]));
  expect(late.inodes.filter((i) => i === 1002n)).toHaveLength(1);
  expect(late.inodes.filter((i) => i === 1003n)).toHaveLength(1500);
  expect(late.inodes).not.toContain(1001n);
  expect(late.inodes).not.toContain(1004n);
  // Resuming from any position the late watcher was given repeats nothing it saw and skips nothing.
  for (let k = 1; k < late.messages.length; k++) {
    const resumed = new Sink();
    const stop = await feed.subscribe(late.messages[k - 1]!.position, { subtree: 0n, inodes: new Set() }, resumed);
    // Subscribe returns once the catch-up reads reached the feed: everything is there.
    expect(resumed.inodes.sort()).toEqual(late.messages.slice(k).flatMap((m) => m.changes.map((ch) => ch.inode)).sort());
    stop();
  }
  stopEarly();
  stopLate();
});
