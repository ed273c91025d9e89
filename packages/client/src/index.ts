import { randomBytes } from 'node:crypto';
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
  type ErrnoName,
  type MetaDefinition,
  type v1,
} from '@fsmeta/proto';

export { ERRNO, type ErrnoName, type v1 } from '@fsmeta/proto';

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
}

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
  /** Per-attempt deadline. Default 30 s. */
  deadlineMs?: number;
  /** Attempts for a call that fails UNAVAILABLE (the server did not act, or its replica went away). Default 5. */
  maxAttempts?: number;
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

const DEFAULT_DEADLINE_MS = 30_000;
const DEFAULT_MAX_ATTEMPTS = 5;
const BACKOFF_BASE_MS = 20;
const BACKOFF_MAX_MS = 1000;

/**
 * The fsmeta client: one typed `call` per RPC, with deadlines, bounded
 * jittered retries of UNAVAILABLE and errno errors. A retried mutation keeps
 * its request id, so the server applies it once.
 */
export class MetaClient {
  private readonly client: grpc.Client;
  private readonly definition: MetaDefinition;
  private readonly deadlineMs: number;
  private readonly maxAttempts: number;
  private readonly token?: () => string;

  constructor(address: string, options: ClientOptions = {}) {
    const Ctor = loadMetaProto().fsmeta.v1.Meta;
    this.definition = Ctor.service;
    const serverName = options.tls?.serverName;
    this.client = new grpc.Client(address, channelCredentials(options), {
      'grpc.max_receive_message_length': 64 << 20,
      ...(serverName === undefined ? {} : { 'grpc.ssl_target_name_override': serverName, 'grpc.default_authority': serverName }),
      ...options.channelOptions,
    });
    const token = options.token;
    if (token !== undefined) this.token = typeof token === 'string' ? () => token : token;
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  }

  async call<M extends MethodName>(method: M, request: RequestOf<M>, opts: CallOptions = {}): Promise<ResponseOf<M>> {
    try {
      // Malformed 64-bit values are refused here, before protobufjs could rewrite them into other numbers.
      request = checkInt64Fields(method, request);
    } catch (err) {
      if (err instanceof MalformedRequest) throw new FsmetaError(err.message, grpc.status.INVALID_ARGUMENT, undefined, undefined, method);
      throw err;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(method, request, opts);
      } catch (err) {
        const e = err as FsmetaError;
        if (e.code !== grpc.status.UNAVAILABLE || attempt >= this.maxAttempts || opts.signal?.aborted === true) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt)));
      }
    }
  }

  private once<M extends MethodName>(method: M, request: RequestOf<M>, opts: CallOptions): Promise<ResponseOf<M>> {
    const def = this.definition[method] as unknown as MethodDefinition<RequestOf<M>, unknown, unknown, ResponseOf<M>>;
    const metadata = new grpc.Metadata();
    if (this.token !== undefined) metadata.set('authorization', `Bearer ${this.token()}`);
    return new Promise((resolve, reject) => {
      const cancel = (): void => call.cancel();
      const call = this.client.makeUnaryRequest(
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        request,
        metadata,
        { deadline: Date.now() + (opts.deadlineMs ?? this.deadlineMs) },
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

  /** Opens one server stream (no deadline, no resume: see `watch` for a watcher that resumes). */
  stream<M extends StreamMethodName>(method: M, request: RequestOf<M>): grpc.ClientReadableStream<ResponseOf<M>> {
    const def = this.definition[method] as unknown as MethodDefinition<RequestOf<M>, unknown, unknown, ResponseOf<M>>;
    let checked: RequestOf<M>;
    try {
      checked = checkInt64Fields(method, request);
    } catch (err) {
      if (err instanceof MalformedRequest) throw new FsmetaError(err.message, grpc.status.INVALID_ARGUMENT, undefined, undefined, method);
      throw err;
    }
    return this.client.makeServerStreamRequest(def.path, def.requestSerialize, def.responseDeserialize, checked, new grpc.Metadata(), {});
  }

  /** Starts a session and returns a handle that fills in the request context. */
  async newSession(caller: v1.Caller, info: v1.SessionInfo = {}, readOnly = false): Promise<Session> {
    const res = await this.call('NewSession', { info, readOnly });
    return new Session(this, res.sessionId, caller, res);
  }

  /** A handle on an existing session id (e.g. one kept across a client restart). */
  session(sessionId: string, caller: v1.Caller): Session {
    return new Session(this, sessionId, caller);
  }

  close(): void {
    this.client.close();
  }
}

/** Methods whose request carries a RequestContext. */
type ContextMethod = { [M in MethodName]: RequestOf<M> extends { ctx?: unknown } ? M : never }[MethodName];
export type ArgsOf<M extends ContextMethod> = Omit<RequestOf<M>, 'ctx'>;

/**
 * A session: calls made through it carry its id, its caller and a fresh
 * request id each (kept across the client's own retries).
 */
export class Session {
  private readonly prefix = randomBytes(6).toString('hex');
  private seq = 0;

  constructor(
    readonly client: MetaClient,
    readonly id: string,
    public caller: v1.Caller,
    readonly opened?: v1.NewSessionResponse__Output,
  ) {}

  nextRequestId(): string {
    return `${this.prefix}-${++this.seq}`;
  }

  /** Calls `method` with this session's context; pass `requestId` to replay a specific request. */
  call<M extends ContextMethod>(
    method: M,
    args: ArgsOf<M>,
    opts: { requestId?: string; caller?: v1.Caller } & CallOptions = {},
  ): Promise<ResponseOf<M>> {
    const ctx: v1.RequestContext = {
      sessionId: this.id,
      caller: opts.caller ?? this.caller,
      requestId: opts.requestId ?? this.nextRequestId(),
    };
    return this.client.call(method, { ...args, ctx } as unknown as RequestOf<M>, { deadlineMs: opts.deadlineMs, signal: opts.signal });
  }

  heartbeat(): Promise<v1.HeartbeatResponse__Output> {
    return this.client.call('Heartbeat', { sessionId: this.id });
  }

  close(): Promise<v1.CloseSessionResponse__Output> {
    return this.client.call('CloseSession', { sessionId: this.id });
  }
}
