import { createHash } from 'node:crypto';
import { requestShapes, type MessageShape } from '@fsmeta/proto';
import type { RequestBinding } from '../meta/types';

/**
 * What a request id is bound to: the RPC and a fingerprint of its body
 * (docs/api.md, "Request ids"). The server registers each request's context
 * message (`ctx`) with its method and body before the handler runs
 * (`bindRequest`), and opContext (convert.ts) looks the binding up by that
 * same object and hands it to meta with the rest of the request context,
 * where the request log stores it. A WeakMap, not AsyncLocalStorage: async
 * context tracking would hook every promise the process makes.
 */
const bound = new WeakMap<object, { method: string; request: unknown }>();

export function bindRequest(method: string, request: unknown): void {
  const ctx = typeof request === 'object' && request !== null ? (request as { ctx?: unknown }).ctx : undefined;
  if (typeof ctx === 'object' && ctx !== null) bound.set(ctx, { method, request });
}

/** The binding of the request whose context message is `ctx`, or undefined for one the server did not register (e.g. tests calling meta directly). */
export function bindingOf(ctx: object): RequestBinding | undefined {
  const current = bound.get(ctx);
  if (current === undefined) return undefined;
  let fingerprint: Buffer | undefined;
  return {
    method: current.method,
    fingerprint: () => (fingerprint ??= fingerprintOf(current.method, current.request)),
  };
}

/** The fields that identify the request id itself, not the request: left out of the fingerprint. */
const KEY_FIELDS = new Set(['ctx.request_id', 'ctx.session_id']);
const FINGERPRINT_BYTES = 16;

/**
 * SHA-256 over the decoded request, field by field in .proto order, each value
 * tagged with its field name and length, so the same request always gives the
 * same bytes and different ones (almost) never do. The bytes are gathered
 * first and hashed at once (one call into the hash, not one per field); they
 * are the same bytes as ever, so fingerprints stored by earlier versions still
 * match during a rolling upgrade.
 */
export function fingerprintOf(method: string, request: unknown): Buffer {
  const out = new Parts(`${method}\0`);
  const shape = requestShapes().get(method);
  if (shape !== undefined) hashMessage(out, shape, request, '');
  return createHash('sha256').update(out.bytes()).digest().subarray(0, FINGERPRINT_BYTES);
}

/** The bytes to hash: text (UTF-8) and raw bytes, in order. */
class Parts {
  private readonly chunks: Buffer[] = [];

  constructor(private text: string) {}

  add(s: string): void {
    this.text += s;
  }

  addBytes(b: Uint8Array): void {
    if (this.text !== '') this.chunks.push(Buffer.from(this.text));
    this.text = '';
    this.chunks.push(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  }

  bytes(): Buffer {
    if (this.text !== '') this.chunks.push(Buffer.from(this.text));
    this.text = '';
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
  }
}

function hashValue(out: Parts, v: unknown): void {
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) {
    out.add(`b${v.length}:`);
    out.addBytes(v);
  } else {
    const s = String(v);
    out.add(`${typeof v}${Buffer.byteLength(s)}:${s}`);
  }
}

function hashMessage(out: Parts, shape: MessageShape, msg: unknown, prefix: string): void {
  if (typeof msg !== 'object' || msg === null) {
    out.add('null;');
    return;
  }
  const obj = msg as Record<string, unknown>;
  for (const field of shape.fields) {
    const path = prefix === '' ? field.name : `${prefix}.${field.name}`;
    if (KEY_FIELDS.has(path)) continue;
    const value = obj[field.key];
    if (value === undefined || value === null) continue;
    out.add(`${field.name}=`);
    const values = field.repeated && Array.isArray(value) ? value : [value];
    if (field.repeated) out.add(`[${values.length}]`);
    for (const v of values) {
      if (field.message !== undefined) hashMessage(out, field.message, v, path);
      else hashValue(out, v);
    }
    out.add(';');
  }
}
