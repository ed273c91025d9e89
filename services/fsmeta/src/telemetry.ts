import { metrics, type Counter, type Histogram } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { Db } from './store/db';

/**
 * OpenTelemetry metrics, served in Prometheus format on `port` (0 = off):
 * RPC counts and latencies by method and status, transaction retries by SQLSTATE.
 */
export class Telemetry {
  private sdk?: NodeSDK;
  private readonly calls: Counter;
  private readonly latency: Histogram;

  constructor(port: number, host: string, db: Db) {
    if (port > 0) {
      this.sdk = new NodeSDK({
        serviceName: 'fsmeta',
        metricReader: new PrometheusExporter({ port, host }),
        instrumentations: [],
      });
      this.sdk.start();
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
    await this.sdk?.shutdown();
  }
}
