import { FloorClient, floorOf } from '../bench/floor';
import { startFloorServer, type FloorServer } from '../bench/floor-server';
import { latencyLine } from '../bench/measure';
import { startEnv, type TestEnv } from '../harness/server';
import { Client } from 'pg';

/** The benchmark's floor server (docs/benchmarks.md, "Floors") answers through the wire, on a real database. */

let env: TestEnv;
let floor: FloorServer;
let client: FloorClient;

beforeAll(async () => {
  env = await startEnv(1);
  floor = await startFloorServer(env.databaseUrl, 4);
  client = new FloorClient(floor.address);
});

afterAll(async () => {
  client?.close();
  await floor?.stop();
  await env?.stop();
});

test('floor-read returns the root node as an Attr, through the Meta codec', async () => {
  const res = (await client.read('1')) as { attr: { inode: string; type: string; nlink: number } };
  expect(res.attr.inode).toBe('1');
  expect(res.attr.type).toBe('FILE_TYPE_DIRECTORY');
  expect(res.attr.nlink).toBeGreaterThanOrEqual(2);
  // The same row fsmeta serves.
  const s = await env.session();
  const got = await s.call('GetAttr', { inode: '1' });
  expect(res.attr.inode).toBe(got.attr!.inode);
  expect(res.attr.nlink).toBe(got.attr!.nlink);
});

test('floor-read of a missing inode answers NOT_FOUND, not INTERNAL', async () => {
  await expect(client.read('999999999')).rejects.toMatchObject({ code: 5 });
});

test('floor-write inserts exactly one row per call, tagged with the worker', async () => {
  for (let i = 0; i < 5; i++) await client.write(7);
  await client.write(8);
  const db = new Client({ connectionString: env.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ worker: number; n: number }>('select worker, count(*)::int n from bench_floor_log group by worker order by worker');
    expect(rows).toEqual([
      { worker: 7, n: 5 },
      { worker: 8, n: 1 },
    ]);
  } finally {
    await db.end();
  }
});

test('lines are matched to the floor of their kind', () => {
  for (const op of ['getattr', 'lookup', 'access', 'readdir_1k', 'read_10', 'getattr@64', 'lookup@64', 'summary_100k']) expect(floorOf(op)).toBe('floor-read');
  for (const op of ['mkdir', 'create', 'write', 'open_close', 'new_slices', 'create-shared-dir@64', 'write@64', 'create@64-quota']) expect(floorOf(op)).toBe('floor-write');
});

test('a single-client line has the documented shape', () => {
  const line = latencyLine('x', [3, 1, 2, 4]);
  expect(line).toEqual({ op: 'x', n: 4, usPerOp: 2500, p50Us: 2000, p99Us: 4000 });
});
