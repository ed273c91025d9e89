import { spawn } from 'node:child_process';
import { promises as dnsPromises, type LookupAddress } from 'node:dns';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { FsmetaError, MetaClient, type WatchBatch } from '@fsmeta/client';
import type { RunningFsmeta } from '@fsmeta/fsmeta';
import { ROOT_INO, b, errnoOf } from '../harness/fs';
import { blackholeProxy } from '../harness/proxy';
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

  it('a watcher waiting to resume stops with its client, without a call on the closed channel', async () => {
    const lone = await startServer(env.databaseUrl, { jobIntervalMs: 100 });
    const c = new MetaClient(lone.address);
    const watcher = c.watch({});
    const closed = new Promise<void>((resolve) => watcher.once('closed', () => resolve()));
    try {
      await waitFor('the watcher', () => watcher.connected);
      const broke = new Promise<void>((resolve) => watcher.once('disconnected', () => resolve()));
      await lone.stop();
      await broke;
    } finally {
      await c.close();
    }
    await closed;
    // Past the longest resume backoff: a resume attempt on the closed channel would throw from its timer.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(watcher.connected).toBe(false);
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

describe('one target for several replicas', () => {
  /** Two replicas on one port of two loopback addresses: what a DNS name with two A records names. */
  async function twoReplicas(): Promise<[RunningFsmeta, RunningFsmeta]> {
    const r0 = await startServer(env.databaseUrl, { jobIntervalMs: 100, listen: '127.0.0.2:0' });
    const r1 = await startServer(env.databaseUrl, { jobIntervalMs: 100, listen: `127.0.0.3:${r0.port}` }).catch(async (err: unknown) => {
      await r0.stop();
      throw err;
    });
    return [r0, r1];
  }

  /**
   * Calls through `target` reach both replicas; with one stopped while
   * mutations and a watcher are going, every mutation succeeds once and the
   * watcher resumes through the same target with nothing lost or repeated.
   */
  async function balancesAndFailsOver(target: string, [r0, r1]: [RunningFsmeta, RunningFsmeta], tag: string): Promise<void> {
    const c = new MetaClient(target, { deadlines: { write: 10_000, read: 10_000 } });
    const served = [jest.spyOn(r0.meta.namespace, 'getAttr'), jest.spyOn(r1.meta.namespace, 'getAttr')];
    const running = new Set([r0, r1]);
    try {
      const s = await c.openSession(ROOT);
      expect(c.addresses).toEqual([target]);
      // Round-robin over both once both connections are up (the second may still be connecting at first).
      for (let i = 0; i < 500 && served.some((x) => x.mock.calls.length === 0); i++) await s.call('GetAttr', { inode: ROOT_INO });
      expect(served.map((x) => x.mock.calls.length > 0)).toEqual([true, true]);
      const dir = (await s.call('Mkdir', { parent: ROOT_INO, name: b(`rr-${tag}`), mode: 0o755 })).attr!.inode;
      const watcher = c.watch({});
      const seen: string[] = [];
      const connected: string[] = [];
      watcher.on('connected', (addr: string) => connected.push(addr));
      watcher.on('batch', (batch: WatchBatch) => {
        for (const ch of batch.changes) if (ch.kind === 'CHANGE_KIND_ENTRY' && ch.parent === dir) seen.push(ch.name.toString());
      });
      await waitFor('the watcher', () => watcher.connected && watcher.position !== '');
      const names = Array.from({ length: 40 }, (_, i) => `m${i}`);
      const work = (async () => {
        for (const n of names) await s.call('Mkdir', { parent: dir, name: b(n), mode: 0o755 });
      })();
      await waitFor('the first mutations', () => seen.length >= 5);
      // Stop the replica serving the stream (so the watcher has to resume), mutations in flight.
      const serving = r0.meta.changes.subscribers > 0 ? r0 : r1;
      const survivor = serving === r0 ? r1 : r0;
      running.delete(serving);
      await serving.stop();
      await work;
      await waitFor('every entry at the watcher', () => seen.length >= names.length);
      await new Promise((r) => setTimeout(r, 200));
      expect([...seen].sort()).toEqual([...names].sort());
      expect(connected.length).toBeGreaterThanOrEqual(2);
      expect(survivor.meta.changes.subscribers).toBe(1);
      // Everything now goes to the survivor.
      const before = served.map((x) => x.mock.calls.length);
      for (let i = 0; i < 10; i++) await s.call('GetAttr', { inode: dir });
      const i = survivor === r0 ? 0 : 1;
      expect(served[i]!.mock.calls.length - before[i]!).toBe(10);
      watcher.close();
    } finally {
      for (const x of served) x.mockRestore();
      await c.close();
      for (const r of running) await r.stop();
    }
  }

  it('an ipv4: address list is balanced round-robin and fails over', async () => {
    const replicas = await twoReplicas();
    await balancesAndFailsOver(`ipv4:127.0.0.2:${replicas[0].port},127.0.0.3:${replicas[0].port}`, replicas, 'ipv4');
  });

  it('a dns:/// name resolving to two replicas is balanced round-robin and fails over', async () => {
    const replicas = await twoReplicas();
    // The name's two A records, as a resolver would answer them (this machine's /etc/hosts is not ours to edit).
    const NAME = 'replicas.fsmeta.test';
    const real = dnsPromises.lookup.bind(dnsPromises);
    const lookup = jest.spyOn(dnsPromises, 'lookup').mockImplementation((async (host: string, opts: unknown) => {
      if (host === NAME) return [{ address: '127.0.0.2', family: 4 }, { address: '127.0.0.3', family: 4 }] satisfies LookupAddress[];
      return real(host, opts as never);
    }) as typeof dnsPromises.lookup);
    try {
      await balancesAndFailsOver(`dns:///${NAME}:${replicas[0].port}`, replicas, 'dns');
      expect(lookup.mock.calls.some(([host]) => host === NAME)).toBe(true);
    } finally {
      lookup.mockRestore();
    }
  });
});
