import * as grpc from '@grpc/grpc-js';
import { FsmetaError, toFsmetaError } from '@fsmeta/client';
import { loadMetaProto } from '@fsmeta/proto';

/**
 * A client below @fsmeta/client: sends any object (or raw bytes) as a
 * request, without the client's own checks, as a hostile or buggy peer would.
 */
export class RawClient {
  private readonly client: grpc.Client;
  private readonly service = loadMetaProto().fsmeta.v1.Meta.service;

  constructor(address: string) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure());
  }

  /** Calls `method` with `request` serialized by the method's own serializer (or raw bytes); resolves to the response or the FsmetaError. */
  call(method: string, request: object | Buffer, deadlineMs = 30_000): Promise<unknown> {
    const def = (this.service as unknown as Record<string, { path: string; requestSerialize: (v: unknown) => Buffer; responseDeserialize: (b: Buffer) => unknown }>)[method]!;
    const serialize = Buffer.isBuffer(request) ? (b: Buffer) => b : def.requestSerialize;
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(
        def.path,
        serialize as (v: unknown) => Buffer,
        def.responseDeserialize,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + deadlineMs },
        (err, res) => resolve(err ? toFsmetaError(err, method) : res),
      );
    });
  }

  close(): void {
    this.client.close();
  }
}

/** "ENOENT", "INVALID_ARGUMENT", ... for a failed call's result; "OK" otherwise. */
export function outcomeOf(res: unknown): string {
  if (res instanceof FsmetaError) return res.errnoName ?? grpc.status[res.code]!;
  return 'OK';
}
