import * as fs from 'node:fs';
import * as https from 'node:https';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { FsmetaError, MetaClient, type ClientOptions } from '@fsmeta/client';
import { freePort, type RunningFsmeta } from '@fsmeta/fsmeta';
import { makeCa, makeLeaf, type Pem } from '../harness/certs';
import { ADMIN_URL_ENV, createTestDatabase } from '../harness/database';
import { ROOT, startServer } from '../harness/server';

/**
 * TLS and mutual TLS on the gRPC port, identities from client certificates,
 * certificate reload without a restart, metrics over HTTPS. Certificates are
 * made at run time (harness/certs.ts).
 */

let dir: string;
let db: { url: string; drop: () => Promise<void> };
let ca: Pem;
let otherCa: Pem;
let serverCert: Pem;
let nodeCert: Pem;
let adminCert: Pem;
let strangerCert: Pem;
let nextServerCert: Pem;
const servers: RunningFsmeta[] = [];
const clients: MetaClient[] = [];

function client(address: string, o: ClientOptions): MetaClient {
  const c = new MetaClient(address, { deadlineMs: 5_000, maxAttempts: 1, ...o });
  clients.push(c);
  return c;
}

async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return grpc.status.OK;
  } catch (err) {
    if (err instanceof FsmetaError) return err.code;
    throw err;
  }
}

async function waitFor(cond: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsmeta-tls-'));
  ca = makeCa(dir, 'ca');
  otherCa = makeCa(dir, 'other-ca');
  serverCert = makeLeaf(dir, ca, 'server', '/CN=fsmeta.test');
  nodeCert = makeLeaf(dir, ca, 'node-a', '/CN=node-a/O=storage');
  adminCert = makeLeaf(dir, ca, 'ops', '/CN=ops/O=operators');
  strangerCert = makeLeaf(dir, otherCa, 'stranger', '/CN=node-a/O=storage');
  nextServerCert = makeLeaf(dir, otherCa, 'server-next', '/CN=fsmeta.test');
  db = await createTestDatabase(process.env[ADMIN_URL_ENV]!);
});

afterAll(async () => {
  for (const c of clients) c.close();
  for (const s of servers) await s.stop();
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('TLS (server certificate only)', () => {
  let address: string;
  let metricsPort: number;
  let certFile: string;
  let keyFile: string;

  beforeAll(async () => {
    // The server's files are copies the test rotates in place.
    certFile = path.join(dir, 'live.crt');
    keyFile = path.join(dir, 'live.key');
    fs.copyFileSync(serverCert.certFile, certFile);
    fs.copyFileSync(serverCert.keyFile, keyFile);
    metricsPort = await freePort();
    const s = await startServer(db.url, {
      args: ['--tls-cert-file', certFile, '--tls-key-file', keyFile, '--credentials-reload-ms', '200', '--metrics-port', String(metricsPort), '--metrics-host', '127.0.0.1', '--metrics-tls', 'true'],
    });
    servers.push(s);
    address = s.address;
  });

  it('serves a client that trusts the CA; refuses plaintext and an untrusting client', async () => {
    const good = client(address, { tls: { ca: ca.cert, serverName: 'localhost' } });
    await expect(good.call('GetFormat', {})).resolves.toMatchObject({ format: { name: 'fsmeta' } });
    const session = await good.newSession(ROOT);
    await expect(session.call('Mkdir', { parent: '1', name: Buffer.from('over-tls'), mode: 0o755, umask: 0 })).resolves.toBeDefined();
    expect(await codeOf(client(address, {}).call('GetFormat', {}))).toBe(grpc.status.UNAVAILABLE);
    expect(await codeOf(client(address, { tls: { ca: otherCa.cert } }).call('GetFormat', {}))).toBe(grpc.status.UNAVAILABLE);
  });

  it('serves metrics over HTTPS with the same certificate', async () => {
    await client(address, { tls: { ca: ca.cert } }).call('GetFormat', {});
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port: metricsPort, path: '/metrics', ca: ca.cert, servername: 'localhost' }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    expect(body).toMatch(/fsmeta_rpc_requests_total/);
    const plain = await new Promise<string>((resolve) => {
      http.get({ host: '127.0.0.1', port: metricsPort, path: '/metrics' }, (res) => resolve(`status ${res.statusCode}`)).on('error', (e) => resolve(e.message));
    });
    expect(plain).not.toMatch(/status 200/);
  });

  it('picks up a rotated certificate without a restart; a half-written rotation keeps the old one', async () => {
    // Half written: the new certificate with the old key does not load; the old pair stays in force.
    fs.copyFileSync(nextServerCert.certFile, certFile);
    await new Promise((r) => setTimeout(r, 600));
    expect(await codeOf(client(address, { tls: { ca: ca.cert } }).call('GetFormat', {}))).toBe(grpc.status.OK);
    fs.copyFileSync(nextServerCert.keyFile, keyFile);
    // New connections get the new certificate: a client trusting only the new CA gets in, one trusting only the old does not.
    await waitFor(async () => (await codeOf(client(address, { tls: { ca: otherCa.cert } }).call('GetFormat', {}))) === grpc.status.OK);
    expect(await codeOf(client(address, { tls: { ca: ca.cert } }).call('GetFormat', {}))).toBe(grpc.status.UNAVAILABLE);
    // The metrics port follows too.
    const metricsOk = await new Promise<boolean>((resolve) => {
      https
        .get({ host: '127.0.0.1', port: metricsPort, path: '/metrics', ca: otherCa.cert, servername: 'localhost' }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        })
        .on('error', () => resolve(false));
    });
    expect(metricsOk).toBe(true);
  });
});

describe('mutual TLS with certificate identities', () => {
  let address: string;
  let liveCaFile: string;

  beforeAll(async () => {
    liveCaFile = path.join(dir, 'live-client-ca.crt');
    fs.copyFileSync(ca.certFile, liveCaFile);
    const authFile = path.join(dir, 'identities.json');
    fs.writeFileSync(
      authFile,
      JSON.stringify({
        identities: [
          { name: 'node-a', role: 'node', cert_subject: 'CN=node-a,O=storage' },
          { name: 'ops', role: 'admin', cert_cn: 'ops' },
          { name: 'token-node', role: 'readonly-node', token: 'token-over-mtls' },
        ],
      }),
    );
    const s = await startServer(db.url, {
      args: [
        '--tls-cert-file', serverCert.certFile, '--tls-key-file', serverCert.keyFile, '--tls-client-ca-file', liveCaFile,
        '--auth-file', authFile, '--auth-required', 'true', '--credentials-reload-ms', '200',
      ],
    });
    servers.push(s);
    address = s.address;
  });

  const tlsWith = (cert: Pem) => ({ ca: ca.cert, cert: cert.cert, key: cert.key, serverName: 'localhost' });

  it('refuses a client without a certificate or with one from another CA', async () => {
    expect(await codeOf(client(address, { tls: { ca: ca.cert } }).call('GetFormat', {}))).toBe(grpc.status.UNAVAILABLE);
    expect(await codeOf(client(address, { tls: { ca: ca.cert, cert: strangerCert.cert, key: strangerCert.key } }).call('GetFormat', {}))).toBe(
      grpc.status.UNAVAILABLE,
    );
  });

  it('takes the identity from the client certificate', async () => {
    const node = client(address, { tls: tlsWith(nodeCert) });
    const admin = client(address, { tls: tlsWith(adminCert) });
    const session = await node.newSession(ROOT);
    await session.call('Mkdir', { parent: '1', name: Buffer.from('by-cert'), mode: 0o755, umask: 0 });
    expect(await codeOf(node.call('ListSessions', {}))).toBe(grpc.status.PERMISSION_DENIED);
    const listed = await admin.call('ListSessions', {});
    expect(listed.sessions.find((s) => s.sessionId === session.id)?.owner).toBe('node-a');
    // A certificate of the CA that matches no identity: UNAUTHENTICATED.
    const unknown = makeLeaf(dir, ca, 'unknown', '/CN=nobody');
    expect(await codeOf(client(address, { tls: tlsWith(unknown) }).call('GetFormat', {}))).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('lets a bearer token decide when one is sent with a certificate', async () => {
    const both = client(address, { tls: tlsWith(nodeCert), token: 'token-over-mtls' });
    await expect(both.call('GetFormat', {})).resolves.toBeDefined();
    // readonly-node: no read-write session.
    expect(await codeOf(both.newSession(ROOT))).toBe(grpc.status.PERMISSION_DENIED);
  });

  it('follows a new client CA without a restart', async () => {
    fs.copyFileSync(otherCa.certFile, liveCaFile);
    const stranger = { ca: ca.cert, cert: strangerCert.cert, key: strangerCert.key, serverName: 'localhost' };
    await waitFor(async () => (await codeOf(client(address, { tls: stranger }).call('GetFormat', {}))) === grpc.status.OK);
    expect(await codeOf(client(address, { tls: tlsWith(nodeCert) }).call('GetFormat', {}))).toBe(grpc.status.UNAVAILABLE);
  });
});
