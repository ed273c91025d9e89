import { answeredByDatabase, type Db, type Tx } from '../store/db';
import { KIND_VOLUME, LimitExceeded, type StructureLock } from '../store/quotas';
import { getOutcome, isSessionGone, recordFailure, recordOutcome, type OutcomeLog, type SessionCheck, type StoredOutcome } from '../store/requests';
import { FsError, InvalidArgument } from './errors';
import type { OpContext } from './types';
import { isErrnoName } from '@fsmeta/proto';

export const MAX_REQUEST_ID_LEN = 64;

/** Outcomes are stored as JSON with bigints and Buffers tagged, so a replay returns exactly the first result. */
function encodeOutcome(value: unknown): Buffer {
  return Buffer.from(
    JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v)),
  );
}

function decodeOutcome(raw: Buffer): unknown {
  return JSON.parse(raw.toString(), (_key, v: unknown) => {
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.$bigint === 'string') return BigInt(o.$bigint);
      if (o.type === 'Buffer' && Array.isArray(o.data)) return Buffer.from(o.data as number[]);
    }
    return v;
  });
}

interface Outcome {
  ok?: unknown;
  errno?: string;
  message?: string;
}

function replay<T>(raw: Buffer): T {
  const outcome = decodeOutcome(raw) as Outcome;
  if (outcome.errno !== undefined && isErrnoName(outcome.errno)) throw new FsError(outcome.errno, outcome.message);
  return outcome.ok as T;
}

/**
 * Handed to a mutation's body: `log(result)` gives the request-log record for
 * the body's last write statement to carry (store runWrite), and `logged`
 * takes that statement's session check. A body that does neither gets its
 * outcome recorded by a statement of its own.
 */
export class MutationScope {
  recorded = false;

  constructor(
    private readonly ctx: OpContext,
    private readonly allowReadOnly: boolean,
  ) {}

  /** `final`: the statement carrying the log is the body's last (see OutcomeLog.final); false when more statements follow it. */
  log(result: unknown, final = true): OutcomeLog {
    return outcomeLog(this.ctx, encodeOutcome({ ok: result }), this.allowReadOnly, final);
  }

  /** The request-log target for a body's last statement that builds the outcome itself in SQL (see store attrOutcomeJson). */
  logTarget(): OutcomeLog {
    return outcomeLog(this.ctx, Buffer.alloc(0), this.allowReadOnly, true);
  }

  logged(check: SessionCheck | undefined): void {
    if (check === 'missing') throw new FsError('ESTALE', SESSION_GONE);
    if (check === 'read-only') throw new FsError('EROFS', 'read-only session');
    if (check === 'ok') this.recorded = true;
  }
}

function outcomeLog(ctx: OpContext, outcome: Buffer, allowReadOnly: boolean, final: boolean): OutcomeLog {
  return {
    final,
    sid: ctx.sessionId,
    requestId: ctx.requestId,
    outcome,
    allowReadOnly,
    method: ctx.binding?.method ?? null,
    fingerprint: ctx.binding?.fingerprint() ?? null,
  };
}

/**
 * A stored outcome answers only the request its id was first used for: the
 * same RPC with the same body. Anything else reusing the id is a client bug
 * that must not get another request's result (INVALID_ARGUMENT naming the id).
 */
function checkBinding(ctx: OpContext, stored: StoredOutcome): void {
  const b = ctx.binding;
  if (b === undefined || stored.method === null) return;
  if (stored.method !== b.method) {
    throw new InvalidArgument('ctx.request_id', `request id "${ctx.requestId}" was already used for ${stored.method}, not ${b.method}`);
  }
  if (stored.fingerprint !== null && !stored.fingerprint.equals(b.fingerprint())) {
    throw new InvalidArgument('ctx.request_id', `request id "${ctx.requestId}" was already used for a different ${b.method} request`);
  }
}

const SESSION_GONE = 'session is unknown or expired';

export interface MutationOptions {
  /** Allowed in a read-only session (e.g. opening a file for reading). */
  allowReadOnly?: boolean;
  /** The quota-structure lock the transaction takes (store/quotas.ts), asked at each attempt; default shared. */
  structure?: () => StructureLock;
}

/**
 * As baseMeta.checkQuota's answers: a full volume is ENOSPC, any quota EDQUOT (checked in
 * checkQuota's order by fsmeta_charge: user, group, volume, directories).
 */
function limitError(err: unknown): unknown {
  if (!(err instanceof LimitExceeded)) return err;
  return err.kind === KIND_VOLUME ? new FsError('ENOSPC', 'the volume is full') : new FsError('EDQUOT', err.message);
}

export function checkMutationContext(ctx: OpContext): void {
  if (ctx.sessionId <= 0n) throw new InvalidArgument('ctx.session_id', 'a session is required for a mutation');
  if (ctx.requestId.length === 0) throw new InvalidArgument('ctx.request_id', 'a request id is required for a mutation');
  if (Buffer.byteLength(ctx.requestId) > MAX_REQUEST_ID_LEN) {
    throw new InvalidArgument('ctx.request_id', `longer than ${MAX_REQUEST_ID_LEN} bytes`);
  }
}

/**
 * Runs a mutation exactly once per (session, request id). The body and the
 * record of its outcome commit in one transaction; a retried request whose
 * first attempt committed collides on request_log's key, rolls back, and gets
 * the stored outcome instead. Failures (errnos) are recorded too, so a retry
 * returns the first outcome whatever happened in between.
 */
export async function mutate<T>(
  db: Db,
  ctx: OpContext,
  body: (tx: Tx, scope: MutationScope) => Promise<T>,
  opts: MutationOptions = {},
): Promise<T> {
  checkMutationContext(ctx);
  let attempts = 0;
  let stored: StoredOutcome | undefined;
  try {
    return await db.transaction(async (tx) => {
      attempts++;
      if (attempts > 1) {
        stored = await getOutcome(tx, ctx.sessionId, ctx.requestId);
        if (stored !== undefined) return undefined as T;
      }
      const scope = new MutationScope(ctx, opts.allowReadOnly ?? false);
      const result = await body(tx, scope);
      if (!scope.recorded) {
        scope.logged(await recordOutcome(tx, outcomeLog(ctx, encodeOutcome({ ok: result }), opts.allowReadOnly ?? false, true)));
      }
      return result;
    }, { structure: opts.structure }).then((result) => {
      if (stored === undefined) return result;
      checkBinding(ctx, stored);
      return replay<T>(stored.outcome);
    });
  } catch (caught) {
    // A write that raced the removal of its session (a foreign-key failure) is a stale session, not a server error.
    if (isSessionGone(caught)) throw new FsError('ESTALE', SESSION_GONE);
    const err = limitError(caught);
    if (!(err instanceof FsError)) {
      // The store gave up on a live database (retries ran out on contention or on a unique
      // violation, a statement was cancelled): an attempt of this very request (the client's retry
      // racing it) may have committed meanwhile, and its outcome is the answer, never a server
      // error. (A database that cannot be reached is not asked again: UNAVAILABLE at once.)
      if (!answeredByDatabase(err)) throw err;
      const standing = await getOutcome(db.reader, ctx.sessionId, ctx.requestId).catch(() => undefined);
      if (standing === undefined) throw err;
      checkBinding(ctx, standing);
      return replay<T>(standing.outcome);
    }
    if (err.errno === 'ESTALE') throw err;
    const failure = encodeOutcome({ errno: err.errno, message: err.message });
    let standing: StoredOutcome | undefined;
    try {
      standing = await db.transaction(
        async (tx) =>
          (await recordFailure(tx, outcomeLog(ctx, failure, true, false))) ??
          // Nothing inserted and nothing seen: the session is gone, or an attempt of this request
          // committed its outcome after the statement's snapshot (the insert waited for it); a new
          // statement sees that one.
          (await getOutcome(tx, ctx.sessionId, ctx.requestId)),
      );
    } catch (e) {
      if (isSessionGone(e)) throw new FsError('ESTALE', SESSION_GONE);
      throw e;
    }
    // Nothing recorded: the session is gone or past its expiry, so the request is fenced off.
    if (standing === undefined) throw new FsError('ESTALE', SESSION_GONE);
    checkBinding(ctx, standing);
    return replay<T>(standing.outcome);
  }
}
