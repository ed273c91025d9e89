import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { loadMigrations, migrate } from '@fsmeta/fsmeta';
import { Client } from 'pg';
import { ADMIN_URL_ENV, createTestDatabase } from '../harness/database';
import { startEnv, type TestEnv } from '../harness/server';

const RPCS = [
  'NewSession', 'Heartbeat', 'CloseSession', 'ListSessions',
  'Lookup', 'GetAttr', 'SetAttr', 'Access', 'Mknod', 'Mkdir', 'Create', 'Symlink', 'ReadLink', 'Link', 'Unlink', 'Rmdir', 'Rename', 'Readdir',
  'Open', 'Close', 'NewSlices', 'Read', 'Write', 'Truncate', 'Fallocate', 'CopyFileRange',
  'GetXattr', 'SetXattr', 'ListXattr', 'RemoveXattr', 'Flock', 'GetLk', 'SetLk',
  'StatFS', 'GetDirStat', 'GetSummary', 'SetQuota', 'GetQuota', 'DeleteQuota', 'ListQuotas',
  'ClaimSliceDeletions', 'AckSliceDeletions', 'ClaimCompaction', 'CommitCompaction',
  'Format', 'GetFormat', 'Watch',
];
const MAIN = path.resolve(__dirname, '../../services/fsmeta/dist/main.js');
const REFLECTION_PROTO_DIR = path.dirname(require.resolve('@grpc/reflection/package.json', { paths: [path.resolve(__dirname, '../../services/fsmeta')] }));

let env: TestEnv;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(() => env.stop());

type Reflection = grpc.Client & { ServerReflectionInfo(): grpc.ClientDuplexStream<object, Record<string, unknown>> };

function reflectionClient(version: 'v1' | 'v1alpha'): Reflection {
  const def = protoLoader.loadSync(`grpc/reflection/${version}/reflection.proto`, {
    includeDirs: [path.join(REFLECTION_PROTO_DIR, 'build/proto')],
    keepCase: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { reflection: Record<string, { ServerReflection: typeof grpc.Client }> } };
  return new pkg.grpc.reflection[version]!.ServerReflection(env.servers[0]!.address, grpc.credentials.createInsecure()) as Reflection;
}

function ask(client: Reflection, request: object): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo();
    call.on('data', (res) => {
      resolve(res);
      call.end();
    });
    call.on('error', reject);
    call.write(request);
  });
}

describe.each(['v1', 'v1alpha'] as const)('server reflection %s', (version) => {
  it('lists the Meta and health services and describes every RPC', async () => {
    const client = reflectionClient(version);
    const list = (await ask(client, { list_services: '' })) as { list_services_response: { service: { name: string }[] } };
    const names = list.list_services_response.service.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['fsmeta.v1.Meta', 'grpc.health.v1.Health']));
    const file = (await ask(client, { file_containing_symbol: 'fsmeta.v1.Meta' })) as {
      file_descriptor_response: { file_descriptor_proto: Buffer[] };
    };
    const text = Buffer.concat(file.file_descriptor_response.file_descriptor_proto).toString('latin1');
    for (const rpc of RPCS) expect(text).toContain(rpc);
    client.close();
  });
});

describe('health', () => {
  it('reports SERVING for the server and the Meta service', async () => {
    const def = protoLoader.loadSync(require.resolve('grpc-health-check/proto/health/v1/health.proto', { paths: [path.resolve(__dirname, '../../services/fsmeta')] }), { enums: String });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: typeof grpc.Client } } } };
    const client = new pkg.grpc.health.v1.Health(env.servers[0]!.address, grpc.credentials.createInsecure()) as grpc.Client & {
      Check(req: object, cb: (err: grpc.ServiceError | null, res: { status: string }) => void): void;
    };
    for (const service of ['', 'fsmeta.v1.Meta']) {
      const res = await new Promise<{ status: string }>((resolve, reject) => client.Check({ service }, (err, r) => (err ? reject(err) : resolve(r))));
      expect(res.status).toBe('SERVING');
    }
    env.servers[0]!.server.setServing(false);
    const res = await new Promise<{ status: string }>((resolve, reject) => client.Check({ service: '' }, (err, r) => (err ? reject(err) : resolve(r))));
    expect(res.status).toBe('NOT_SERVING');
    env.servers[0]!.server.setServing(true);
    client.close();
  });
});

describe('migrations', () => {
  it('several replicas migrating one empty database at once is safe', async () => {
    const admin = new Client({ connectionString: process.env[ADMIN_URL_ENV] });
    await admin.connect();
    const name = `fsmeta_mig_${process.pid}_${Date.now()}`;
    await admin.query(`create database ${name}`);
    try {
      const u = new URL(process.env[ADMIN_URL_ENV]!);
      u.pathname = `/${name}`;
      const results = await Promise.all([1, 2, 3].map(() => migrate(u.toString())));
      // Each migration applied exactly once, by whichever replica got the lock first.
      expect(results.flat().sort()).toEqual(loadMigrations().map((m) => m.name));
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});

function runCli(args: string[], env: NodeJS.ProcessEnv, onStderr?: (line: string, kill: () => void) => void): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env, FSMETA_LOG_LEVEL: 'warn' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, () => child.kill('SIGTERM'));
    });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('the fsmeta command', () => {
  it('names a bad setting in one line and exits non-zero', async () => {
    const res = await runCli(['serve', '--pool-size', 'many'], {});
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe('fsmeta: --pool-size: "many" is not a whole number');
    const env2 = await runCli(['serve'], { FSMETA_ATIME_MODE: 'sometimes' });
    expect(env2.stderr.trim()).toBe('fsmeta: FSMETA_ATIME_MODE: "sometimes" is not one of noatime, relatime, strictatime');
  });

  it('gives one clear line for an unreachable database', async () => {
    const res = await runCli(['serve', '--database-url', 'postgres://nobody:secret@127.0.0.1:1/none', '--metrics-port', '0'], {});
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toContain('database postgres://nobody:***@127.0.0.1:1/none');
    expect(res.stderr).not.toContain('secret');
  });

  it('serves, then on SIGTERM drains and exits 0', async () => {
    const db = await createTestDatabase(process.env[ADMIN_URL_ENV]!);
    try {
      const res = await runCli(['serve', '--database-url', db.url, '--listen', '127.0.0.1:0', '--metrics-port', '0'], {}, (text, kill) => {
        if (text.includes('fsmeta serving on')) kill();
      });
      expect(res.stderr).toMatch(/fsmeta serving on 127\.0\.0\.1:\d+/);
      expect(res.code).toBe(0);
    } finally {
      await db.drop();
    }
  });
});
