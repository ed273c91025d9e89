import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { FsmetaError, MetaClient } from '@fsmeta/client';
import { ROOT_INO, b, errnoOf } from '../harness/fs';
import { ROOT, startEnv, startServer, type TestEnv } from '../harness/server';

/**
 * @fsmeta/client as a storage node uses it: sessions that keep themselves
 * alive and re-register after a pause, failover between replicas (a replica
 * stopped; a replica that takes a request and never answers), the retry budget.
 */

let env: TestEnv;
beforeAll(async () => {
  // Sessions expire after 1 s without a heartbeat; the expiry job runs every 100 ms.
  env = await startEnv(2, { heartbeatMs: 200, jobIntervalMs: 100 });
});
afterAll(() => env.stop());

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A TCP proxy that can stop passing the server's bytes back: a replica that takes requests and never answers. */
async function blackholeProxy(target: string): Promise<{ address: string; swallow(): void; close(): void }> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  let swallowing = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(port, host);
    sockets.add(inbound).add(outbound);
    inbound.on('data', (d) => outbound.write(d));
    outbound.on('data', (d) => {
      if (!swallowing) inbound.write(d);
    });
    const end = (): void => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', end).on('close', end);
    outbound.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    swallow: () => (swallowing = true),
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe('sessions', () => {
  it('heartbeats keep an opened session alive past its expiry; close ends it and its timer', async () => {
    const c = new MetaClient(env.servers[0]!.address);
    const s = await c.openSession(ROOT, { info: { hostName: 'live' } });
    const reregistered = jest.fn();
    s.on('reregistered', reregistered);
    const first = s.id;
    await new Promise((r) => setTimeout(r, 2500)); // 2.5 x the expiry
    await s.call('Mkdir', { parent: ROOT_INO, name: b('alive'), mode: 0o755 });
    expect(s.id).toBe(first);
    expect(reregistered).not.toHaveBeenCalled();
    await c.close();
    const list = await env.client(1).call('ListSessions', {});
    expect(list.sessions.map((x) => x.sessionId)).not.toContain(first);
  });

  it('a read-only session gets EROFS and stays read-only', async () => {
    const c = new MetaClient(env.servers[0]!.address);
    const s = await c.openSession(ROOT, { readOnly: true });
    expect(s.readOnly).toBe(true);
    expect(await errnoOf(s.call('Mkdir', { parent: ROOT_INO, name: b('ro'), mode: 0o755 }))).toBe('EROFS');
    await c.close();
  });

  it('a client paused past its session expiry re-registers and tells the application', async () => {
    const script = `
      const { MetaClient } = require(${JSON.stringify(path.resolve(__dirname, '../../packages/client/dist/index.js'))});
      (async () => {
        const c = new MetaClient(${JSON.stringify(env.servers[1]!.address)});
        const s = await c.openSession({ uid: 0, gid: 0, gids: [] }, { info: { hostName: 'paused' } });
        s.on('reregistered', (e) => console.log('reregistered ' + e.previousId + ' ' + e.id));
        console.log('session ' + s.id);
        setInterval(() => undefined, 1000);
      })();`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor('the session', () => /session \d+/.test(out));
      const first = /session (\d+)/.exec(out)![1]!;
      child.kill('SIGSTOP');
      // Paused: no heartbeats; the session expires (1 s) and the expiry job removes it.
      await waitFor('the session to expire', async () => !(await env.client(0).call('ListSessions', {})).sessions.some((x) => x.sessionId === first));
      child.kill('SIGCONT');
      await waitFor('re-registration', () => /reregistered/.test(out));
      const [, previous, now] = /reregistered (\d+) (\d+)/.exec(out)!;
      expect(previous).toBe(first);
      expect(now).not.toBe(first);
      const list = await env.client(0).call('ListSessions', {});
      expect(list.sessions.find((x) => x.sessionId === now)?.info?.hostName).toBe('paused');
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('failover', () => {
  it('keeps working when one of its replicas stops', async () => {
    const extra = await startServer(env.databaseUrl, { heartbeatMs: 200, jobIntervalMs: 100 });
    const c = new MetaClient([extra.address, env.servers[0]!.address]);
    const moved: unknown[] = [];
    c.on('failover', (e) => moved.push(e));
    try {
      const s = await c.openSession(ROOT);
      await extra.stop();
      for (let i = 0; i < 10; i++) await s.call('Mkdir', { parent: ROOT_INO, name: b(`fo-${i}`), mode: 0o755 });
      expect(moved.length).toBeGreaterThan(0);
    } finally {
      await c.close();
    }
  });

  it('a replica that never answers: the deadline passes, the call is retried elsewhere with the same request id, applied once', async () => {
    const proxy = await blackholeProxy(env.servers[0]!.address);
    let cleanup = (): void => undefined;
    const c = new MetaClient([proxy.address, env.servers[1]!.address], { deadlines: { write: 1500, session: 1500 } });
    try {
      const s = await c.newSession(ROOT);
      // Another client's heartbeats keep the session (and so its request log) alive while the first
      // attempt hangs, without taking turns in this client's rotation.
      const beat = setInterval(() => void env.client(1).call('Heartbeat', { sessionId: s.id }), 100);
      cleanup = () => clearInterval(beat);
      await s.call('GetAttr', { inode: ROOT_INO }); // rotation: the next call goes to the proxy
      proxy.swallow();
      const moved: string[] = [];
      c.on('failover', (e: { method: string }) => moved.push(e.method));
      const requestId = s.nextRequestId();
      const made = await s.call('Mkdir', { parent: ROOT_INO, name: b('once'), mode: 0o755 }, { requestId });
      const found = await env.client(1).call('Lookup', { ctx: { caller: ROOT }, parent: ROOT_INO, name: b('once') });
      expect(moved).toEqual(['Mkdir']);
      expect(made.attr!.inode).toBe(found.attr!.inode);
      // The same request again is the same outcome, not EEXIST.
      const again = await s.call('Mkdir', { parent: ROOT_INO, name: b('once'), mode: 0o755 }, { requestId });
      expect(again.attr!.inode).toBe(made.attr!.inode);
    } finally {
      cleanup();
      await c.close();
      proxy.close();
    }
  });

  it('retries are bounded by the budget; errors say what a node can do', async () => {
    const dead = '127.0.0.1:1';
    for (const [budget, retries] of [[{ ratio: 0, minPerSecond: 0 }, 0], [undefined, 3]] as const) {
      const c = new MetaClient(dead, { maxAttempts: 4, retryBudget: budget });
      let moved = 0;
      c.on('failover', () => moved++);
      const err = await c.call('GetFormat', { ctx: { caller: ROOT } }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(FsmetaError);
      expect((err as FsmetaError).code).toBe(grpc.status.UNAVAILABLE);
      expect((err as FsmetaError).retryable).toBe(true);
      expect(moved).toBe(retries);
      await c.close();
    }
  });
});
