import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunningFsmeta } from '@fsmeta/fsmeta';
import { makeCa, makeLeaf, type Pem } from '../harness/certs';
import { startEnv, startServer, type TestEnv } from '../harness/server';
import { blackholeProxy } from '../harness/proxy';
import { fsops, isMounted, mountFailure, sh, startMount, tempDir, type MountProcess } from './harness';

/**
 * The mount as something people run: it reaches a secured fsmeta (TLS, mutual
 * TLS, bearer token; a clear one-line error and a non-zero exit when the
 * options are wrong), and it stops within its bound when fsmeta is gone
 * (SIGTERM or umount): what it cannot flush is reported lost, the kernel mount
 * goes, the exit status is non-zero.
 */

const TOKEN = 'mount-token-0123456789abcdef';
const sha = (t: string): string => createHash('sha256').update(t).digest('hex');

let env: TestEnv;
let dir: string;
let dataDir: string;
let ca: Pem;
let otherCa: Pem;
let nodeCert: Pem;
let nobodyCert: Pem;
let secured: RunningFsmeta;
const mounts: MountProcess[] = [];

/** The mount's exit code; fails (with its log) when it is still running after `ms`. */
async function exitOf(m: MountProcess, ms = 60_000): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    new Promise<number>((resolve) => {
      if (m.child.exitCode !== null) resolve(m.child.exitCode);
      else m.child.once('exit', (c) => resolve(c ?? 1));
    }),
    new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms))),
  ]);
  clearTimeout(timer);
  if (code === undefined) throw new Error(`the mount is still running after ${ms} ms; its log:\n${m.stderr()}`);
  return code;
}

beforeAll(async () => {
  env = await startEnv(1, { heartbeatMs: 1000 });
  dir = tempDir('fsmeta-mount-ops-');
  dataDir = path.join(dir, 'objects');
  ca = makeCa(dir, 'ca');
  otherCa = makeCa(dir, 'other-ca');
  const serverCert = makeLeaf(dir, ca, 'server', '/CN=fsmeta.test');
  nodeCert = makeLeaf(dir, ca, 'node-a', '/CN=node-a/O=storage');
  nobodyCert = makeLeaf(dir, ca, 'nobody', '/CN=nobody');
  const authFile = path.join(dir, 'identities.yaml');
  fs.writeFileSync(
    authFile,
    ['identities:', '  - name: node-a', '    role: node', '    cert_cn: node-a', '  - name: by-token', '    role: node', `    token_sha256: ${sha(TOKEN)}`, ''].join('\n'),
  );
  // Mutual TLS and an identity required: a client needs a certificate of the CA, and an identity (its certificate's or a token's).
  secured = await startServer(env.databaseUrl, {
    heartbeatMs: 1000,
    args: ['--tls-cert-file', serverCert.certFile, '--tls-key-file', serverCert.keyFile, '--tls-client-ca-file', ca.certFile, '--auth-file', authFile, '--auth-required', 'true'],
  });
});

afterAll(async () => {
  for (const m of mounts) if (m.child.exitCode === null) await m.kill();
  await secured?.stop();
  await env.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a secured fsmeta', () => {
  it('mounts with a client certificate (flags) or a token (environment), and serves files', async () => {
    const a = await startMount(secured.address, {
      dataDir,
      extraArgs: ['--tls-ca', ca.certFile, '--tls-cert', nodeCert.certFile, '--tls-key', nodeCert.keyFile, '--tls-server-name', 'localhost'],
    });
    mounts.push(a);
    await fsops([['write_file', `${a.mountpoint}/over-mtls`, 'cafe'.repeat(1000)]]);
    expect(await a.stop()).toBe(0);

    // The certificate names no identity; the token does.
    const tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, `${TOKEN}\n`);
    const b = await startMount(secured.address, {
      dataDir,
      env: {
        FSMETA_MOUNT_TLS_CA_FILE: ca.certFile,
        FSMETA_MOUNT_TLS_CERT_FILE: nobodyCert.certFile,
        FSMETA_MOUNT_TLS_KEY_FILE: nobodyCert.keyFile,
        FSMETA_MOUNT_TLS_SERVER_NAME: 'localhost',
        FSMETA_MOUNT_TOKEN_FILE: tokenFile,
      },
    });
    mounts.push(b);
    expect((await fsops([['read_all', `${b.mountpoint}/over-mtls`]]))[0]).toEqual({ ok: 'cafe'.repeat(1000) });
    expect(await b.stop()).toBe(0);
  });

  const tls = (cert: Pem | undefined, caPem: Pem = ca): string[] => [
    '--tls-ca',
    caPem.certFile,
    '--tls-server-name',
    'localhost',
    ...(cert === undefined ? [] : ['--tls-cert', cert.certFile, '--tls-key', cert.keyFile]),
  ];
  it.each([
    ['plaintext to a TLS port', [] as string[], {}, /cannot open a session on fsmeta at .*: unreachable/],
    ['a CA that did not sign the server', ['__other_ca__'], {}, /unreachable .*--tls-ca/],
    ['no client certificate (mutual TLS)', ['__no_cert__'], {}, /unreachable/],
    ['a certificate of no identity, no token', ['__nobody__'], {}, /not authenticated/],
    ['a wrong token', ['__nobody__'], { FSMETA_MOUNT_TOKEN: 'not-the-token' }, /not authenticated/],
  ])('refuses to mount with %s: one line, exit 1, no hang', async (_what, flags, extraEnv, message) => {
    const args = flags[0] === '__other_ca__' ? tls(nodeCert, otherCa) : flags[0] === '__no_cert__' ? tls(undefined) : flags[0] === '__nobody__' ? tls(nobodyCert) : [];
    const r = await mountFailure(secured.address, { dataDir, extraArgs: args, env: extraEnv });
    expect(r.mounted).toBe(false);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^fsmeta-mount: /);
    expect(lines[0]).toMatch(message);
  });

  it('refuses unusable options before connecting', async () => {
    const r = await mountFailure(secured.address, { dataDir, extraArgs: ['--tls-cert', nodeCert.certFile] });
    expect(r).toMatchObject({ code: 1, mounted: false });
    expect(r.stderr.trim()).toBe('fsmeta-mount: --tls-cert and --tls-key go together');
    const missing = await mountFailure(secured.address, { dataDir, extraArgs: ['--tls-ca', path.join(dir, 'nope.crt')] });
    expect(missing.stderr.trim()).toBe(`fsmeta-mount: --tls-ca ${path.join(dir, 'nope.crt')}: ENOENT`);
  });
});

/** A child that writes `n` bytes of "x" to `file`, keeps the descriptor open, and says "ready". */
async function openWriter(file: string, n: number): Promise<ReturnType<typeof spawn>> {
  const writer = spawn('python3', ['-c', `import os,sys\nfd=os.open(${JSON.stringify(file)}, os.O_WRONLY|os.O_CREAT, 0o644)\nos.write(fd, b"x"*${n})\nprint("ready", flush=True)\nsys.stdin.read()`], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  await new Promise<void>((resolve) => writer.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
  return writer;
}

describe('stopping with fsmeta there', () => {
  it('SIGTERM with a writer still inside: its unflushed data is recorded, the busy mount detached, exit 0', async () => {
    const m = await startMount(env.servers[0]!.address, { dataDir, extraArgs: ['--stop-timeout-ms', '4000'] });
    mounts.push(m);
    const writer = await openWriter(`${m.mountpoint}/still-open`, 123_456);
    m.child.kill('SIGTERM');
    const code = await exitOf(m);
    writer.kill('SIGKILL');
    expect(code).toBe(0);
    expect(m.stderr()).not.toMatch(/LOST|giving up/);
    expect(await isMounted(m.mountpoint)).toBe(false);
    const n = await startMount(env.servers[0]!.address, { dataDir });
    mounts.push(n);
    expect((await fsops([['read_all', `${n.mountpoint}/still-open`]]))[0]).toEqual({ ok: Buffer.alloc(123_456, 'x').toString('hex') });
    expect(await n.stop()).toBe(0);
  });
});

describe('fsmeta gone', () => {
  it('SIGTERM: unmounts within its bound, reports the unflushed data as lost, exits 1', async () => {
    const proxy = await blackholeProxy(env.servers[0]!.address, 'drop');
    const m = await startMount(proxy.address, { dataDir, extraArgs: ['--stop-timeout-ms', '5000'] });
    mounts.push(m);
    await fsops([['write_file', `${m.mountpoint}/flushed`, 'ab'.repeat(5000)]]);
    // A writer keeps a file open with 100000 bytes written and not flushed (the mount is busy, too).
    const writer = await openWriter(`${m.mountpoint}/dirty`, 100_000);
    proxy.swallow();
    const t = Date.now();
    m.child.kill('SIGTERM');
    const code = await exitOf(m);
    const secs = (Date.now() - t) / 1000;
    writer.kill('SIGKILL');
    proxy.close();
    expect(code).toBe(1);
    expect(m.stderr()).toMatch(/LOST 100000 bytes written to inode \d+/);
    expect(m.stderr()).toMatch(/was not closed/);
    expect(await isMounted(m.mountpoint)).toBe(false);
    // Bounded: the stop timeout plus start-up slack on a loaded machine; it took minutes before.
    expect(secs).toBeLessThan(45);

    // What was flushed before is there; the session of the dead mount expires by itself.
    const n = await startMount(env.servers[0]!.address, { dataDir });
    mounts.push(n);
    const r = await fsops([['read_all', `${n.mountpoint}/flushed`], ['stat', `${n.mountpoint}/dirty`]]);
    expect(r[0]).toEqual({ ok: 'ab'.repeat(5000) });
    expect((r[1] as { ok: { size: number } }).ok.size).toBe(0);
    expect(await n.stop()).toBe(0);
  });

  it('umount from outside: the mount process ends within its bound, exit 1 (session left to expire)', async () => {
    const proxy = await blackholeProxy(env.servers[0]!.address, 'drop');
    const m = await startMount(proxy.address, { dataDir, extraArgs: ['--stop-timeout-ms', '5000'] });
    mounts.push(m);
    await fsops([['write_file', `${m.mountpoint}/before-umount`, '00ff']]);
    proxy.swallow();
    const t = Date.now();
    // --no-canonicalize: plain umount(8) stats the mount point first, a request that waits on fsmeta like any other.
    await sh(`umount --no-canonicalize ${m.mountpoint}`);
    const code = await exitOf(m);
    const secs = (Date.now() - t) / 1000;
    proxy.close();
    expect(code).toBe(1);
    expect(m.stderr()).not.toMatch(/LOST/);
    expect(m.stderr()).toMatch(/giving up on fsmeta/);
    expect(secs).toBeLessThan(45);
  });
});
