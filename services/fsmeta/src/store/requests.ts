import { fallbackSql, type Tx } from './db';

/** request_log SQL: the first outcome of each (session, request id). */

export type SessionCheck = 'ok' | 'missing' | 'read-only';

/** A mutation's outcome, recorded by the same statement as its last write (one round trip fewer). */
export interface OutcomeLog {
  sid: bigint;
  requestId: string;
  outcome: Buffer;
  allowReadOnly: boolean;
  /** The RPC and request fingerprint the id is bound to (null: unbound). */
  method: string | null;
  fingerprint: Buffer | null;
  /**
   * Nothing follows the statement carrying this log in its transaction: it is
   * sent with COMMIT in a fast attempt (Tx.finish), refusing there whatever
   * the session check (or `finalIf`) would have the body refuse after it.
   */
  final: boolean;
}

/** A recorded outcome and what its request id is bound to. */
export interface StoredOutcome {
  outcome: Buffer;
  method: string | null;
  fingerprint: Buffer | null;
}

/**
 * A write that raced the removal of its session: the foreign key from
 * request_log (or any other per-session table) to the session row failed.
 * The session is gone, so the caller answers ESTALE, as for any unknown session.
 */
export function isSessionGone(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; detail?: unknown };
  return e.code === '23503' && typeof e.detail === 'string' && /table "session"/.test(e.detail);
}

/**
 * Runs a write statement made of data-modifying CTEs (`ctes`, without `with`)
 * and, when `log` is given, records the request's outcome in the same
 * statement, under the same session checks as recordOutcome. `select` is the
 * statement's own result columns; `outcomeSql`, when the outcome is only known
 * inside the statement, an SQL expression (over the CTEs) producing its bytes
 * in the encoding of meta/mutation.ts. Returns the rows and the session check
 * (undefined without a log).
 */
export async function runWrite<R extends object = object>(
  tx: Tx,
  name: string,
  ctes: string,
  params: unknown[],
  log?: OutcomeLog,
  opts: { select?: string; from?: string; outcomeSql?: string; finalIf?: string } = {},
): Promise<{ rows: R[]; check?: SessionCheck }> {
  const select = opts.select ?? '1 as one';
  const from = opts.from === undefined ? '' : ` from ${opts.from}`;
  if (log === undefined) {
    return { rows: await tx.query<R & QueryRow>(`with ${ctes} select ${select}${from}`, params, name) };
  }
  const n = params.length;
  // Committing with the statement: only when the outcome was recorded (and `finalIf` holds); else the attempt runs again the ordinary way.
  const fast = log.final && tx.fast;
  const guard = fast ? `, ${fallbackSql(`exists (select 1 from rl)${opts.finalIf === undefined ? '' : ` and (${opts.finalIf})`}`)} as rl_fast` : '';
  const text = `with ${ctes},
          rl_s as (select read_only from session where sid = $${n + 1} and expire_at > now()),
          rl as (insert into request_log (sid, request_id, outcome, method, fingerprint)
                 select $${n + 1}, $${n + 2}, x.outcome, $${n + 5}, $${n + 6} from rl_s, (select coalesce(${opts.outcomeSql ?? 'null'}, $${n + 3}::bytea) as outcome offset 0) x
                  where x.outcome is not null and ($${n + 4}::boolean or not rl_s.read_only) returning 1)
     select ${select}, exists (select 1 from rl_s) as rl_session_found, exists (select 1 from rl) as rl_logged${guard}${from}`;
  const values = [...params, log.sid, log.requestId, opts.outcomeSql === undefined ? log.outcome : null, log.allowReadOnly, log.method, log.fingerprint];
  const rows = log.final
    ? await tx.finish<R & QueryRow & { rl_session_found: boolean; rl_logged: boolean }>(text, values, `${name}+log${fast ? '+commit' : ''}`)
    : await tx.query<R & QueryRow & { rl_session_found: boolean; rl_logged: boolean }>(text, values, `${name}+log`);
  const r = rows[0];
  const check: SessionCheck = r === undefined || !r.rl_session_found ? 'missing' : r.rl_logged ? 'ok' : 'read-only';
  return { rows, check };
}

type QueryRow = Record<string, unknown>;

/**
 * Records a mutation's outcome in its own statement. Inserts nothing when the
 * session is unknown or past its expiry ('missing': the session is fenced off
 * however busy it is), or read-only and `allowReadOnly` is false; a concurrent
 * first attempt with the same id makes the insert fail with a unique
 * violation, which rolls the whole mutation back for a retry.
 */
export async function recordOutcome(tx: Tx, log: OutcomeLog): Promise<SessionCheck> {
  const fast = log.final && tx.fast;
  const text = `with s as (select sid, read_only from session where sid = $1 and expire_at > now()),
          ins as (insert into request_log (sid, request_id, outcome, method, fingerprint)
                  select sid, $2, $3, $5, $6 from s where $4 or not read_only returning 1)
     select exists (select 1 from s) as found, exists (select 1 from ins) as inserted${fast ? `, ${fallbackSql('exists (select 1 from ins)')} as fast` : ''}`;
  const values = [log.sid, log.requestId, log.outcome, log.allowReadOnly, log.method, log.fingerprint];
  const rows = log.final
    ? await tx.finish<{ found: boolean; inserted: boolean }>(text, values, fast ? 'record-outcome+commit' : 'record-outcome')
    : await tx.query<{ found: boolean; inserted: boolean }>(text, values, 'record-outcome');
  const row = rows[0];
  if (row === undefined || !row.found) return 'missing';
  return row.inserted ? 'ok' : 'read-only';
}

export async function getOutcome(tx: Tx, sid: bigint, requestId: string): Promise<StoredOutcome | undefined> {
  const rows = await tx.query<StoredOutcome>(
    'select outcome, method, fingerprint from request_log where sid = $1 and request_id = $2',
    [sid, requestId],
    'get-outcome',
  );
  return rows[0];
}

/**
 * Records a failure unless some attempt already recorded an outcome; returns
 * the outcome that stands, or undefined when the session is gone or expired
 * and nothing was recorded.
 */
export async function recordFailure(tx: Tx, log: OutcomeLog): Promise<StoredOutcome | undefined> {
  const rows = await tx.query<StoredOutcome>(
    `with ins as (insert into request_log (sid, request_id, outcome, method, fingerprint)
                  select sid, $2, $3, $4, $5 from session where sid = $1 and expire_at > now()
                  on conflict (sid, request_id) do nothing returning outcome, method, fingerprint)
     select outcome, method, fingerprint from ins
     union all
     select outcome, method, fingerprint from request_log where sid = $1 and request_id = $2`,
    [log.sid, log.requestId, log.outcome, log.method, log.fingerprint],
    'record-failure',
  );
  return rows[0];
}

/** Forgets outcomes older than the retention; returns how many were removed. */
export async function pruneOutcomes(tx: Tx, retentionMs: number, limit: number): Promise<number> {
  const rows = await tx.query(
    `delete from request_log where ctid = any (array(
       select ctid from request_log where created_at < now() - make_interval(secs => $1::double precision / 1000) limit $2))
     returning 1`,
    [retentionMs, limit],
  );
  return rows.length;
}
