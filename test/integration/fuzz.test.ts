import * as grpc from '@grpc/grpc-js';
import { FsmetaError } from '@fsmeta/client';
import { INT64_TYPES, UINT64_TYPES, loadMetaProto, requestShapes, type FieldShape, type MessageShape } from '@fsmeta/proto';
import { ROOT_INO, b } from '../harness/fs';
import { RawClient } from '../harness/raw';
import { ROOT, startEnv, type TestEnv } from '../harness/server';
import { allInvariants } from './data-support';

/**
 * Hostile input for every RPC: random bytes, and requests built from each
 * method's own message shape with out-of-range numbers, empty, huge and
 * NUL-containing names and ids, wrong enums and oversized repeated fields.
 * The server must never answer INTERNAL or UNKNOWN, never stop answering, and
 * the database invariants must hold afterwards. Deterministic per seed
 * (FSMETA_FUZZ_SEED reruns one); the seed is in every failure message.
 */
const SEED = Number(process.env.FSMETA_FUZZ_SEED ?? Date.now() % 1_000_000);
const CASES_PER_METHOD = 12;
const RAW_CASES_PER_METHOD = 4;
const CONCURRENCY = 8;
/** Per call: blocking lock requests may wait this long (DEADLINE_EXCEEDED is the client's, not an answer). */
const CALL_DEADLINE_MS = 3000;

let env: TestEnv;
let raw: RawClient;

beforeAll(async () => {
  env = await startEnv(1, { poolSize: 8 });
  raw = new RawClient(env.servers[0]!.address);
});
afterAll(async () => {
  raw.close();
  await env.stop();
});

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rnd = prng(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const chance = (p: number): boolean => rnd() < p;

/** Inodes worth aiming at: made in the first test, so calls hit real files and directories too. */
const targets: string[] = [ROOT_INO];
let sessionId = '0';
let requestSeq = 0;

function u64(): string {
  return pick(['0', '1', '2', '3', String(Math.floor(rnd() * 1e6)), '4294967295', '4294967296', '9223372036854775807', '9223372036854775808', '18446744073709551615', ...targets, ...targets]);
}
function i64(): string {
  return pick(['0', '-1', '1', '-9223372036854775808', '9223372036854775807', String(Math.floor(rnd() * 2e18) - 1e18), '1700000000000000000']);
}
function u32(): number {
  return pick([0, 1, 2, 0o777, 0o4755, 0xffff, 0x7fffffff, 0xffffffff, Math.floor(rnd() * 2 ** 32)]);
}
function i32(): number {
  return pick([0, -1, 1, -(2 ** 31), 2 ** 31 - 1]);
}
function str(): string {
  return pick(['', 'a', 'x\0y', '\0', 'é😀', 'a'.repeat(65), 'b'.repeat(5000), ' \t\n', `id-${++requestSeq}`, `id-${++requestSeq}`, `id-${++requestSeq}`]);
}
function bytes(): Buffer {
  return pick([
    Buffer.alloc(0),
    b('a'),
    b(`n${Math.floor(rnd() * 50)}`),
    b(`n${Math.floor(rnd() * 50)}`),
    b('.'),
    b('..'),
    b('a/b'),
    Buffer.from([0]),
    Buffer.from([0x61, 0, 0x62]),
    Buffer.alloc(255, 0x61),
    Buffer.alloc(256, 0x61),
    Buffer.alloc(4097, 0x61),
    Buffer.alloc(65537, 0x61),
    b('user.x'),
    b('trusted.x'),
    Buffer.from(Array.from({ length: 16 }, () => Math.floor(rnd() * 256))),
  ]);
}

function value(field: FieldShape, depth: number): unknown {
  if (field.message !== undefined) return chance(0.1) ? null : message(field.message, depth + 1);
  if (field.enumValues !== undefined) return chance(0.7) ? pick([...field.enumValues]) : pick([-1, 99, 1 << 30]);
  if (UINT64_TYPES.has(field.type)) return u64();
  if (INT64_TYPES.has(field.type)) return i64();
  switch (field.type) {
    case 'uint32':
    case 'fixed32':
      return u32();
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return i32();
    case 'bool':
      return chance(0.5);
    case 'string':
      return str();
    case 'bytes':
      return bytes();
    default:
      return pick([0, 1]);
  }
}

function message(shape: MessageShape, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (depth > 4) return out;
  for (const f of shape.fields) {
    if (chance(0.1)) continue;
    if (f.repeated) {
      const n = chance(0.05) ? 2000 + Math.floor(rnd() * 3000) : Math.floor(rnd() * 4);
      out[f.key] = Array.from({ length: n }, () => value(f, depth));
    } else {
      out[f.key] = value(f, depth);
    }
  }
  return out;
}

/** A request for `method`: mostly a live session context with a fresh id, so calls reach the semantics. */
function request(shape: MessageShape): Record<string, unknown> {
  const req = message(shape);
  if ('ctx' in req && chance(0.8)) {
    req.ctx = { sessionId, caller: chance(0.7) ? ROOT : { uid: u32(), gid: u32(), gids: [u32()] }, requestId: `fz-${SEED}-${++requestSeq}` };
  }
  for (const key of ['inode', 'parent', 'parentSrc', 'parentDst', 'inodeIn', 'inodeOut']) {
    if (key in req && chance(0.5)) req[key] = pick(targets);
  }
  if ('sessionId' in req && chance(0.3)) req.sessionId = sessionId;
  return req;
}

function codeOf(res: unknown): string {
  return res instanceof FsmetaError ? grpc.status[res.code]! : 'OK';
}

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

it(`no hostile request gets INTERNAL or UNKNOWN (seed ${SEED})`, async () => {
  const s = await env.session();
  sessionId = s.id;
  for (let i = 0; i < 4; i++) {
    targets.push((await s.call('Mkdir', { parent: ROOT_INO, name: b(`d${i}`), mode: 0o777 })).attr!.inode);
    targets.push((await s.call('Create', { parent: ROOT_INO, name: b(`f${i}`), mode: 0o666 })).attr!.inode);
  }
  const service = loadMetaProto().fsmeta.v1.Meta.service as unknown as Record<string, { responseStream: boolean }>;
  const calls: { method: string; req: object | Buffer }[] = [];
  for (const [method, shape] of requestShapes()) {
    if (service[method]?.responseStream) continue;
    for (let i = 0; i < CASES_PER_METHOD; i++) calls.push({ method, req: request(shape) });
    for (let i = 0; i < RAW_CASES_PER_METHOD; i++) {
      calls.push({ method, req: Buffer.from(Array.from({ length: Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256))) });
    }
  }
  // Shuffled, so that methods interleave (a Format or CloseSession among the others).
  for (let i = calls.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [calls[i], calls[j]] = [calls[j]!, calls[i]!];
  }
  const bad: string[] = [];
  const codes = new Map<string, number>();
  await pool(calls, CONCURRENCY, async ({ method, req }) => {
    let res: unknown;
    try {
      res = await raw.call(method, req, CALL_DEADLINE_MS);
    } catch (err) {
      // The raw client's own serializer refused the object (e.g. a value protobufjs cannot encode): not sent.
      res = err;
      if (!(err instanceof FsmetaError)) return;
    }
    const code = codeOf(res);
    codes.set(code, (codes.get(code) ?? 0) + 1);
    if (code === 'INTERNAL' || code === 'UNKNOWN') {
      bad.push(`${method} ${code} ${(res as Error).message} <- ${Buffer.isBuffer(req) ? req.toString('hex') : JSON.stringify(req, (_k, v: unknown) => (Buffer.isBuffer(v) || (v as { type?: string })?.type === 'Buffer' ? `<${(v as Buffer).length ?? '?'} bytes>` : v)).slice(0, 300)}`);
    }
    // A live session for what follows, even after a CloseSession or Format aimed at it.
    if (code === 'FAILED_PRECONDITION' && (res as FsmetaError).errnoName === 'ESTALE' && (req as { ctx?: { sessionId?: string } }).ctx?.sessionId === sessionId) {
      sessionId = (await env.session()).id;
    }
  });
  if (process.env.FSMETA_FUZZ_VERBOSE === '1') console.log(SEED, calls.length, Object.fromEntries(codes));
  expect({ seed: SEED, bad }).toEqual({ seed: SEED, bad: [] });
  // Hostile traffic was answered across the range of codes, and the server still serves.
  expect(codes.get('OK') ?? 0).toBeGreaterThan(0);
  expect(codes.get('INVALID_ARGUMENT') ?? 0).toBeGreaterThan(0);
  const fresh = await env.session();
  await fresh.call('GetAttr', { inode: ROOT_INO });
  expect(await allInvariants(env.databaseUrl)).toEqual([]);
});
