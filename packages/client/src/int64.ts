import { status } from '@grpc/grpc-js';
import { INT64_TYPES, UINT64_TYPES, requestShapes, type FieldShape, type MessageShape } from '@fsmeta/proto';

const MAX_U64 = (1n << 64n) - 1n;
const MIN_I64 = -(1n << 63n);
const MAX_I64 = (1n << 63n) - 1n;

/** A request the client refuses to send: a 64-bit value that is not one. */
export class MalformedRequest extends Error {
  readonly code = status.INVALID_ARGUMENT;
  constructor(
    readonly method: string,
    readonly field: string,
    message: string,
  ) {
    super(`${method}: ${field}: ${message}`);
    this.name = 'MalformedRequest';
  }
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? `${v}n` : String(v);
}

/**
 * One 64-bit value, checked: a decimal string, a safe integer or a bigint in
 * the field's range. Anything else is refused, never rewritten (protobufjs
 * would turn "1e3" or 1.5 into 1, "abc" into 0, "-1" into 2^64 - 1, and wrap
 * values past 2^64). Returns the value to send (bigints as decimal strings).
 */
function check(method: string, path: string, signed: boolean, v: unknown): unknown {
  const kind = signed ? 'a signed 64-bit integer' : 'an unsigned 64-bit integer';
  let n: bigint;
  if (typeof v === 'string') {
    if (!(signed ? /^-?\d{1,20}$/ : /^\d{1,20}$/).test(v)) throw new MalformedRequest(method, path, `${show(v)} is not ${kind} (a decimal string)`);
    n = BigInt(v);
  } else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new MalformedRequest(method, path, `${show(v)} is not ${kind} (numbers must be safe integers; pass larger values as strings)`);
    n = BigInt(v);
  } else if (typeof v === 'bigint') {
    n = v;
  } else {
    throw new MalformedRequest(method, path, `${show(v)} is not ${kind} (pass a decimal string, a safe integer or a bigint)`);
  }
  if (signed ? n < MIN_I64 || n > MAX_I64 : n < 0n || n > MAX_U64) throw new MalformedRequest(method, path, `${show(v)} is out of range for ${kind}`);
  return typeof v === 'bigint' ? v.toString() : v;
}

function checkField(method: string, field: FieldShape, v: unknown, path: string): unknown {
  if (v === undefined || v === null) return v;
  if (field.message !== undefined) return checkMessage(method, field.message, v, path);
  const signed = INT64_TYPES.has(field.type);
  if (signed || UINT64_TYPES.has(field.type)) return check(method, path, signed, v);
  return v;
}

function checkMessage(method: string, shape: MessageShape, msg: unknown, prefix: string): unknown {
  if (typeof msg !== 'object' || msg === null || Buffer.isBuffer(msg)) return msg;
  const obj = msg as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const field of shape.fields) {
    const v = obj[field.key];
    if (v === undefined || v === null) continue;
    const path = prefix === '' ? field.name : `${prefix}.${field.name}`;
    let next: unknown;
    if (field.repeated && Array.isArray(v)) {
      const arr = v.map((x, i) => checkField(method, field, x, `${path}[${i}]`));
      next = arr.some((x, i) => x !== v[i]) ? arr : v;
    } else {
      next = checkField(method, field, v, path);
    }
    if (next !== v) (out ??= { ...obj })[field.key] = next;
  }
  return out ?? msg;
}

/** Checks every 64-bit field of a request; returns it (copied only where a bigint became a string). */
export function checkInt64Fields<T>(method: string, request: T): T {
  const shape = requestShapes().get(method);
  return shape === undefined ? request : (checkMessage(method, shape, request, '') as T);
}
