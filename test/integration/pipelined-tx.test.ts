import { Db, createLogger } from '@fsmeta/fsmeta';
import { ADMIN_URL_ENV, createTestDatabase } from '../harness/database';

/**
 * The store's pipelined transactions: statements sent without waiting, each
 * caller told the first error among the statements up to its own, however the
 * callers' awaits interleave. (Link sends its entry check behind the row
 * locks; a deadlock on a lock must reach the retry as 40P01, not as the
 * check's 25P02 "transaction is aborted", which answered INTERNAL.)
 */
let database: { url: string; drop: () => Promise<void> };
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase(process.env[ADMIN_URL_ENV]!);
  db = new Db({ connectionString: database.url, poolSize: 2, lockTimeoutMs: 5000, statementTimeoutMs: 10000 }, createLogger('silent'));
});
afterAll(async () => {
  await db.close();
  await database.drop();
});

function sqlState(err: unknown): unknown {
  return (err as { code?: unknown }).code;
}

test('every concurrent caller sees the first failed statement, not the aborted ones behind it', async () => {
  const seen: unknown[][] = [];
  await expect(
    db.transaction(async (tx) => {
      const answers = await Promise.allSettled([
        tx.query('select 1 / 0 as x'),
        tx.query('select 2 as x'),
        tx.query('select 3 as x'),
      ]);
      seen.push(answers.map((a) => (a.status === 'rejected' ? sqlState(a.reason) : 'ok')));
      throw (answers[0] as PromiseRejectedResult).reason;
    }),
  ).rejects.toMatchObject({ code: '22012' });
  // division_by_zero for all three: the statements behind the failed one only failed for the abort.
  expect(seen).toEqual([['22012', '22012', '22012']]);
});

test('a statement sent ahead fails the next one awaited with its own error', async () => {
  await expect(
    db.transaction(async (tx) => {
      await tx.send('select 1 / 0 as x');
      const [late, first] = await Promise.allSettled([tx.query('select 2 as x'), tx.query('select 3 as x')]);
      expect(sqlState((late as PromiseRejectedResult).reason)).toBe('22012');
      expect(sqlState((first as PromiseRejectedResult).reason)).toBe('22012');
      throw (late as PromiseRejectedResult).reason;
    }),
  ).rejects.toMatchObject({ code: '22012' });
});

test('concurrent statements that all succeed answer their own rows, and the transaction commits', async () => {
  await db.transaction(async (tx) => {
    await tx.query('create table if not exists pipelined_probe (n int)');
  });
  const rows = await db.transaction(async (tx) => {
    const inserts = [1, 2, 3].map((n) => tx.query<{ n: number }>('insert into pipelined_probe values ($1) returning n', [n]));
    return (await Promise.all(inserts)).map((r) => r[0]!.n);
  });
  expect(rows).toEqual([1, 2, 3]);
  const stored = await db.read<{ n: number }>('select n from pipelined_probe order by n');
  expect(stored.map((r) => r.n)).toEqual([1, 2, 3]);
});

test('with checkNested, a body asking its store for a second connection is refused at once; without, it is served', async () => {
  const opts = { connectionString: database.url, poolSize: 2, lockTimeoutMs: 5000, statementTimeoutMs: 10000 };
  const checked = new Db({ ...opts, checkNested: true }, createLogger('silent'));
  try {
    await expect(checked.transaction(() => checked.transaction(async (tx) => tx.query('select 1')))).rejects.toMatchObject({ name: 'NestedConnection' });
    // Outside a body, and in a body that uses its own Tx, nothing is refused.
    expect(await checked.transaction(async (tx) => (await tx.query<{ x: number }>('select 1 as x'))[0]!.x)).toBe(1);
  } finally {
    await checked.close();
  }
  // Unchecked (a production replica), a pool with a connection to spare serves the nested body.
  expect(await db.transaction(() => db.transaction(async (tx) => (await tx.query<{ x: number }>('select 2 as x'))[0]!.x))).toBe(2);
});

test("a transaction runs under the store's lock timeout, and holds the quota-structure lock (shared or exclusive)", async () => {
  expect(await db.transaction(async (tx) => (await tx.query<{ lock_timeout: string }>('show lock_timeout'))[0]!.lock_timeout)).toBe('5s');
  const held = async (structure: 'shared' | 'exclusive'): Promise<string[]> =>
    db.transaction(
      async (tx) =>
        (await tx.query<{ mode: string }>("select distinct mode from pg_locks where locktype = 'advisory' and pid = pg_backend_pid() order by mode")).map((r) => r.mode),
      { structure: () => structure },
    );
  expect(await held('shared')).toEqual(['ShareLock']);
  expect(await held('exclusive')).toEqual(['ExclusiveLock']);
  // Outside a transaction the session's own setting is back.
  expect((await db.reader.query<{ lock_timeout: string }>('show lock_timeout'))[0]!.lock_timeout).toBe('0');
});
