import * as grpc from '@grpc/grpc-js';
import { loadMetaProto } from '@fsmeta/proto';

/**
 * The floors (docs/benchmarks.md): a minimal gRPC service with two methods,
 * each doing the least PostgreSQL work an operation can need, served by
 * floor-server.ts in a process of its own beside fsmeta.
 *
 * No .proto of its own: the two methods reuse the method definitions that
 * @fsmeta/proto loads for fsmeta.v1.Meta (GetAttr and SetAttr), under other
 * paths. So the floor's requests and responses go through the very codec
 * fsmeta's do (proto-loader with LOADER_OPTIONS, protobufjs, 64-bit integers
 * as decimal strings) and carry the same messages (an Attr back), and no
 * generated code or drift check is involved.
 */

const META = loadMetaProto().fsmeta.v1.Meta.service;

export const FLOOR_SERVICE = {
  /** floor-read: GetAttrRequest -> GetAttrResponse, one indexed point select of a node row. */
  Read: { ...META.GetAttr, path: '/fsmeta.bench.Floor/Read', originalName: 'read' },
  /** floor-write: SetAttrRequest -> SetAttrResponse, one single-row insert as one autocommit statement. */
  Write: { ...META.SetAttr, path: '/fsmeta.bench.Floor/Write', originalName: 'write' },
} as unknown as grpc.ServiceDefinition;

export type FloorKind = 'floor-read' | 'floor-write';

const DEADLINE_MS = 30_000;
const FloorStub = grpc.makeGenericClientConstructor(FLOOR_SERVICE, 'Floor');

type Unary = (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: unknown) => void) => void;

/** A client of the floor server, on one channel as the benchmark's MetaClient is. */
export class FloorClient {
  private readonly stub: grpc.Client & Record<'Read' | 'Write', Unary>;

  constructor(address: string) {
    this.stub = new FloorStub(address, grpc.credentials.createInsecure()) as unknown as FloorClient['stub'];
  }

  private unary(method: 'Read' | 'Write', req: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.stub[method](req, new grpc.Metadata(), { deadline: Date.now() + DEADLINE_MS }, (err, res) => (err ? reject(err) : resolve(res)));
    });
  }

  /** floor-read of `inode` (an existing node: the root unless told otherwise). */
  read(inode = '1'): Promise<unknown> {
    return this.unary('Read', { inode });
  }

  /** floor-write: one row, tagged with the worker (no two workers ever touch the same row). */
  write(worker = 0): Promise<unknown> {
    return this.unary('Write', { inode: String(worker), set: 1, mode: 0o644 });
  }

  call(kind: FloorKind, worker = 0): Promise<unknown> {
    return kind === 'floor-read' ? this.read() : this.write(worker);
  }

  close(): void {
    this.stub.close();
  }
}

/** Which floor a line is measured against: reads against floor-read, everything that writes against floor-write. */
const READ_OPS = new Set([
  'noop',
  'lookup',
  'getattr',
  'access',
  'readlink',
  'getxattr',
  'listxattr',
  'readdir_10',
  'readdir_1k',
  'read_1',
  'read_10',
  'read_100',
  'getattr-cached',
  'lookup-cached',
  'getattr-uncached',
  'lookup-uncached',
]);

export function floorOf(op: string): FloorKind {
  const base = op.split('@')[0]!;
  if (READ_OPS.has(base) || op.startsWith('summary') || op.startsWith('read')) return 'floor-read';
  return 'floor-write';
}
