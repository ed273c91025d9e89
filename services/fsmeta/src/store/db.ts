import { AsyncLocalStorage } from 'node:async_hooks';
import { Pool, types, type PoolClient, type PoolConfig, type QueryResult, type QueryResultRow } from 'pg';
import type { Logger } from 'pino';
import { ALLOWANCE_SQLSTATE, LimitExceeded, MAX_REFILLS, parseAllowanceError, refillAllowance, transactionSetupSql, type StructureLock } from './quotas';

// int8 columns (inodes, lengths, nanosecond times) are exact bigints in fsmeta.
types.setTypeParser(types.builtins.INT8, (v) => BigInt(v));

/**
 * SQLSTATEs saying the database cannot serve right now (restart, failover,
 * terminated backend, connection limits): retried, and UNAVAILABLE (retryable
 * by the client) when every retry failed, never INTERNAL.
 */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown (also pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the database system is starting up / shutting down
  '57P05', // idle_session_timeout
  '53300', // too_many_connections
  '53400', // configuration_limit_exceeded
  '08000', '08001', '08003', '08004', '08006', '08007', '08P01', // connection exceptions
]);
/** Node socket errors of a lost or refused connection. */
const UNAVAILABLE_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
/** What node-postgres says when the server goes away mid-conversation. */
const LOST_CONNECTION_MESSAGE = /Connection terminated|connection error|Client has encountered a connection error|Client was closed|not queryable|timeout exceeded when trying to connect/i;

/** SQLSTATEs after which the whole transaction is run again. */
const RETRYABLE_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '23505', // unique_violation: a concurrent insert won; the retry sees its row
  '55P03', // lock_not_available (lock_timeout)
  ...UNAVAILABLE_SQLSTATES,
]);
const MAX_ATTEMPTS = 20;
const CONNECT_TIMEOUT_MS = 5000;
const BASE_BACKOFF_MS = 2;
const MAX_BACKOFF_MS = 200;

export interface StoreOptions {
  connectionString: string;
  poolSize: number;
  /** SET LOCAL lock_timeout for mutations, so a stuck lock turns into a retry, not a hang. */
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  /**
   * Refuse a transaction body's request for a second pool connection at once (NestedConnection)
   * instead of letting it wait: a bug check, for tests and development. It tracks async context
   * (AsyncLocalStorage), which hooks every promise the process makes: off in production.
   */
  checkNested?: boolean;
}

/** What a transaction body may do: run parameterised SQL. */
export interface Tx {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[], name?: string): Promise<R[]>;
  /**
   * A statement whose answer the body does not need (a write): where the
   * transaction pipelines, sent without waiting; its error, if any, is thrown
   * by the next statement awaited (or by COMMIT), so it still aborts the body.
   */
  send(text: string, values?: unknown[], name?: string): Promise<void>;
  /**
   * The body's last statement. In a fast attempt (`fast`) it is sent together
   * with COMMIT, in one round trip, and nothing may follow it; otherwise it is
   * an ordinary query and COMMIT comes after the body.
   */
  finish<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[], name?: string): Promise<R[]>;
  /**
   * True in a fast attempt: a statement given to `finish` commits with it, so
   * it must itself refuse (FALLBACK_SQLSTATE, see fallbackSql) whatever the
   * body would otherwise have checked after it; the transaction then runs
   * again with `fast` false, checking in TypeScript as before.
   */
  readonly fast: boolean;
}

/**
 * Raised by a fast attempt's last statement (fsmeta_fallback, migration 0011)
 * when its outcome is not the plain one the statement can commit on its own:
 * the attempt rolls back and runs again the ordinary way.
 */
export const FALLBACK_SQLSTATE = 'FZ001';

/** An SQL expression that raises FALLBACK_SQLSTATE unless `condition` is true. */
export function fallbackSql(condition: string): string {
  return `fsmeta_fallback(${condition})`;
}

export interface TxStats {
  retries: number;
  lockWaitsMs: number;
}

export function sqlState(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** The database is unreachable, restarting or dropped our connection: nothing wrong with the request. */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof StoreUnavailable) return true;
  const code = sqlState(err);
  if (code !== undefined && (UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_NODE_CODES.has(code))) return true;
  // pg errors with a real SQLSTATE are answers from a live server; the rest are about the connection.
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) return false;
  return LOST_CONNECTION_MESSAGE.test(err instanceof Error ? err.message : '');
}

function isRetryable(err: unknown): boolean {
  const code = sqlState(err);
  return (code !== undefined && RETRYABLE_SQLSTATES.has(code)) || isUnavailable(err);
}

/**
 * Set while a transaction body runs (StoreOptions.checkNested): the store
 * whose connection the current call holds. A body that asked its pool for
 * another connection (an autocommit read, a nested transaction) would hold one
 * while waiting for a second: with every connection so held (a pool of one,
 * or a busy replica) nothing could proceed. So that is refused at once
 * (NestedConnection), and every call holds at most one connection while it
 * waits for anything.
 */
const holding = new AsyncLocalStorage<Db>();

/** A transaction body asked for a second connection: a bug in the caller (see `holding`). */
export class NestedConnection extends Error {
  constructor() {
    super('a transaction body asked the pool for a second connection (use its Tx)');
    this.name = 'NestedConnection';
  }
}

/** The database could not be reached (or kept dropping the connection) through every retry. */
export class StoreUnavailable extends Error {
  constructor(readonly reason: unknown) {
    super(`database unavailable: ${reason instanceof Error ? reason.message : String(reason)}`);
    this.name = 'StoreUnavailable';
  }
}

/**
 * The store gave up on a live database: contention through every retry, a
 * cancelled statement, an error answered by the server. Not a lost or
 * unreachable database (where another round trip would only wait again).
 */
export function answeredByDatabase(err: unknown): boolean {
  const cause = err instanceof StoreUnavailable ? err.reason : err;
  const code = sqlState(cause);
  return code !== undefined && /^[0-9A-Z]{5}$/.test(code) && !UNAVAILABLE_SQLSTATES.has(code);
}

/**
 * query_canceled: the statement ran past statement_timeout (waiting for a lock held elsewhere, or
 * slow), or an operator cancelled it. Not retried (the same statement would likely run as long),
 * but the database not answering in time, not a bug.
 */
const QUERY_CANCELED = '57014';

/**
 * What a failure that ends the retries becomes: a lost database, contention that outlasted
 * every attempt (serialization failures, deadlocks, lock timeouts, unique violations) and a
 * statement cancelled for its time are the database not serving right now, UNAVAILABLE to
 * the client (which retries with the same request id), never INTERNAL.
 */
function giveUp(err: unknown): unknown {
  if (err instanceof StoreUnavailable) return err;
  const code = sqlState(err);
  // A quota allowance still short after every refill (store/quotas.ts MAX_REFILLS): contention too.
  return isRetryable(err) || code === QUERY_CANCELED || code === ALLOWANCE_SQLSTATE ? new StoreUnavailable(err) : err;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The PostgreSQL store: the only module that owns connections. Every RPC is one
 * short READ COMMITTED transaction run through `transaction` (or one autocommit
 * read through `read`), retried as a whole, bounded and with jitter.
 */
export class Db {
  readonly pool: Pool;
  /** Counted for metrics: transaction retries by SQLSTATE. */
  readonly retryCounts = new Map<string, number>();
  /** Autocommit reads through the same interface as a transaction. */
  readonly reader: Tx = {
    query: (text, values, name) => this.read(text, values, name),
    send: async (text, values, name) => {
      await this.read(text, values, name);
    },
    finish: (text, values, name) => this.read(text, values, name),
    fast: false,
  };
  /** Called after every commit (the change feed wakes its readers; see meta/changes.ts). */
  private readonly commitHooks: (() => void)[] = [];

  private readonly onClientError = (err: Error): void => {
    this.log.warn({ err: err.message }, 'database connection lost');
  };

  constructor(
    readonly options: StoreOptions,
    private readonly log: Logger,
  ) {
    this.pool = new Pool({
      connectionString: options.connectionString,
      max: options.poolSize,
      statement_timeout: options.statementTimeoutMs,
      application_name: 'fsmeta',
      // A database that accepts no connection (down, failing over) fails the attempt instead of hanging it.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // Statements go out without waiting for the previous one's answer: BEGIN travels with a
      // transaction's first statement and COMMIT with its last (PipelinedTx), one round trip each fewer.
      pipeline: true,
    } as PoolConfig);
    // The pool listens for errors only on idle clients. A checked-out one whose
    // backend is terminated, or whose server restarts, emits 'error' with no
    // listener, which crashes the process; and the message can arrive in the
    // same packet that completes the connection, before any caller could add
    // one. So every client gets a listener of its own from birth (the query in
    // flight, if any, fails by itself and is retried).
    this.pool.on('connect', (client) => client.on('error', this.onClientError));
    // An idle client losing its connection must not crash the process.
    this.pool.on('error', (err) => this.log.warn({ err: err.message }, 'idle database connection lost'));
  }

  /** When a statement last got an answer from the database (ms since the epoch). */
  private lastAnswerAt = 0;
  /** Pings waiting for the next answer to any statement. */
  private readonly answerWaiters = new Set<() => void>();

  /**
   * Resolves when the database answers, rejects otherwise (health checks).
   * Any statement's answer counts, one within the last `freshMs` or one while
   * the probe's own `select 1` waits for a connection: a probe must not report
   * a busy replica down because it queued behind the very calls that show the
   * database serving (with a small pool it would wait past its deadline).
   */
  async ping(freshMs = 0): Promise<void> {
    this.refuseNested();
    if (Date.now() - this.lastAnswerAt < freshMs) return;
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.answerWaiters.delete(done);
        resolve();
      };
      this.answerWaiters.add(done);
      this.pool.query('select 1').then(
        () => {
          this.answered();
          done();
        },
        (err: unknown) => {
          this.answerWaiters.delete(done);
          reject(err);
        },
      );
    });
  }

  private answered(): void {
    this.lastAnswerAt = Date.now();
    for (const w of [...this.answerWaiters]) w();
  }

  /** One more transaction run again for `code` (fsmeta_txn_retries_total). */
  private countRetry(code: string): void {
    this.retryCounts.set(code, (this.retryCounts.get(code) ?? 0) + 1);
  }

  /** Runs a transaction body, marked as holding this store's connection when nesting is checked. */
  private holding<T>(body: () => Promise<T>): Promise<T> {
    return this.options.checkNested === true ? holding.run(this, body) : body();
  }

  /** Throws NestedConnection inside a transaction body of this store. */
  private refuseNested(): void {
    if (this.options.checkNested === true && holding.getStore() === this) throw new NestedConnection();
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /**
   * Runs `fn` in a READ COMMITTED transaction; retries it on serialization failure, deadlock, lost connection.
   * Every transaction first takes the quota-structure lock (store/quotas.ts): shared, or exclusive when
   * `opts.structure` says so (read at each attempt). A statement that ran out of quota allowance
   * (FQ001) rolls back, the allowance is refilled on the same connection (same backend, same shard)
   * and the transaction runs again; when the limit itself is reached, LimitExceeded is thrown.
   */
  async transaction<T>(fn: (tx: Tx) => Promise<T>, opts: { structure?: () => StructureLock } = {}): Promise<T> {
    this.refuseNested();
    let refills = 0;
    let kept: PoolClient | undefined;
    // Every transaction first tries the fast way (Tx.fast); a body whose last statement declines runs again without.
    let fast = true;
    for (let attempt = 1; ; attempt++) {
      let client: PoolClient | undefined = kept;
      kept = undefined;
      let tx: PipelinedTx | undefined;
      try {
        client ??= await this.pool.connect();
        const structure = opts.structure?.() ?? 'shared';
        const setup = { text: transactionSetupSql(structure), values: [String(Math.floor(this.options.lockTimeoutMs))], name: `tx-setup-${structure}` };
        const body = new PipelinedTx(client, setup, fast);
        tx = body;
        const result = await this.holding(() => fn(body));
        await body.commit();
        this.answered();
        client.release();
        this.committed();
        return result;
      } catch (err) {
        let broken = false;
        if (client !== undefined) {
          await tx?.settled();
          broken = await client.query('rollback').then(
            () => false,
            () => true,
          );
        }
        if (fast && sqlState(err) === FALLBACK_SQLSTATE && client !== undefined && !broken) {
          this.countRetry(FALLBACK_SQLSTATE);
          fast = false;
          attempt--;
          kept = client;
          continue;
        }
        const need = sqlState(err) === ALLOWANCE_SQLSTATE ? parseAllowanceError(err) : undefined;
        if (need !== undefined && client !== undefined && !broken && refills < MAX_REFILLS) {
          refills++;
          attempt--;
          let granted: boolean;
          try {
            granted = await refillAllowance(client, need);
          } catch (refillErr) {
            client.release(refillErr instanceof Error ? refillErr : true);
            if (!isRetryable(refillErr)) throw giveUp(refillErr);
            continue;
          }
          if (!granted) {
            client.release();
            throw new LimitExceeded(need.kind, need.key);
          }
          kept = client;
          continue;
        }
        if (client !== undefined) client.release(broken ? (err instanceof Error ? err : true) : undefined);
        if (!isRetryable(err) || attempt >= MAX_ATTEMPTS) throw giveUp(err);
        const code = sqlState(err) ?? 'connection';
        this.countRetry(code);
        this.log.debug({ code, attempt }, 'transaction retried');
        const cap = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempt);
        await sleep(Math.random() * cap);
      }
    }
  }

  /** Registers `fn` to run after each commit. */
  onCommit(fn: () => void): void {
    this.commitHooks.push(fn);
  }

  /** Tells the commit hooks that something committed (also for writes made through `reader`). */
  committed(): void {
    for (const fn of this.commitHooks) fn();
  }

  /**
   * One transaction that is never retried, for admin work that cannot be replayed
   * (a load streaming its input, a dump's consistent snapshot): BEGIN with
   * `mode` (e.g. 'isolation level repeatable read read only'), COMMIT after `fn`,
   * ROLLBACK if it throws. No lock or statement timeout: it may run for minutes.
   */
  async once<T>(mode: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    this.refuseNested();
    const client = await this.pool.connect();
    try {
      await client.query(`begin ${mode}; set local statement_timeout = 0; set local lock_timeout = 0`);
      const result = await this.holding(() => fn(wrap(client)));
      await client.query('commit');
      client.release();
      this.committed();
      return result;
    } catch (err) {
      const broken = await client.query('rollback').then(
        () => false,
        () => true,
      );
      client.release(broken ? (err instanceof Error ? err : true) : undefined);
      throw err;
    }
  }

  /** One autocommit statement (reads), retried on lost connections. */
  async read<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[], name?: string): Promise<R[]> {
    this.refuseNested();
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.pool.query<R>({ text, values, name });
        this.answered();
        return res.rows;
      } catch (err) {
        if (!isRetryable(err) || attempt >= MAX_ATTEMPTS) throw giveUp(err);
        await sleep(Math.random() * Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempt));
      }
    }
  }
}

function wrap(client: PoolClient): Tx {
  const query = async <R extends QueryResultRow>(text: string, values?: unknown[], name?: string): Promise<R[]> => {
    const res = await client.query<R>({ text, values, name });
    return res.rows;
  };
  const send = async (text: string, values?: unknown[], name?: string): Promise<void> => {
    await query(text, values, name);
  };
  return { query, send, finish: query, fast: false };
}

/** `p`, with its rejection marked handled: for a promise awaited later, after others that may throw first. */
export function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/**
 * A transaction on a pipelining client: BEGIN (with the lock timeout and the
 * quota-structure lock) is sent without waiting and the first statement goes
 * right behind it; `finish` in a fast attempt sends the last statement and
 * COMMIT together. PostgreSQL runs them in order either way, so only the
 * waiting goes: a body of one statement is one round trip instead of three.
 */
class PipelinedTx implements Tx {
  /** Every statement sent (BEGIN first), for `settled`. */
  private sent: Promise<unknown>[];
  /**
   * Settles when every statement sent so far has been answered: fulfilled if all succeeded, else
   * rejected with the first one's error. That error is the one that counts (e.g. BEGIN's lock
   * timeout on the structure lock, a lock statement's deadlock, a write's exhausted allowance);
   * the statements behind it only failed for being in an aborted transaction (25P02).
   */
  private checked: Promise<unknown>;
  private finished = false;
  /** The connection's socket, corked while statements are being sent (see `cork`). */
  private readonly socket: Corkable | undefined;
  private corked = false;

  /** BEGIN, then `setup` (the lock timeout and the quota-structure lock: transactionSetupSql), both sent at once. */
  constructor(
    private readonly client: PoolClient,
    setup: { text: string; values: unknown[]; name: string },
    readonly fast: boolean,
  ) {
    this.socket = socketOf(client);
    this.cork();
    const begin = quiet(client.query('begin'));
    this.sent = [begin];
    this.checked = begin;
    this.sendNow(setup.text, setup.values, setup.name);
  }

  async query<R extends QueryResultRow>(text: string, values?: unknown[], name?: string): Promise<R[]> {
    const { res, checked } = this.sendNow<R>(text, values, name);
    this.flush();
    await checked;
    return (await res).rows;
  }

  async send(text: string, values?: unknown[], name?: string): Promise<void> {
    this.sendNow(text, values, name);
  }

  async finish<R extends QueryResultRow>(text: string, values?: unknown[], name?: string): Promise<R[]> {
    if (!this.fast) return this.query<R>(text, values, name);
    const { res, checked } = this.sendNow<R>(text, values, name);
    this.finished = true;
    const commit = quiet(this.client.query('commit'));
    this.sent.push(commit);
    this.flush();
    await checked;
    const rows = (await res).rows;
    // After a failed statement COMMIT answers ROLLBACK; the statement's own error was thrown above.
    const done = await commit;
    if (done.command !== 'COMMIT') throw new Error(`commit answered ${done.command}`);
    return rows;
  }

  /** Commits, unless `finish` already did. */
  async commit(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    const commit = quiet(this.client.query('commit'));
    this.sent.push(commit);
    this.flush();
    await this.checked;
    await commit;
  }

  /** Waits until every statement sent has been answered (before a rollback), whatever the answers. */
  async settled(): Promise<void> {
    this.flush();
    const sent = this.sent;
    this.sent = [];
    for (const p of sent) await p.catch(() => undefined);
  }

  /**
   * Sends a statement; `checked` settles once it and every statement before it were answered,
   * rejected with the first error among them (so concurrent callers all see the one that counts).
   */
  private sendNow<R extends QueryResultRow>(
    text: string,
    values: unknown[] | undefined,
    name: string | undefined,
  ): { res: Promise<QueryResult<R>>; checked: Promise<unknown> } {
    if (this.finished) throw new Error(`statement ${name ?? text.slice(0, 40)} after the transaction's last one`);
    this.cork();
    const res = quiet(this.client.query<R>({ text, values, name }));
    this.sent.push(res);
    this.checked = quiet(this.checked.then(() => res));
    return { res, checked: this.checked };
  }

  /**
   * Holds the statements sent from now on in the socket's buffer until `flush`: one write
   * (one system call, one wake-up of the backend) for BEGIN, the statements sent ahead and the
   * one awaited, instead of one each. Flushed before anything is awaited here, and on the next
   * turn of the event loop in any case, so a statement sent and never awaited still goes out.
   */
  private cork(): void {
    if (this.corked || this.socket === undefined) return;
    this.corked = true;
    this.socket.cork();
    setImmediate(() => this.flush());
  }

  private flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket!.uncork();
  }
}

interface Corkable {
  cork(): void;
  uncork(): void;
}

/** The socket under a pg client (pg's own connection.stream; undefined if that ever changes). */
function socketOf(client: PoolClient): Corkable | undefined {
  const stream = (client as unknown as { connection?: { stream?: Partial<Corkable> } }).connection?.stream;
  return typeof stream?.cork === 'function' && typeof stream.uncork === 'function' ? (stream as Corkable) : undefined;
}
