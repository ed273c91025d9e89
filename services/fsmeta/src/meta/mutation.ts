import type { Db, Tx } from '../store/db';
import { KIND_VOLUME, LimitExceeded, type StructureLock } from '../store/quotas';
import { getOutcome, recordFailure, recordOutcome, type OutcomeLog, type SessionCheck } from '../store/requests';
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

  log(result: unknown): OutcomeLog {
    return { sid: this.ctx.sessionId, requestId: this.ctx.requestId, outcome: encodeOutcome({ ok: result }), allowReadOnly: this.allowReadOnly };
  }

  /** The request-log target for a statement that builds the outcome itself in SQL (see store attrOutcomeJson). */
  logTarget(): OutcomeLog {
    return { sid: this.ctx.sessionId, requestId: this.ctx.requestId, outcome: Buffer.alloc(0), allowReadOnly: this.allowReadOnly };
  }

  logged(check: SessionCheck | undefined): void {
    if (check === 'missing') throw new FsError('ESTALE', 'session is unknown or expired');
    if (check === 'read-only') throw new FsError('EROFS', 'read-only session');
    if (check === 'ok') this.recorded = true;
  }
}

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
  let stored: Buffer | undefined;
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
        scope.logged(await recordOutcome(tx, ctx.sessionId, ctx.requestId, encodeOutcome({ ok: result }), opts.allowReadOnly ?? false));
      }
      return result;
    }, { structure: opts.structure }).then((result) => (stored !== undefined ? replay<T>(stored) : result));
  } catch (caught) {
    const err = limitError(caught);
    if (!(err instanceof FsError) || err.errno === 'ESTALE') throw err;
    const failure = encodeOutcome({ errno: err.errno, message: err.message });
    const standing = await db.transaction((tx) => recordFailure(tx, ctx.sessionId, ctx.requestId, failure));
    if (standing === undefined) throw err;
    return replay<T>(standing);
  }
}
