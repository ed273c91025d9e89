import type { handleUnaryCall } from '@grpc/grpc-js';
import type { MetaHandlers } from '@fsmeta/proto';
import type { ReaddirAnswer } from '../readdir-answer';

type KnownKeys<T> = { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };
type Methods = KnownKeys<MetaHandlers>;
type RequestOf<H> = H extends handleUnaryCall<infer Req, unknown> ? Req : never;
type ResponseOf<H> = H extends handleUnaryCall<never, infer Res> ? Res : never;

export type MethodName = keyof Methods;

/** What the server wiring knows about a call beyond its request (server/auth.ts). */
export interface CallContext {
  /** The authenticated identity's name; null for an anonymous caller (authentication off or not required). */
  identity: string | null;
}

/** When a call must be answered by, and whether its caller went away (handlers that wait: blocking lock requests). */
export interface CallWait {
  /** The call's deadline in ms since the epoch; Infinity when it has none. */
  deadline: number;
  /** Aborted when the caller cancels the call (made on first use). */
  readonly signal: AbortSignal;
}

/** A handler: decoded request in, response out; failures are thrown (mapped by server/status.ts). */
export type MetaImpl = {
  [K in MethodName]?: (req: RequestOf<Methods[K]>, call: CallContext & CallWait) => Promise<ResponseOf<Methods[K]> | (K extends 'Readdir' ? ReaddirAnswer : never)>;
};
