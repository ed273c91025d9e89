import * as https from 'node:https';
import type { Counter, Histogram } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { Db } from './store/db';
import { volumeGauges, type VolumeGauges } from './store/admin';
import type { ReloadingCertificates } from './server/tls';

/** Where Prometheus scrapes. */
const METRICS_PATH = '/metrics';
/** Latency buckets in seconds: 100 µs .. 10 s (a metadata RPC is a few ms; lock waits reach seconds). */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const COMMON_RETRY_SQLSTATES = ['40001', '40P01', '55P03'];
/** The volume-wide gauges cost a few counts: a scrape reuses a result this young. */
const GAUGE_CACHE_MS = 5000;

/**
 * Prometheus metrics on `port` (0 = off), in Prometheus conventions (seconds,
 * `_total` counters), every name listed in docs/operations.md and charted by
 * deploy/grafana/fsmeta-dashboard.json:
 *   fsmeta_rpc_requests_total{method,code}        RPCs by gRPC status
 *   fsmeta_rpc_duration_seconds{method}           RPC latency histogram
 *   fsmeta_txn_retries_total{sqlstate}            transactions run again, by SQLSTATE
 *   fsmeta_db_pool_connections{state}             this replica's pool: in_use, idle
 *   fsmeta_db_pool_waiting                        callers waiting for a pool connection
 *   fsmeta_db_lock_waiters / fsmeta_db_lock_wait_seconds   fsmeta backends waiting on a lock now, longest wait
 *   fsmeta_sessions, fsmeta_open_files            live sessions, open-file rows (volume-wide)
 *   fsmeta_queue_depth{queue}                     file_release, slice_deletion, compaction, trash, lock_waiters
 *   fsmeta_request_log_rows                       remembered mutation outcomes
 * With `tls`, served over HTTPS with the gRPC port's certificate (following its reloads).
 */
export class Telemetry {
  private provider?: MeterProvider;
  private httpsServer?: https.Server;
  private calls?: Counter;
  private latency?: Histogram;
  private cached?: { at: number; value: Promise<VolumeGauges> };

  constructor(port: number, host: string, db: Db, tls?: ReloadingCertificates) {
    if (port === 0) return;
    const exporter = new PrometheusExporter({ port, host, endpoint: METRICS_PATH, preventServerStart: tls !== undefined });
    // A provider of our own (not the global one): several servers in one process keep their own metrics.
    this.provider = new MeterProvider({ readers: [exporter] });
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
    const meter = this.provider.getMeter('fsmeta');
    this.calls = meter.createCounter('fsmeta_rpc_requests', { description: 'RPCs handled, by method and gRPC status code' });
    this.latency = meter.createHistogram('fsmeta_rpc_duration_seconds', {
      description: 'RPC latency, by method',
      unit: 's',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
    });
    meter.createObservableCounter('fsmeta_txn_retries_total', { description: 'Transactions run again, by SQLSTATE (40001 serialization, 40P01 deadlock, 55P03 lock timeout, 08xxx connection, FZ001 a one-statement fast path declined)' })
      .addCallback((r) => {
        // The usual SQLSTATEs are reported from 0, so rate() sees their first retry.
        for (const code of COMMON_RETRY_SQLSTATES) if (!db.retryCounts.has(code)) r.observe(0, { sqlstate: code });
        for (const [code, n] of db.retryCounts) r.observe(n, { sqlstate: code });
      });
    meter.createObservableGauge('fsmeta_db_pool_connections', { description: "This replica's database connections, by state" }).addCallback((r) => {
      const { totalCount, idleCount } = db.pool;
      r.observe(totalCount - idleCount, { state: 'in_use' });
      r.observe(idleCount, { state: 'idle' });
    });
    meter.createObservableGauge('fsmeta_db_pool_waiting', { description: 'Callers waiting for a database connection of this replica' }).addCallback((r) => {
      r.observe(db.pool.waitingCount);
    });

    const gauge = (name: string, description: string, unit?: string) => meter.createObservableGauge(name, { description, unit });
    const sessions = gauge('fsmeta_sessions', 'Live client sessions (volume-wide)');
    const openFiles = gauge('fsmeta_open_files', 'Open files over all sessions (volume-wide)');
    const queues = gauge('fsmeta_queue_depth', 'Rows waiting in each work queue (volume-wide)');
    const requestLog = gauge('fsmeta_request_log_rows', 'Remembered mutation outcomes (volume-wide)');
    const lockWaiters = gauge('fsmeta_db_lock_waiters', "fsmeta's database backends waiting for a lock now (all replicas)");
    const lockWait = gauge('fsmeta_db_lock_wait_seconds', 'The longest current lock wait of those backends', 's');
    meter.addBatchObservableCallback(
      async (r) => {
        let g: VolumeGauges;
        try {
          g = await this.gauges(db);
        } catch {
          return; // database unreachable: the pool and RPC metrics still tell the story
        }
        r.observe(sessions, Number(g.sessions));
        r.observe(openFiles, Number(g.openFiles));
        for (const [queue, n] of [['file_release', g.fileRelease], ['slice_deletion', g.sliceDeletion], ['compaction', g.compaction], ['trash', g.trash], ['lock_waiters', g.lockWaiters]] as const) {
          r.observe(queues, Number(n), { queue });
        }
        r.observe(requestLog, Number(g.requestLog));
        r.observe(lockWaiters, Number(g.dbLockWaiters));
        r.observe(lockWait, g.dbLockWaitSeconds);
      },
      [sessions, openFiles, queues, requestLog, lockWaiters, lockWait],
    );
  }

  private gauges(db: Db): Promise<VolumeGauges> {
    const now = Date.now();
    if (this.cached === undefined || now - this.cached.at > GAUGE_CACHE_MS) {
      const value = volumeGauges(db.reader);
      value.catch(() => {
        this.cached = undefined;
      });
      this.cached = { at: now, value };
    }
    return this.cached.value;
  }

  recordCall(method: string, code: string, ms: number): void {
    this.calls?.add(1, { method, code });
    this.latency?.record(ms / 1000, { method });
  }

  async shutdown(): Promise<void> {
    const server = this.httpsServer;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
    await this.provider?.shutdown();
  }
}

