import * as grpc from '@grpc/grpc-js';

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
