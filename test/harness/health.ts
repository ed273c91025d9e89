import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

type HealthClient = grpc.Client & {
  Check(req: object, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: { status: string }) => void): void;
};

/** grpc.health.v1 Check of `service` ("" the server, fsmeta.v1.Meta the readiness one), as a load balancer asks it. */
export function healthChecker(address: string, service = 'fsmeta.v1.Meta'): { check(): Promise<string>; close(): void } {
  const def = protoLoader.loadSync(require.resolve('grpc-health-check/proto/health/v1/health.proto', { paths: [path.resolve(__dirname, '../../services/fsmeta')] }), { enums: String });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: typeof grpc.Client } } } };
  const client = new pkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure()) as HealthClient;
  return {
    check: () =>
      new Promise((resolve, reject) =>
        client.Check({ service }, { deadline: Date.now() + 5000 }, (err, r) => (err ? reject(err) : resolve(r.status))),
      ),
    close: () => client.close(),
  };
}
