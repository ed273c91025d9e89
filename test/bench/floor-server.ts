import * as grpc from '@grpc/grpc-js';
import { Pool } from 'pg';
import { FLOOR_SERVICE } from './floor';

/**
 * The floor server (docs/benchmarks.md, "Floors"): grpc-js, the same
 * protobuf codec and message types as fsmeta (see floor.ts), a pg Pool as
 * large as fsmeta's, and per call exactly one PostgreSQL round trip:
 *
 * - Read: `select ... from node where inode = $1` (the primary key: one
 *   indexed point select), the row returned as an Attr;
 * - Write: `insert into bench_floor_log (worker, n) values ($1, $2)`, one
 *   autocommit statement (a single-row write transaction in one round trip).
 *
 * Started by run.ts with fork(): argv database URL, pool size; tells its
 * address over IPC, answers "cpu" with its process CPU time (µs), stops on "stop".
 */

interface NodeRow {
  inode: string;
  type: number;
  mode: string;
  uid: string;
  gid: string;
  rdev: string;
  atime_ns: string;
  mtime_ns: string;
  ctime_ns: string;
  nlink: string;
  length: string;
  parent: string;
  flags: string;
}

const FILE_TYPES = ['FILE_TYPE_UNSPECIFIED', 'FILE_TYPE_REGULAR', 'FILE_TYPE_DIRECTORY', 'FILE_TYPE_SYMLINK', 'FILE_TYPE_FIFO', 'FILE_TYPE_BLOCK_DEVICE', 'FILE_TYPE_CHAR_DEVICE', 'FILE_TYPE_SOCKET'];

function toAttr(r: NodeRow): Record<string, unknown> {
  return {
    inode: r.inode,
    type: FILE_TYPES[r.type] ?? FILE_TYPES[0],
    mode: Number(r.mode),
    uid: Number(r.uid),
    gid: Number(r.gid),
    rdev: Number(r.rdev),
    atimeNs: r.atime_ns,
    mtimeNs: r.mtime_ns,
    ctimeNs: r.ctime_ns,
    nlink: Number(r.nlink),
    length: r.length,
    parent: r.parent,
    flags: Number(r.flags),
  };
}

function fail(cb: grpc.sendUnaryData<unknown>, err: unknown): void {
  cb({ code: grpc.status.INTERNAL, details: String(err) });
}

export interface FloorServer {
  address: string;
  stop(): Promise<void>;
}

/** Starts the floor service on 127.0.0.1 (any port) against `databaseUrl` (a migrated fsmeta database). */
export async function startFloorServer(databaseUrl: string, poolSize: number): Promise<FloorServer> {
  const pool = new Pool({ connectionString: databaseUrl, max: poolSize, application_name: 'fsmeta-bench-floor' });
  pool.on('error', () => undefined);
  await pool.query('create table if not exists bench_floor_log (id bigserial primary key, worker int not null, n bigint not null)');
  const server = new grpc.Server();
  server.addService(FLOOR_SERVICE, {
    Read(call: grpc.ServerUnaryCall<{ inode: string }, unknown>, cb: grpc.sendUnaryData<unknown>) {
      pool
        .query<NodeRow>({
          name: 'floor-read',
          text: 'select inode, type, mode, uid, gid, rdev, atime_ns, mtime_ns, ctime_ns, nlink, length, parent, flags from node where inode = $1',
          values: [call.request.inode],
        })
        .then(
          (res) => (res.rows[0] === undefined ? cb({ code: grpc.status.NOT_FOUND, details: `inode ${call.request.inode}` }) : cb(null, { attr: toAttr(res.rows[0]) })),
          (err: unknown) => fail(cb, err),
        );
    },
    Write(call: grpc.ServerUnaryCall<{ inode: string; mode: number }, unknown>, cb: grpc.sendUnaryData<unknown>) {
      pool
        .query<{ id: string }>({ name: 'floor-write', text: 'insert into bench_floor_log (worker, n) values ($1, $2) returning id', values: [call.request.inode, call.request.mode] })
        .then(
          (res) => cb(null, { attr: { inode: res.rows[0]!.id, mode: call.request.mode } }),
          (err: unknown) => fail(cb, err),
        );
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => void pool.end().finally(resolve))),
  };
}

async function main(): Promise<void> {
  const [databaseUrl, poolSize] = process.argv.slice(2);
  if (databaseUrl === undefined || poolSize === undefined) throw new Error('usage: floor-server <database-url> <pool-size>');
  const floor = await startFloorServer(databaseUrl, Number(poolSize));
  const stop = (): void => void floor.stop().finally(() => process.exit(0));
  process.on('message', (msg: unknown) => {
    if (msg === 'cpu') {
      const u = process.cpuUsage();
      process.send!({ cpu: u.user + u.system });
    } else if (msg === 'stop') {
      stop();
    }
  });
  process.on('disconnect', stop);
  process.send!({ address: floor.address });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
