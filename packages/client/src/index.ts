import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import { MalformedRequest, checkInt64Fields } from './int64';
import {
  ERRNO,
  ERRNO_METADATA_KEY,
  ERRNO_NAME_METADATA_KEY,
  STATUS_DETAILS_KEY,
  decodeErrorDetails,
  errnoName,
  isErrnoName,
  loadMetaProto,
  decodeReaddirResponse,
  type ErrnoName,
  type MetaDefinition,
  type v1,
} from '@fsmeta/proto';

import { DEFAULT_KEEPALIVE_MS, Endpoints, RetryBudget, type Endpoint } from './transport';
import { Watcher, type WatchOptions } from './watcher';
import { ClientCache, type AtimeMode } from './client-cache';
import type { CacheOptions, CacheStats } from './cache';

export { ERRNO, type ErrnoName, type v1 } from '@fsmeta/proto';
export { Watcher, type WatchOptions, type WatchBatch } from './watcher';
import type { WatchBatch } from './watcher';
export type { CacheOptions, CacheKnobs, CacheStats } from './cache';

type KnownKeys<T> = { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };
type Methods = KnownKeys<MetaDefinition>;
/** Server-streaming methods: opened with `stream` (or `watch`), never with `call`. */
export type StreamMethodName = 'Watch';
export type MethodName = Exclude<keyof Methods, StreamMethodName>;
/** What a method takes (the permissive input type). */
export type RequestOf<M extends MethodName | StreamMethodName> = Methods[M] extends MethodDefinition<infer Req, infer _Res, infer _ReqOut, infer _ResOut> ? Req : never;
/** What a method returns (decoded with the shared loader options: 64-bit values as strings). */
export type ResponseOf<M extends MethodName | StreamMethodName> = Methods[M] extends MethodDefinition<infer _Req, infer _Res, infer _ReqOut, infer Res> ? Res : never;

/** A failed call. `errno` / `errnoName` are set when the server reported a POSIX error. */
export class FsmetaError extends Error {
  constructor(
    message: string,
    readonly code: grpc.status,
    readonly errnoName: ErrnoName | undefined,
    readonly errno: number | undefined,
    readonly method: string,
  ) {
    super(message);
    this.name = 'FsmetaError';
  }

  /** No replica answered in time (UNAVAILABLE, DEADLINE_EXCEEDED) through every retry: trying again later may work. */
  get retryable(): boolean {
    return RETRY_CODES.has(this.code);
  }

  /** The session is gone (expired or closed): its opens and locks are lost; a live session re-registers itself. */
  get staleSession(): boolean {
    return this.errnoName === 'ESTALE';
  }
}

/** Codes after which a call is tried again on another replica, with the same request id. */
const RETRY_CODES: ReadonlySet<grpc.status> = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]);

/** What a call does, for its deadline. */
export type CallKind = 'read' | 'write' | 'session' | 'admin';

const SESSION_METHODS: ReadonlySet<string> = new Set(['NewSession', 'Heartbeat', 'CloseSession']);
const ADMIN_METHODS: ReadonlySet<string> = new Set(['ListSessions', 'Format', 'GetSummary', 'SetQuota', 'DeleteQuota', 'ListQuotas']);
const READ_METHODS: ReadonlySet<string> = new Set([
  'Lookup', 'GetAttr', 'Access', 'ReadLink', 'Readdir', 'Read', 'GetXattr', 'ListXattr', 'GetLk', 'StatFS', 'GetDirStat', 'GetQuota', 'GetFormat',
]);

export function callKind(method: string): CallKind {
  if (SESSION_METHODS.has(method)) return 'session';
  if (ADMIN_METHODS.has(method)) return 'admin';
  return READ_METHODS.has(method) ? 'read' : 'write';
}

/** Per-attempt deadlines by call kind. */
export const DEFAULT_DEADLINES: Readonly<Record<CallKind, number>> = { read: 10_000, write: 30_000, session: 10_000, admin: 120_000 };

/** Turns a gRPC failure back into an errno-carrying error (the inverse of the server's mapping). */
export function toFsmetaError(err: grpc.ServiceError, method: string): FsmetaError {
  let name: ErrnoName | undefined;
  const fromName = err.metadata?.get(ERRNO_NAME_METADATA_KEY)[0];
  const fromNumber = err.metadata?.get(ERRNO_METADATA_KEY)[0];
  if (typeof fromName === 'string' && isErrnoName(fromName)) name = fromName;
  else if (fromNumber !== undefined) name = errnoName(Number(fromNumber));
  if (name === undefined) {
    const raw = err.metadata?.get(STATUS_DETAILS_KEY)[0];
    const details = Buffer.isBuffer(raw) ? decodeErrorDetails(raw) : undefined;
    if (details !== undefined && isErrnoName(details.reason)) name = details.reason;
  }
  return new FsmetaError(err.details || err.message, err.code, name, name === undefined ? undefined : ERRNO[name].errno, method);
}

/** TLS to the server (docs/security.md). PEM contents, not file names. */
export interface TlsOptions {
  /** CA that signed the server's certificate; default: the system's roots. */
  ca?: Buffer | string;
  /** Client certificate and key, for a server that requires mutual TLS. */
  cert?: Buffer | string;
  key?: Buffer | string;
  /** Check the server's certificate against this name instead of the address's host. */
  serverName?: string;
}

export interface ClientOptions {
  /** Per-attempt deadline for every kind of call (overrides `deadlines`). */
  deadlineMs?: number;
  /** Per-attempt deadline by call kind (DEFAULT_DEADLINES). A call whose deadline passes is retried on another replica. */
  deadlines?: Partial<Record<CallKind, number>>;
  /** Attempts for a call that fails UNAVAILABLE or passes its deadline. Default 5. */
  maxAttempts?: number;
  /** Retries may be at most `ratio` of recent calls plus `minPerSecond` (default 0.5 and 50, over 10 s). */
  retryBudget?: { ratio?: number; minPerSecond?: number };
  /** Keepalive ping interval of idle connections. Default 20 s. */
  keepaliveMs?: number;
  /**
   * Metadata caches (docs/client.md): `true` for the defaults, or per-cache
   * knobs. Off unless given: a plain client asks the server every time.
   */
  cache?: CacheOptions | boolean;
  /**
   * Keep the caches true with the change feed (default true). False: every
   * cached item lives until its TTL, whatever other nodes do.
   */
  watch?: boolean;
  /**
   * The feed's echo of this client's own acknowledged mutations (docs/client.md): 'skip'
   * (default) leaves what the acknowledgement already refreshed; 'apply' invalidates it again.
   */
  ownEcho?: 'skip' | 'apply';
  /** The volume's atime mode for serving reads from the cache; default: the format NewSession returns. */
  atimeMode?: AtimeMode;
  /** Connect over TLS (ignored when `credentials` is given). */
  tls?: TlsOptions;
  /**
   * Bearer token sent with every call as `authorization: Bearer <token>`; a
   * function is asked on every call (a token re-read from a rotated secret).
   */
  token?: string | (() => string);
  credentials?: grpc.ChannelCredentials;
  channelOptions?: grpc.ChannelOptions;
}

/** Per-call settings: a deadline other than the client's (e.g. a blocking lock request), and cancellation. */
export interface CallOptions {
  deadlineMs?: number;
  /** Aborting cancels the call (the server ends a blocked lock wait); the promise rejects with CANCELLED. */
  signal?: AbortSignal;
}

function pem(v: Buffer | string | undefined): Buffer | null {
  return v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v);
}

function channelCredentials(options: ClientOptions): grpc.ChannelCredentials {
  if (options.credentials !== undefined) return options.credentials;
  const t = options.tls;
  if (t === undefined) return grpc.credentials.createInsecure();
  if ((t.cert === undefined) !== (t.key === undefined)) throw new TypeError('tls.cert and tls.key go together');
  return grpc.credentials.createSsl(pem(t.ca), pem(t.key), pem(t.cert));
}

const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_RETRY_RATIO = 0.5;
const DEFAULT_RETRIES_PER_SECOND = 50;
const BACKOFF_BASE_MS = 20;
const BACKOFF_MAX_MS = 1000;
/** Heartbeat interval when the server did not say (JuiceFS's default). */
const DEFAULT_HEARTBEAT_MS = 12_000;

/**
 * The fsmeta client: one typed `call` per RPC, over one or several replicas
 * (addresses, or a `dns:///` name balanced round-robin). A call that fails
 * UNAVAILABLE or passes its per-kind deadline is retried on another replica,
 * within `maxAttempts` and the retry budget; a retried mutation keeps its
 * request id, so the server applies it once. Events: 'failover' ({ method,
 * from, code }) when a call moves off a replica.
 */
export class MetaClient extends EventEmitter {
  private readonly endpoints: Endpoints;
  private readonly definition: MetaDefinition;
  private readonly deadlines: Record<CallKind, number>;
  private readonly maxAttempts: number;
  private readonly budget: RetryBudget;
  private readonly token?: () => string;
  private readonly live = new Set<Session>();
  private readonly watchers = new Set<Watcher>();
  /** The caches, when enabled (options.cache). */
  readonly cache?: ClientCache;
  private readonly feed?: Watcher;
  readonly atimeMode?: AtimeMode;

  constructor(address: string | string[], options: ClientOptions = {}) {
    super();
    const Ctor = loadMetaProto().fsmeta.v1.Meta;
    // Readdir pages decode by hand into the generated codec's objects (@fsmeta/proto decodeReaddirResponse).
    this.definition = { ...Ctor.service, Readdir: { ...Ctor.service.Readdir, responseDeserialize: decodeReaddirResponse } };
    const serverName = options.tls?.serverName;
    this.endpoints = new Endpoints(
      typeof address === 'string' ? [address] : address,
      channelCredentials(options),
      {
        ...(serverName === undefined ? {} : { 'grpc.ssl_target_name_override': serverName, 'grpc.default_authority': serverName }),
        ...options.channelOptions,
      },
      options.keepaliveMs ?? DEFAULT_KEEPALIVE_MS,
    );
    const token = options.token;
    if (token !== undefined) this.token = typeof token === 'string' ? () => token : token;
    const all = options.deadlineMs;
    this.deadlines = {
      read: all ?? options.deadlines?.read ?? DEFAULT_DEADLINES.read,
      write: all ?? options.deadlines?.write ?? DEFAULT_DEADLINES.write,
      session: all ?? options.deadlines?.session ?? DEFAULT_DEADLINES.session,
      admin: all ?? options.deadlines?.admin ?? DEFAULT_DEADLINES.admin,
    };
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.budget = new RetryBudget(options.retryBudget?.ratio ?? DEFAULT_RETRY_RATIO, options.retryBudget?.minPerSecond ?? DEFAULT_RETRIES_PER_SECOND);
    this.atimeMode = options.atimeMode;
    if (options.cache !== undefined && options.cache !== false) {
      const feed = options.watch !== false;
      const cache = new ClientCache(options.cache, feed, options.ownEcho !== 'apply');
      this.cache = cache;
      if (feed) {
        this.feed = this.watch({});
        this.feed.on('connected', () => cache.connected());
        this.feed.on('disconnected', () => cache.disconnected());
        this.feed.on('batch', (b: WatchBatch) => cache.apply(b));
        // A server that refuses the feed (e.g. a confined identity): the caches fall back to their TTLs.
        this.feed.on('error', (err: unknown) => {
          cache.ttlOnly();
          this.emit('watchRefused', err);
        });
      }
    }
  }

  /** Hit, miss, eviction and invalidation counters of each cache (undefined without caches). */
  cacheStats(): Record<string, CacheStats> | undefined {
    return this.cache?.stats();
  }

  /** Whether the change feed keeping the caches true is connected (false without caches or with watch off). */
  get watching(): boolean {
    return this.feed?.connected ?? false;
  }

  /** The configured addresses. */
  get addresses(): string[] {
    return this.endpoints.list.map((e) => e.address);
  }

  async call<M extends MethodName>(method: M, request: RequestOf<M>, opts: CallOptions = {}): Promise<ResponseOf<M>> {
    try {
      // Malformed 64-bit values are refused here, before protobufjs could rewrite them into other numbers.
      request = checkInt64Fields(method, request);
    } catch (err) {
      if (err instanceof MalformedRequest) throw new FsmetaError(err.message, grpc.status.INVALID_ARGUMENT, undefined, undefined, method);
      throw err;
    }
    this.budget.call();
    let failed: Endpoint | undefined;
    for (let attempt = 1; ; attempt++) {
      const endpoint = this.endpoints.pick(failed);
      try {
        const res = await this.attempt(endpoint, method, request, opts);
        this.endpoints.markUp(endpoint);
        return res;
      } catch (err) {
        const e = err as FsmetaError;
        // A deadline the caller chose (e.g. a blocking lock wait) is its bound, not a lost replica.
        const retry = e.code === grpc.status.UNAVAILABLE || (e.code === grpc.status.DEADLINE_EXCEEDED && opts.deadlineMs === undefined);
        if (!retry || attempt >= this.maxAttempts || opts.signal?.aborted === true || !this.budget.tryRetry()) throw err;
        this.endpoints.markDown(endpoint);
        this.emit('failover', { method, from: endpoint.address, code: e.code });
        // Straight to another replica; back off only when the same one (or a dns:/// name) is all there is.
        if (this.endpoints.pick(endpoint) === endpoint) {
          await new Promise((r) => setTimeout(r, Math.random() * Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt)));
        }
        failed = endpoint;
      }
    }
  }

  private metadata(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    if (this.token !== undefined) metadata.set('authorization', `Bearer ${this.token()}`);
    return metadata;
  }

  private attempt<M extends MethodName>(endpoint: Endpoint, method: M, request: RequestOf<M>, opts: CallOptions): Promise<ResponseOf<M>> {
    const def = this.definition[method] as unknown as MethodDefinition<RequestOf<M>, unknown, unknown, ResponseOf<M>>;
    return new Promise((resolve, reject) => {
      const cancel = (): void => call.cancel();
      const call = endpoint.client.makeUnaryRequest(
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        request,
        this.metadata(),
        { deadline: Date.now() + (opts.deadlineMs ?? this.deadlines[callKind(method)]) },
        (err, res) => {
          opts.signal?.removeEventListener('abort', cancel);
          if (err) reject(toFsmetaError(err, method));
          else resolve(res as ResponseOf<M>);
        },
      );
      if (opts.signal?.aborted === true) cancel();
      else opts.signal?.addEventListener('abort', cancel);
    });
  }

  /**
   * Opens one server stream on the next replica in rotation (no deadline, no
   * resume: see `watch` for a watcher that resumes). `avoidAddress`: prefer
   * another replica than this one (the one a stream just lost).
   */
  stream<M extends StreamMethodName>(method: M, request: RequestOf<M>, avoidAddress?: string): grpc.ClientReadableStream<ResponseOf<M>> & { address: string } {
    const def = this.definition[method] as unknown as MethodDefinition<RequestOf<M>, unknown, unknown, ResponseOf<M>>;
    let checked: RequestOf<M>;
    try {
      checked = checkInt64Fields(method, request);
    } catch (err) {
      if (err instanceof MalformedRequest) throw new FsmetaError(err.message, grpc.status.INVALID_ARGUMENT, undefined, undefined, method);
      throw err;
    }
    const avoid = this.endpoints.list.find((e) => e.address === avoidAddress);
    if (avoid !== undefined) this.endpoints.markDown(avoid);
    const endpoint = this.endpoints.pick(avoid);
    const stream = endpoint.client.makeServerStreamRequest(def.path, def.requestSerialize, def.responseDeserialize, checked, this.metadata(), {});
    return Object.assign(stream, { address: endpoint.address });
  }

  /**
   * Follows the change feed from `position` (default: now), resuming on
   * another replica after a failure from the last position it delivered.
   */
  watch(options: WatchOptions = {}): Watcher {
    const watcher = new Watcher((req, avoid) => this.stream('Watch', req, avoid), options);
    this.watchers.add(watcher);
    watcher.once('closed', () => this.watchers.delete(watcher));
    return watcher;
  }

  /** Starts a session and returns a handle that fills in the request context (no heartbeats: see openSession). */
  async newSession(caller: v1.Caller, info: v1.SessionInfo = {}, readOnly = false): Promise<Session> {
    const res = await this.call('NewSession', { info, readOnly });
    if (this.cache !== undefined && res.format?.caseInsensitive === true) this.cache.caseInsensitive = true;
    return new Session(this, res.sessionId, caller, res, { info, readOnly });
  }

  /**
   * Starts a session that keeps itself alive: heartbeats at the interval the
   * server gives; if the session expired anyway (a long pause), a new one is
   * registered and the session emits 'reregistered'. `close` ends it.
   */
  async openSession(caller: v1.Caller, opts: { info?: v1.SessionInfo; readOnly?: boolean } = {}): Promise<Session> {
    const session = await this.newSession(caller, opts.info ?? {}, opts.readOnly ?? false);
    session.keepAlive();
    this.live.add(session);
    session.once('closed', () => this.live.delete(session));
    return session;
  }

  /** A handle on an existing session id (e.g. one kept across a client restart). */
  session(sessionId: string, caller: v1.Caller): Session {
    return new Session(this, sessionId, caller);
  }

  /** Closes the sessions opened with openSession (stopping their heartbeats), then the feed and the connections. */
  close(): Promise<void> {
    for (const w of this.watchers) w.close();
    const live = [...this.live];
    if (live.length === 0) {
      this.endpoints.close();
      return Promise.resolve();
    }
    return Promise.allSettled(live.map((s) => s.close())).then(() => this.endpoints.close());
  }
}

/** Methods whose request carries a RequestContext. */
type ContextMethod = { [M in MethodName]: RequestOf<M> extends { ctx?: unknown } ? M : never }[MethodName];
export type ArgsOf<M extends ContextMethod> = Omit<RequestOf<M>, 'ctx'>;

/**
 * A session: calls made through it carry its id, its caller and a fresh
 * request id each (kept across the client's own retries). A session opened
 * with `openSession` heartbeats and re-registers itself; it emits
 * 'reregistered' ({ previousId, id }) when its old session was gone (opens
 * and locks of the old one are lost), 'heartbeatFailed' (error) when a
 * heartbeat could not reach any replica, and 'closed'.
 */
export class Session extends EventEmitter {
  private readonly prefix = randomBytes(6).toString('hex');
  private seq = 0;
  private timer?: NodeJS.Timeout;
  private reopening?: Promise<void>;
  private closed = false;

  constructor(
    readonly client: MetaClient,
    /** The current session id (changes when the session re-registers). */
    public id: string,
    public caller: v1.Caller,
    public opened?: v1.NewSessionResponse__Output,
    private readonly registration: { info: v1.SessionInfo; readOnly: boolean } = { info: {}, readOnly: false },
  ) {
    super();
  }

  get readOnly(): boolean {
    return this.registration.readOnly;
  }

  nextRequestId(): string {
    return `${this.prefix}-${++this.seq}`;
  }

  /** Calls `method` with this session's context; pass `requestId` to replay a specific request. */
  async call<M extends ContextMethod>(
    method: M,
    args: ArgsOf<M>,
    opts: { requestId?: string; caller?: v1.Caller } & CallOptions = {},
  ): Promise<ResponseOf<M>> {
    const ctx: v1.RequestContext = {
      sessionId: this.id,
      caller: opts.caller ?? this.caller,
      requestId: opts.requestId ?? this.nextRequestId(),
    };
    const cache = this.client.cache;
    const a = args as unknown as Record<string, unknown>;
    if (cache !== undefined) {
      const served = cache.serve(method, a, ctx.caller!, this.atimeMode);
      if (served !== undefined) {
        if ('errno' in served) throw new FsmetaError(served.errno, ERRNO[served.errno].code, served.errno, ERRNO[served.errno].errno, method);
        return served.value as ResponseOf<M>;
      }
    }
    const seq = cache?.seq ?? 0;
    const origin = `${this.id}/${ctx.requestId!}`;
    const mutation = cache !== undefined && !READ_METHODS.has(method);
    if (mutation) cache.begin(origin);
    try {
      const res = await this.client.call(method, { ...args, ctx } as unknown as RequestOf<M>, { deadlineMs: opts.deadlineMs, signal: opts.signal });
      if (cache !== undefined) this.cached(cache, method, a, res, seq, origin);
      return res;
    } catch (err) {
      if (err instanceof FsmetaError && err.staleSession && this.timer !== undefined) void this.reregister(ctx.sessionId as string);
      if (cache !== undefined && method === 'Lookup' && err instanceof FsmetaError && err.errnoName === 'ENOENT') cache.learnMissing(a, seq);
      throw err;
    } finally {
      if (mutation) cache.end(origin);
    }
  }

  /** The atime mode reads from the cache follow: the client's option, else the volume's. */
  get atimeMode(): AtimeMode {
    if (this.client.atimeMode !== undefined) return this.client.atimeMode;
    const m = this.opened?.format?.atimeMode;
    return m === 'ATIME_MODE_RELATIME' ? 'relatime' : m === 'ATIME_MODE_STRICTATIME' ? 'strictatime' : m === 'ATIME_MODE_NOATIME' ? 'noatime' : 'strictatime';
  }

  /** What a successful call teaches or changes in the caches. */
  private cached(cache: ClientCache, method: string, a: Record<string, unknown>, res: unknown, seq: number, origin: string): void {
    if (method === 'Open' || method === 'Create') cache.opened(String(method === 'Open' ? a.inode : (res as v1.CreateResponse__Output).attr?.inode), (res as { attr: v1.Attr__Output | null }).attr);
    if (method === 'Close') cache.closed(String(a.inode));
    else if (READ_METHODS.has(method) || method === 'Open') cache.learn(method, a, res, seq);
    else cache.mutated(method, a, res, seq, origin);
  }

  heartbeat(): Promise<v1.HeartbeatResponse__Output> {
    return this.client.call('Heartbeat', { sessionId: this.id });
  }

  /** Heartbeats at the server's interval until closed (openSession starts it). */
  keepAlive(): void {
    if (this.timer !== undefined || this.closed) return;
    const interval = this.opened?.heartbeatMs || DEFAULT_HEARTBEAT_MS;
    this.timer = setInterval(() => void this.beat(), interval);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    if (this.reopening !== undefined) return;
    const id = this.id;
    try {
      await this.heartbeat();
    } catch (err) {
      if (err instanceof FsmetaError && err.staleSession) await this.reregister(id);
      else this.emit('heartbeatFailed', err);
    }
  }

  /** Registers a new session in place of `staleId` (once, however many calls saw it gone). */
  private reregister(staleId: string): Promise<void> {
    if (this.closed || this.id !== staleId) return this.reopening ?? Promise.resolve();
    this.reopening ??= (async () => {
      try {
        const res = await this.client.call('NewSession', { info: this.registration.info, readOnly: this.registration.readOnly });
        this.id = res.sessionId;
        this.opened = res;
        this.emit('reregistered', { previousId: staleId, id: res.sessionId });
      } catch (err) {
        this.emit('heartbeatFailed', err);
      } finally {
        this.reopening = undefined;
      }
    })();
    return this.reopening;
  }

  /** Ends the session (releasing its opens) and stops its heartbeats. */
  async close(): Promise<v1.CloseSessionResponse__Output> {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.reopening;
    try {
      return await this.client.call('CloseSession', { sessionId: this.id });
    } finally {
      this.emit('closed');
    }
  }
}
