import { MetaClient } from '@fsmeta/client';
import { freePort, type RunningFsmeta } from '@fsmeta/fsmeta';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { ADMIN_URL_ENV, createTestDatabase } from '../harness/database';
import { ROOT, startServer } from '../harness/server';

/**
 * Metrics by their Prometheus names (and the Grafana dashboard charting exactly those), and
 * OpenTelemetry traces exported over OTLP to a receiver of the test's own when configured.
 */

const ROOT_DIR = path.resolve(__dirname, '../..');
const DASHBOARD = path.join(ROOT_DIR, 'deploy/grafana/fsmeta-dashboard.json');

/** Every metric fsmeta exports (docs/operations.md), without the _bucket/_sum/_count series suffixes. */
const METRICS = [
  'fsmeta_rpc_requests_total', 'fsmeta_rpc_duration_seconds', 'fsmeta_txn_retries_total', 'fsmeta_db_pool_connections',
  'fsmeta_db_pool_waiting', 'fsmeta_db_lock_waiters', 'fsmeta_db_lock_wait_seconds', 'fsmeta_sessions', 'fsmeta_open_files',
  'fsmeta_queue_depth', 'fsmeta_request_log_rows',
];

let db: { url: string; drop: () => Promise<void> };
beforeAll(async () => {
  db = await createTestDatabase(process.env[ADMIN_URL_ENV]!);
});
afterAll(() => db.drop());

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('metrics', () => {
  let server: RunningFsmeta;
  let port: number;
  let body: string;

  beforeAll(async () => {
    port = await freePort();
    server = await startServer(db.url, { args: ['--metrics-port', String(port), '--metrics-host', '127.0.0.1'] });
    const client = new MetaClient(server.address);
    const s = await client.newSession(ROOT, { hostName: 'metrics' });
    await s.call('Mkdir', { parent: '1', name: Buffer.from('m'), mode: 0o755 });
    await s.call('Lookup', { parent: '1', name: Buffer.from('missing') }).catch(() => undefined);
    const { attr } = await s.call('Create', { parent: '1', name: Buffer.from('open'), mode: 0o644, flags: 0 });
    expect(attr).toBeDefined();
    body = await get(port);
    await s.close();
    client.close();
  });
  afterAll(() => server.stop());

  it('uses Prometheus conventions: seconds, _total counters, per-method latency histograms and status counts', () => {
    expect(body).toMatch(/^fsmeta_rpc_requests_total\{method="Mkdir",code="OK"\} 1$/m);
    expect(body).toMatch(/^fsmeta_rpc_requests_total\{method="Lookup",code="NOT_FOUND"\} 1$/m);
    expect(body).toMatch(/^# TYPE fsmeta_rpc_duration_seconds histogram$/m);
    expect(body).toMatch(/^fsmeta_rpc_duration_seconds_bucket\{method="Mkdir",le="0\.0001"\} \d+$/m);
    expect(body).toMatch(/^fsmeta_rpc_duration_seconds_count\{method="Mkdir"\} 1$/m);
    expect(body).toMatch(/^fsmeta_db_pool_connections\{state="in_use"\} \d+$/m);
    expect(body).toMatch(/^fsmeta_db_pool_waiting \d+$/m);
    expect(body).toMatch(/^fsmeta_sessions 1$/m);
    expect(body).toMatch(/^fsmeta_open_files 1$/m);
    for (const q of ['file_release', 'slice_deletion', 'compaction', 'trash', 'lock_waiters']) expect(body).toMatch(new RegExp(`^fsmeta_queue_depth\\{queue="${q}"\\} \\d+$`, 'm'));
    expect(body).toMatch(/^fsmeta_request_log_rows \d+$/m);
    expect(body).toMatch(/^fsmeta_db_lock_waiters \d+$/m);
    for (const m of METRICS) expect(body).toMatch(new RegExp(`^# HELP ${m} `, 'm'));
  });

  it('the Grafana dashboard charts exactly these metrics', () => {
    const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8'));
    const exprs: string[] = dashboard.panels.flatMap((p: { targets?: { expr: string }[] }) => (p.targets ?? []).map((t) => t.expr));
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\b(fsmeta_[a-z_]+)\b/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ''))));
    expect([...used].sort()).toEqual([...METRICS].sort());
    for (const e of exprs) {
      for (const m of e.matchAll(/\b(fsmeta_[a-z_]+)\b/g)) expect(body).toContain(`${m[1]}`.replace(/_(bucket|sum|count)$/, ''));
    }
  });
});

describe('traces', () => {
  let child: ChildProcess | undefined;
  let receiver: http.Server | undefined;
  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child!.once('exit', resolve));
    }
    receiver?.close();
  });

  it('with OTEL_EXPORTER_OTLP_ENDPOINT set, each RPC is a span with its SQL statements as children, exported over OTLP', async () => {
    const bodies: Buffer[] = [];
    receiver = http.createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces') bodies.push(Buffer.concat(parts));
        res.writeHead(200, { 'content-type': 'application/x-protobuf' });
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
    const rport = (receiver.address() as { port: number }).port;
    const main = path.join(ROOT_DIR, 'services/fsmeta/dist/main.js');
    expect(fs.existsSync(main)).toBe(true); // the test command builds before jest
    child = spawn(process.execPath, [main, 'serve', '--listen', '127.0.0.1:0', '--database-url', db.url, '--metrics-port', '0', '--log-level', 'warn'], {
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rport}`, OTEL_BSP_SCHEDULE_DELAY: '100' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const address = await new Promise<string>((resolve, reject) => {
      let err = '';
      child!.stderr!.on('data', (c: Buffer) => {
        err += c.toString();
        const m = /fsmeta serving on (\S+)/.exec(err);
        if (m !== null) resolve(m[1]!);
      });
      child!.once('exit', (code) => reject(new Error(`fsmeta exited ${code}: ${err}`)));
    });
    const client = new MetaClient(address);
    try {
      const s = await client.newSession(ROOT, { hostName: 'traces' });
      await s.call('GetAttr', { inode: '1' });
      await s.close();
    } finally {
      client.close();
    }
    const deadline = Date.now() + 30_000;
    const seen = () => Buffer.concat(bodies).toString('latin1');
    while (!(seen().includes('fsmeta.v1.Meta/GetAttr') && seen().includes('pg.query')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen()).toContain('fsmeta.v1.Meta/GetAttr');
    // The statement's span carries the SQL text (parameterised).
    expect(seen()).toContain('pg.query');
    expect(seen()).toMatch(/select [a-z_., ]+ from node/);
  });
});
