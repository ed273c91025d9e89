import { Pool, types, type PoolClient, type QueryResultRow } from 'pg';
import type { Logger } from 'pino';
import { ALLOWANCE_SQLSTATE, LimitExceeded, MAX_REFILLS, parseAllowanceError, refillAllowance, structureLockSql, type StructureLock } from './quotas';

// int8 columns (inodes, lengths, nanosecond times) are exact bigints in fsmeta.
types.setTypeParser(types.builtins.INT8, (v) => BigInt(v));

/** SQLSTATEs after which the whole transaction is run again. */
const RETRYABLE_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '23505', // unique_violation: a concurrent insert won; the retry sees its row
  '55P03', // lock_not_available (lock_timeout)
  '57P01', // admin_shutdown
  '08000', '08003', '08006', '08001', '08004', // connection exceptions
]);
const RETRYABLE_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);
const MAX_ATTEMPTS = 20;
const BASE_BACKOFF_MS = 2;
const MAX_BACKOFF_MS = 200;

export interface StoreOptions {
  connectionString: string;
  poolSize: number;
  /** SET LOCAL lock_timeout for mutations, so a stuck lock turns into a retry, not a hang. */
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

/** What a transaction body may do: run parameterised SQL. */
export interface Tx {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[], name?: string): Promise<R[]>;
}

export interface TxStats {
  retries: number;
  lockWaitsMs: number;
}

export function sqlState(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

function isRetryable(err: unknown): boolean {
  const code = sqlState(err);
  if (code !== undefined && (RETRYABLE_SQLSTATES.has(code) || RETRYABLE_NODE_CODES.has(code))) return true;
  const message = err instanceof Error ? err.message : '';
  return /Connection terminated|connection error|Client has encountered a connection error/i.test(message);
}

/** The database could not be reached (or kept dropping the connection) through every retry. */
export class StoreUnavailable extends Error {
  constructor(cause: unknown) {
    super(`database unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StoreUnavailable';
  }
}

function giveUp(err: unknown): unknown {
  const code = sqlState(err);
  const lostConnection = code === undefined || code.startsWith('08') || code === '57P01' || RETRYABLE_NODE_CODES.has(code);
  return isRetryable(err) && lostConnection ? new StoreUnavailable(err) : err;
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
  readonly reader: Tx = { query: (text, values, name) => this.read(text, values, name) };

  constructor(
    readonly options: StoreOptions,
    private readonly log: Logger,
  ) {
    this.pool = new Pool({
      connectionString: options.connectionString,
      max: options.poolSize,
      statement_timeout: options.statementTimeoutMs,
      application_name: 'fsmeta',
    });
    // An idle client losing its connection must not crash the process.
    this.pool.on('error', (err) => this.log.warn({ err: err.message }, 'idle database connection lost'));
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
    let refills = 0;
    let kept: PoolClient | undefined;
    for (let attempt = 1; ; attempt++) {
      let client: PoolClient | undefined = kept;
      kept = undefined;
      try {
        client ??= await this.pool.connect();
        await client.query(`begin; set local lock_timeout = ${Math.floor(this.options.lockTimeoutMs)}; ${structureLockSql(opts.structure?.() ?? 'shared')}`);
        const result = await fn(wrap(client));
        await client.query('commit');
        client.release();
        return result;
      } catch (err) {
        let broken = false;
        if (client !== undefined) {
          broken = await client.query('rollback').then(
            () => false,
            () => true,
          );
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
        this.retryCounts.set(code, (this.retryCounts.get(code) ?? 0) + 1);
        this.log.debug({ code, attempt }, 'transaction retried');
        const cap = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempt);
        await sleep(Math.random() * cap);
      }
    }
  }

  /** One autocommit statement (reads), retried on lost connections. */
  async read<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[], name?: string): Promise<R[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.pool.query<R>({ text, values, name });
        return res.rows;
      } catch (err) {
        if (!isRetryable(err) || attempt >= MAX_ATTEMPTS) throw giveUp(err);
        await sleep(Math.random() * Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempt));
      }
    }
  }
}

function wrap(client: PoolClient): Tx {
  return {
    async query<R extends QueryResultRow>(text: string, values?: unknown[], name?: string): Promise<R[]> {
      const res = await client.query<R>({ text, values, name });
      return res.rows;
    },
  };
}
