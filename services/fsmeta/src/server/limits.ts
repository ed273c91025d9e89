import { INT64_TYPES, UINT64_TYPES, requestShapes, type ErrnoName, type FieldShape, type MessageShape } from '@fsmeta/proto';
import { FsError, InvalidArgument, ResourceExhausted } from '../meta/errors';
import { MAX_REQUEST_ID_LEN } from '../meta/mutation';
import { MAX_NAME_LEN, MAX_SYMLINK_LEN } from '../meta/types';
import { MAX_XATTR_NAME_LEN, MAX_XATTR_VALUE_LEN } from '../meta/xattrs';
import { MAX_CLAIM_LIMIT } from '../meta/data';

/**
 * Input limits and validation of every request, in one place (docs/api.md,
 * "Limits"). Each method's request is checked field by field from the .proto
 * itself, so a field added later is covered by its type's default rule; the
 * tables below only name the fields whose rule differs. Runs before
 * authorization and the handler: nothing out of range reaches SQL.
 *
 * Defaults by type: 64-bit unsigned values must fit PostgreSQL's bigint
 * (< 2^63); strings are at most MAX_STRING_BYTES without NUL; repeated fields
 * hold at most MAX_REPEATED values. Bytes are bounded by the message size
 * unless a rule says more.
 */

/** The largest value a 64-bit field may carry: PostgreSQL bigint, and JuiceFS's own inodes and lengths. */
export const MAX_INT64 = (1n << 63n) - 1n;
export const MAX_STRING_BYTES = 4096;
export const MAX_REPEATED = 1024;
/** Supplementary groups of a caller (Linux NGROUPS_MAX is 65536; FUSE passes none, so this is generous). */
export const MAX_GIDS = 4096;
export const MAX_IP_ADDRS = 64;
export const MAX_IP_ADDR_BYTES = 255;
export const MAX_CURSOR_BYTES = 4096;

type Check = (value: unknown, path: string) => void;

function errno(name: ErrnoName, message: string): () => never {
  return () => {
    throw new FsError(name, message);
  };
}

/** A 64-bit field naming an inode: one past bigint cannot exist, so ENOENT (as a lookup of any unknown inode). */
const INODE_OUT_OF_RANGE = errno('ENOENT', 'no such inode');
/** A session id past bigint was never handed out: ESTALE, as any unknown session. */
const SESSION_OUT_OF_RANGE = errno('ESTALE', 'session is unknown or expired');

/** What a u64 field answers when its value is 2^63 or more; the default is INVALID_ARGUMENT naming the field. */
const U64_OUT_OF_RANGE: Record<string, () => never> = {
  inode: INODE_OUT_OF_RANGE,
  parent: INODE_OUT_OF_RANGE,
  parent_src: INODE_OUT_OF_RANGE,
  parent_dst: INODE_OUT_OF_RANGE,
  inode_in: INODE_OUT_OF_RANGE,
  inode_out: INODE_OUT_OF_RANGE,
  subtree: INODE_OUT_OF_RANGE,
  session_id: SESSION_OUT_OF_RANGE,
  // Lengths and offsets past 2^63 are past any file (JuiceFS's VFS: EFBIG beyond its max file size).
  length: errno('EFBIG', 'beyond the largest file'),
  offset: errno('EFBIG', 'beyond the largest file'),
  size: errno('EFBIG', 'beyond the largest file'),
  offset_in: errno('EFBIG', 'beyond the largest file'),
  offset_out: errno('EFBIG', 'beyond the largest file'),
};

/**
 * u64 fields that use the whole range: lock owners are the kernel's opaque
 * tokens (stored as two's-complement bigint), lock ranges end at 2^64 - 1
 * (store/locks.ts encodes them as u64 bytes).
 */
const FULL_RANGE_U64 = new Set(['owner', 'lock_owner', 'start', 'end']);

function maxBytes(limit: number, over: () => never): Check {
  return (value) => {
    if (Buffer.isBuffer(value) && value.length > limit) over();
  };
}

function requestId(value: unknown, path: string): void {
  const id = String(value);
  if (Buffer.byteLength(id) > MAX_REQUEST_ID_LEN) throw new InvalidArgument(path, `longer than ${MAX_REQUEST_ID_LEN} bytes`);
  // Printable ASCII only: ids are keys, logged and compared byte for byte.
  if (!/^[\x21-\x7e]*$/.test(id)) throw new InvalidArgument(path, 'only printable ASCII characters (0x21-0x7e) are allowed');
}

/** Rules for bytes and string fields by the field's name in any request, or `Method.name` for one method only. */
const VALUE_RULES: Record<string, Check> = {
  name: maxBytes(MAX_NAME_LEN, errno('ENAMETOOLONG', `name longer than ${MAX_NAME_LEN} bytes`)),
  name_src: maxBytes(MAX_NAME_LEN, errno('ENAMETOOLONG', `name longer than ${MAX_NAME_LEN} bytes`)),
  name_dst: maxBytes(MAX_NAME_LEN, errno('ENAMETOOLONG', `name longer than ${MAX_NAME_LEN} bytes`)),
  target: maxBytes(MAX_SYMLINK_LEN, errno('EINVAL', `symlink target longer than ${MAX_SYMLINK_LEN} bytes`)),
  'GetXattr.name': maxBytes(MAX_XATTR_NAME_LEN, errno('ERANGE', 'attribute name too long')),
  'SetXattr.name': maxBytes(MAX_XATTR_NAME_LEN, errno('ERANGE', 'attribute name too long')),
  'RemoveXattr.name': maxBytes(MAX_XATTR_NAME_LEN, errno('ERANGE', 'attribute name too long')),
  'SetXattr.value': maxBytes(MAX_XATTR_VALUE_LEN, errno('E2BIG', `attribute value longer than ${MAX_XATTR_VALUE_LEN} bytes`)),
  cursor: (value, path) => {
    if (Buffer.isBuffer(value) && value.length > MAX_CURSOR_BYTES) throw new InvalidArgument(path, `longer than ${MAX_CURSOR_BYTES} bytes`);
  },
  request_id: requestId,
};

/** Element limits of repeated fields, by field name (default MAX_REPEATED). */
const REPEATED_LIMITS: Record<string, number> = {
  gids: MAX_GIDS,
  ip_addrs: MAX_IP_ADDRS,
  ids: MAX_CLAIM_LIMIT,
};

/** Per-field string limits (default MAX_STRING_BYTES). */
const STRING_LIMITS: Record<string, number> = {
  ip_addrs: MAX_IP_ADDR_BYTES,
};

function checkU64(field: FieldShape, value: unknown, path: string): void {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) throw new InvalidArgument(path, 'not an unsigned 64-bit integer');
  if (value.length >= 19 && BigInt(value) > MAX_INT64 && !FULL_RANGE_U64.has(field.name)) {
    const over = U64_OUT_OF_RANGE[field.name];
    if (over !== undefined) over();
    throw new InvalidArgument(path, `out of range (at most ${MAX_INT64})`);
  }
}

function checkString(field: FieldShape, value: unknown, path: string): void {
  if (typeof value !== 'string') throw new InvalidArgument(path, 'not a string');
  const limit = STRING_LIMITS[field.name] ?? MAX_STRING_BYTES;
  if (value.length > limit || Buffer.byteLength(value) > limit) throw new InvalidArgument(path, `longer than ${limit} bytes`);
  if (value.includes('\0')) throw new InvalidArgument(path, 'contains a NUL character');
}

function checkValue(method: string, field: FieldShape, value: unknown, path: string): void {
  if (value === null || value === undefined) return;
  if (field.message !== undefined) return checkMessage(method, field.message, value, path);
  if (UINT64_TYPES.has(field.type)) checkU64(field, value, path);
  else if (INT64_TYPES.has(field.type) && (typeof value !== 'string' || !/^-?\d+$/.test(value))) {
    throw new InvalidArgument(path, 'not a 64-bit integer');
  } else if (field.type === 'string') checkString(field, value, path);
  const rule = VALUE_RULES[`${method}.${field.name}`] ?? VALUE_RULES[field.name];
  rule?.(value, path);
}

function checkMessage(method: string, shape: MessageShape, msg: unknown, prefix: string): void {
  if (typeof msg !== 'object' || msg === null) return;
  const obj = msg as Record<string, unknown>;
  for (const field of shape.fields) {
    const value = obj[field.key];
    const path = prefix === '' ? field.name : `${prefix}.${field.name}`;
    if (!field.repeated) {
      checkValue(method, field, value, path);
      continue;
    }
    if (!Array.isArray(value)) continue;
    const limit = REPEATED_LIMITS[field.name] ?? MAX_REPEATED;
    if (value.length > limit) throw new InvalidArgument(path, `more than ${limit} values`);
    for (let i = 0; i < value.length; i++) checkValue(method, field, value[i], `${path}[${i}]`);
  }
}

/** Checks a decoded request of `method` against the limits; throws InvalidArgument (naming the field) or an FsError. */
export function validateRequest(method: string, request: unknown): void {
  const shape = requestShapes().get(method);
  if (shape !== undefined) checkMessage(method, shape, request, '');
}

/** A request whose bytes did not decode (grpc-js would answer INTERNAL before any handler saw it). */
export class Undecodable {
  constructor(readonly reason: string) {}
}

/** Wraps a method's request deserializer so that undecodable bytes reach the handler as an Undecodable. */
export function tolerantDeserializer(deserialize: (buf: Buffer) => unknown): (buf: Buffer) => unknown {
  return (buf) => {
    try {
      return deserialize(buf);
    } catch (err) {
      return new Undecodable(err instanceof Error ? err.message : String(err));
    }
  };
}

/** The session a request acts in, if any (ctx.session_id, or session_id of the session RPCs). */
export function sessionOf(request: unknown): string | undefined {
  const r = request as { ctx?: { sessionId?: string } | null; sessionId?: string };
  const sid = r.ctx?.sessionId ?? r.sessionId;
  return sid === undefined || sid === '' || sid === '0' ? undefined : sid;
}

/**
 * Calls in flight per session on this replica: one storage node cannot take
 * every connection of the pool. Over the limit: RESOURCE_EXHAUSTED (the
 * client backs off; nothing was done).
 */
export class InflightLimiter {
  private readonly counts = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** Admits a call of `session` (undefined: not counted); returns the release to call when it ends. */
  enter(session: string | undefined): () => void {
    if (session === undefined || this.limit <= 0) return NOOP;
    const n = this.counts.get(session) ?? 0;
    if (n >= this.limit) throw new ResourceExhausted(`session ${session} has ${n} calls in flight (limit ${this.limit})`);
    this.counts.set(session, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(session) ?? 1) - 1;
      if (left <= 0) this.counts.delete(session);
      else this.counts.set(session, left);
    };
  }
}

const NOOP = (): void => undefined;
