import * as grpc from '@grpc/grpc-js';
import { Pool } from 'pg';

const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';
/** HealthCheckResponse with status SERVING (field 1, varint 1). */
const SERVING = Buffer.from([0x08, 0x01]);
const DEADLINE_MS = 30_000;

/**
 * The no-op gRPC baseline: grpc.health.v1 Health/Check on the server under
 * test. The request (service "") encodes to zero bytes, so no message codec
 * is needed; the reply is checked to be SERVING.
 */
export class HealthCheck {
  private readonly client: grpc.Client;

  constructor(address: string) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure());
  }

  call(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        HEALTH_CHECK_PATH,
        () => Buffer.alloc(0),
        (b: Buffer) => b,
        {},
        { deadline: Date.now() + DEADLINE_MS },
        (err, res) => {
          if (err) reject(err);
          else if (res === undefined || !res.equals(SERVING)) reject(new Error('health check: not SERVING'));
          else resolve();
        },
      );
    });
  }

  close(): void {
    this.client.close();
  }
}

/**
 * The write baseline: the smallest write transaction a metadata mutation can
 * be (BEGIN; one row update; one insert; COMMIT), sent straight to the same
 * PostgreSQL through a pool as large as the server's. Each worker updates its
 * own row, so the baseline has no row contention: it measures what the
 * database and the pool allow, not a hot row.
 */
export class PgWriteBaseline {
  private readonly pool: Pool;

  private constructor(
    pool: Pool,
    private readonly workers: number,
  ) {
    this.pool = pool;
  }

  static async create(databaseUrl: string, poolSize: number, workers: number): Promise<PgWriteBaseline> {
    const pool = new Pool({ connectionString: databaseUrl, max: poolSize, application_name: 'fsmeta-bench' });
    await pool.query('create table if not exists bench_counter (id int primary key, n bigint not null)');
    await pool.query('create table if not exists bench_log (id bigserial primary key, worker int not null, n bigint not null)');
    await pool.query('insert into bench_counter (id, n) select g, 0 from generate_series(0, $1::int - 1) g on conflict do nothing', [workers]);
    return new PgWriteBaseline(pool, workers);
  }

  async call(worker: number): Promise<void> {
    const id = worker % this.workers;
    const c = await this.pool.connect();
    try {
      await c.query('begin');
      await c.query({ name: 'bench-update', text: 'update bench_counter set n = n + 1 where id = $1', values: [id] });
      await c.query({ name: 'bench-insert', text: 'insert into bench_log (worker, n) values ($1, $2)', values: [id, 1] });
      await c.query('commit');
    } catch (err) {
      await c.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
