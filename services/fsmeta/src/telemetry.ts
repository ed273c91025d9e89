import * as https from 'node:https';
import { metrics, type Counter, type Histogram } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { Db } from './store/db';
import type { ReloadingCertificates } from './server/tls';

/** Where Prometheus scrapes. */
const METRICS_PATH = '/metrics';

/**
 * OpenTelemetry metrics, served in Prometheus format on `port` (0 = off):
 * RPC counts and latencies by method and status, transaction retries by SQLSTATE.
 * With `tls`, over HTTPS with the gRPC port's certificate (following its reloads).
 */
export class Telemetry {
  private sdk?: NodeSDK;
  private httpsServer?: https.Server;
  private readonly calls: Counter;
  private readonly latency: Histogram;

  constructor(port: number, host: string, db: Db, tls?: ReloadingCertificates) {
    if (port > 0) {
      const exporter = new PrometheusExporter({ port, host, endpoint: METRICS_PATH, preventServerStart: tls !== undefined });
      this.sdk = new NodeSDK({ serviceName: 'fsmeta', metricReader: exporter, instrumentations: [] });
      this.sdk.start();
      if (tls !== undefined) {
        const { cert, key } = tls.material;
        const server = https.createServer({ cert, key }, (req, res) => {
          if (new URL(req.url ?? '/', 'https://localhost').pathname === METRICS_PATH) {
            exporter.getMetricsRequestHandler(req, res);
          } else {
            res.statusCode = 404;
            res.end();
          }
        });
        tls.onReload((m) => server.setSecureContext({ cert: m.cert, key: m.key }));
        server.listen(port, host);
        this.httpsServer = server;
      }
    }
    const meter = metrics.getMeter('fsmeta');
    this.calls = meter.createCounter('fsmeta_rpc_calls', { description: 'RPCs handled, by method and status code' });
    this.latency = meter.createHistogram('fsmeta_rpc_duration', { description: 'RPC latency', unit: 'ms' });
    meter
      .createObservableCounter('fsmeta_txn_retries', { description: 'Transactions retried, by SQLSTATE' })
      .addCallback((result) => {
        for (const [code, n] of db.retryCounts) result.observe(n, { sqlstate: code });
      });
  }

  recordCall(method: string, code: string, ms: number): void {
    this.calls.add(1, { method, code });
    this.latency.record(ms, { method });
  }

  async shutdown(): Promise<void> {
    const server = this.httpsServer;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
    await this.sdk?.shutdown();
  }
}
