import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/meta';
import { installFastLong } from './long';

installFastLong();

/** Directory holding the .proto sources (the repository's top-level proto/). */
export const PROTO_DIR = path.resolve(__dirname, '../../../proto');
export const META_PROTO = 'fsmeta/v1/meta.proto';
export const STATUS_PROTO = 'google/rpc/status.proto';
export const META_SERVICE = 'fsmeta.v1.Meta';

/**
 * The one set of loader options shared by server and client. 64-bit integers
 * travel as decimal strings (inodes, lengths and nanosecond times exceed 2^53);
 * enums as their names. Must match FLAGS in scripts/gen.js.
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

let cached: protoLoader.PackageDefinition | undefined;

export function loadPackageDefinition(): protoLoader.PackageDefinition {
  cached ??= protoLoader.loadSync([META_PROTO], LOADER_OPTIONS);
  return cached;
}

export function loadMetaProto(): ProtoGrpcType {
  return grpc.loadPackageDefinition(loadPackageDefinition()) as unknown as ProtoGrpcType;
}

export type { ProtoGrpcType } from './generated/meta';
export type { MetaClient, MetaHandlers, MetaDefinition } from './generated/fsmeta/v1/Meta';
export * as v1 from './generated';
export * from './errno';
export * from './status';
export * from './reflect';
export { decodeReaddirResponse } from './readdir-decode';
