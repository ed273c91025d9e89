import type { handleUnaryCall } from '@grpc/grpc-js';
import type { MetaHandlers } from '@fsmeta/proto';

type KnownKeys<T> = { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };
type Methods = KnownKeys<MetaHandlers>;
type RequestOf<H> = H extends handleUnaryCall<infer Req, unknown> ? Req : never;
type ResponseOf<H> = H extends handleUnaryCall<never, infer Res> ? Res : never;

export type MethodName = keyof Methods;

/** What a handler knows of its call besides the request: when it must answer by, and whether the caller went away. */
export interface CallContext {
  /** The call's deadline in ms since the epoch; Infinity when it has none. */
  deadline: number;
  /** Aborted when the caller cancels the call. */
  signal: AbortSignal;
}

/** A handler: decoded request in, response out; failures are thrown (mapped by server/status.ts). */
export type MetaImpl = {
  [K in MethodName]?: (req: RequestOf<Methods[K]>, call: CallContext) => Promise<ResponseOf<Methods[K]>>;
};
