import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { RunningFsmeta } from '@fsmeta/fsmeta';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeCa, makeLeaf } from '../harness/certs';
import { ADMIN_URL_ENV, createTestDatabase } from '../harness/database';
import { startServer } from '../harness/server';

/** --health-listen: a plaintext health-only port, so kubelet's native gRPC probes work when the gRPC port speaks TLS. */

type HealthClient = grpc.Client & { Check(req: object, cb: (err: grpc.ServiceError | null, res: { status: string }) => void): void };

function healthClient(address: string, creds: grpc.ChannelCredentials): HealthClient {
  const def = protoLoader.loadSync(require.resolve('grpc-health-check/proto/health/v1/health.proto', { paths: [path.resolve(__dirname, '../../services/fsmeta')] }), { enums: String });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: typeof grpc.Client } } } };
  return new pkg.grpc.health.v1.Health(address, creds) as HealthClient;
}

function check(c: HealthClient, service: string): Promise<string> {
  return new Promise((resolve, reject) => c.Check({ service }, (err, r) => (err ? reject(err) : resolve(r.status))));
}

let dir: string;
let db: { url: string; drop: () => Promise<void> };
let server: RunningFsmeta;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsmeta-health-'));
  const ca = makeCa(dir, 'ca');
  const cert = makeLeaf(dir, ca, 'server', '/CN=fsmeta.test');
  db = await createTestDatabase(process.env[ADMIN_URL_ENV]!);
  server = await startServer(db.url, { args: ['--tls-cert-file', cert.certFile, '--tls-key-file', cert.keyFile, '--health-listen', '127.0.0.1:0'] });
});
afterAll(async () => {
  await server.stop();
  await db.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('answers health in plaintext beside a TLS gRPC port, follows the serving state, and serves nothing else', async () => {
  expect(server.healthPort).toBeGreaterThan(0);
  const c = healthClient(`127.0.0.1:${server.healthPort}`, grpc.credentials.createInsecure());
  try {
    expect(await check(c, '')).toBe('SERVING');
    expect(await check(c, 'fsmeta.v1.Meta')).toBe('SERVING');
    server.server.setServing(false);
    expect(await check(c, 'fsmeta.v1.Meta')).toBe('NOT_SERVING');
    server.server.setServing(true);
    // The Meta service is not on this port.
    const meta = new grpc.Client(`127.0.0.1:${server.healthPort}`, grpc.credentials.createInsecure());
    const code = await new Promise<number>((resolve) =>
      meta.makeUnaryRequest('/fsmeta.v1.Meta/GetFormat', (x: Buffer) => x, (x: Buffer) => x, Buffer.alloc(0), (err) => resolve(err?.code ?? 0)),
    );
    expect(code).toBe(grpc.status.UNIMPLEMENTED);
    meta.close();
  } finally {
    c.close();
  }
  // The TLS port refuses a plaintext probe: that is why the health port exists.
  const plain = healthClient(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  await expect(check(plain, '')).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  plain.close();
});
