import * as grpc from '@grpc/grpc-js';
import type { MetaClient, Session, v1 } from '@fsmeta/client';
import { Client } from 'pg';
import { ROOT_INO, b, errnoOf, fsOps } from '../harness/fs';
import { Replica } from '../harness/replicas';
import { startEnv, startServer, type TestEnv } from '../harness/server';

/**
 * The change feed through the wire: Watch streams on two replicas of one
 * database, mutations through sessions, a direct PostgreSQL transaction to
 * commit a smaller transaction id after larger ones.
 */

let env: TestEnv;
beforeAll(async () => {
  // A poll far longer than any wait below: deliveries come from NOTIFY and local commits.
  env = await startEnv(2, { watchPollMs: 600_000 });
});
afterAll(() => env.stop());

const CTX = { caller: { uid: 0, gid: 0, gids: [] } };

/** A Watch stream and everything it delivered. */
class Tap {
  readonly messages: v1.WatchResponse__Output[] = [];
  readonly stream: grpc.ClientReadableStream<v1.WatchResponse__Output>;
  ended?: grpc.ServiceError | 'end';

  constructor(client: MetaClient, req: Omit<v1.WatchRequest, 'ctx'> = {}) {
    this.stream = client.stream('Watch', { ctx: CTX, ...req });
    this.stream.on('data', (m: v1.WatchResponse__Output) => this.messages.push(m));
    this.stream.on('error', (e: grpc.ServiceError) => (this.ended = e));
    this.stream.on('end', () => (this.ended ??= 'end'));
  }

  get changes(): v1.Change__Output[] {
    return this.messages.flatMap((m) => m.changes);
  }

  get position(): string {
    return this.messages[this.messages.length - 1]?.position ?? '';
  }

  entries(parent: string): string[] {
    return this.changes.filter((c) => c.kind === 'CHANGE_KIND_ENTRY' && c.parent === parent).map((c) => c.name.toString());
  }

  async until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!ok()) {
      if (this.ended !== undefined && this.ended !== 'end' && typeof this.ended === 'object') throw new Error(`stream failed waiting for ${what}: ${this.ended.message}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.stream.cancel();
  }
}

async function started(tap: Tap): Promise<Tap> {
  await tap.until('the first message', () => tap.messages.length > 0);
  return tap;
}

let s0: Session;
let s1: Session;
beforeAll(async () => {
  s0 = await env.session(undefined, 0);
  s1 = await env.session(undefined, 1);
});

describe('Watch', () => {
  it('starts now with a position, and delivers another replica’s changes by NOTIFY', async () => {
    const tap = await started(new Tap(env.client(1)));
    expect(tap.messages[0]!.changes).toEqual([]);
    expect(tap.messages[0]!.position).toMatch(/^\d+:\d+:/);
    const dir = await fsOps(s0).mkdir(ROOT_INO, 'w1');
    await s0.call('Mknod', { parent: dir.inode, name: b('f'), mode: 0o644, type: 'FILE_TYPE_REGULAR' });
    await tap.until('both entries', () => tap.entries(ROOT_INO).includes('w1') && tap.entries(dir.inode).includes('f'));
    const f = (await s0.call('Lookup', { parent: dir.inode, name: b('f') })).attr!;
    await s0.call('SetAttr', { inode: f.inode, set: 1, mode: 0o600 });
    await tap.until('the attribute change', () => tap.changes.some((c) => c.kind === 'CHANGE_KIND_ATTR' && c.inode === f.inode));
    await s0.call('Unlink', { parent: dir.inode, name: b('f') });
    await tap.until('the removal', () => tap.changes.some((c) => c.kind === 'CHANGE_KIND_REMOVED' && c.inode === f.inode));
    tap.close();
  });

  it('rejects a malformed position, subtree or inode naming the field', async () => {
    for (const [req, field] of [
      [{ position: 'nonsense' }, 'position'],
      [{ position: '5:3:' }, 'position'],
    ] as [Omit<v1.WatchRequest, 'ctx'>, string][]) {
      const tap = new Tap(env.client(0), req);
      await tap.until('the error', () => tap.ended !== undefined);
      const err = tap.ended as grpc.ServiceError;
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toContain(field);
    }
    const f = await fsOps(s0).mknod(ROOT_INO, 'not-a-dir');
    for (const [subtree, errno] of [['999999', 'ENOENT'], [f.inode, 'ENOTDIR']]) {
      const tap = new Tap(env.client(0), { subtree });
      await tap.until('the error', () => tap.ended !== undefined);
      expect((tap.ended as grpc.ServiceError).metadata.get('fsmeta-errno-name')).toEqual([errno]);
    }
  });

  it('delivers a transaction that took a smaller id but committed later (commit order, not id order)', async () => {
    const dir = await fsOps(s0).mkdir(ROOT_INO, 'late');
    const tap = await started(new Tap(env.client(1)));
    const pg = new Client({ connectionString: env.databaseUrl });
    await pg.connect();
    try {
      await pg.query('begin');
      await pg.query('select pg_current_xact_id()'); // takes its id now, before the mutations below
      for (let i = 0; i < 5; i++) await fsOps(s0).mknod(dir.inode, `after-${i}`);
      await tap.until('the later transactions', () => tap.entries(dir.inode).length === 5);
      const before = tap.position;
      await pg.query('update node set mode = 448 | (mode & ~4095) where inode = $1', [dir.inode]);
      await pg.query('commit');
      await s0.call('SetAttr', { inode: ROOT_INO, set: 1, mode: 0o755 }); // wakes the feed
      await tap.until('the smaller id', () => tap.changes.some((c) => c.kind === 'CHANGE_KIND_ATTR' && c.inode === dir.inode));
      // Resuming from the position before it delivers it again exactly once; no earlier change reappears.
      const resumed = await started(new Tap(env.client(0), { position: before, inodes: [dir.inode] }));
      await resumed.until('the smaller id again', () => resumed.changes.some((c) => c.inode === dir.inode));
      expect(resumed.entries(dir.inode)).toEqual([]);
      resumed.close();
    } finally {
      await pg.end();
    }
    tap.close();
  });

  it('concurrent mutations on two replicas, a watcher resuming on the other replica: nothing lost, nothing twice', async () => {
    const dir = await fsOps(s0).mkdir(ROOT_INO, 'busy');
    const first = await started(new Tap(env.client(0)));
    const names = Array.from({ length: 60 }, (_, i) => `n${i}`);
    let i = 0;
    const worker = async (s: Session): Promise<void> => {
      while (i < names.length) {
        const name = names[i++]!;
        await fsOps(s).mknod(dir.inode, name);
      }
    };
    const work = Promise.all([worker(s0), worker(s1), worker(s0), worker(s1)]);
    await first.until('some entries', () => first.entries(dir.inode).length >= 10);
    first.close();
    const seen = first.entries(dir.inode);
    const second = new Tap(env.client(1), { position: first.position });
    await work;
    await second.until('every entry', () => seen.length + second.entries(dir.inode).length >= names.length);
    await new Promise((r) => setTimeout(r, 200));
    const all = [...seen, ...second.entries(dir.inode)];
    expect(all.sort()).toEqual([...names].sort());
    second.close();
  });

  it('watchers of one replica joining while writes go on: each sees exactly what committed after its start', async () => {
    const dir = await fsOps(s0).mkdir(ROOT_INO, 'joiners');
    const names = Array.from({ length: 80 }, (_, i) => `j${i}`);
    let i = 0;
    // The second half waits until the late watcher is there, so it has something to see however slow the machine.
    let open = (): void => undefined;
    const gate = new Promise<void>((r) => (open = r));
    const worker = async (s: Session): Promise<void> => {
      while (i < names.length) {
        if (i >= names.length / 2) await gate;
        if (i < names.length) await fsOps(s).mknod(dir.inode, names[i++]!);
      }
    };
    const early = await started(new Tap(env.client(1)));
    const work = Promise.all([worker(s0), worker(s1), worker(s0)]);
    await early.until('some entries', () => early.entries(dir.inode).length >= 10);
    // Committed before the late watcher asked: it must never see these.
    const before = [...early.entries(dir.inode)];
    // Joins live at a newer position than the replica's reader: its first batches are its own.
    const late = await started(new Tap(env.client(1)));
    open();
    await work;
    await early.until('every entry', () => early.entries(dir.inode).length === names.length);
    const last = early.entries(dir.inode)[names.length - 1]!;
    await late.until('the last entry', () => late.entries(dir.inode).includes(last));
    await new Promise((r) => setTimeout(r, 300));
    const seenEarly = early.entries(dir.inode);
    const seenLate = late.entries(dir.inode);
    expect([...seenEarly].sort()).toEqual([...names].sort());
    // The late one sees exactly the entries its starting position had not seen, once each.
    const pg = new Client({ connectionString: env.databaseUrl });
    await pg.connect();
    const after = await pg.query<{ name: Buffer }>(
      'select name from change_log where kind = 2 and parent = $1 and not pg_visible_in_snapshot(xid, $2::pg_snapshot)',
      [dir.inode, late.messages[0]!.position],
    );
    await pg.end();
    expect(seenLate.length).toBeGreaterThan(0);
    expect([...seenLate].sort()).toEqual(after.rows.map((r) => r.name.toString()).sort());
    expect(seenLate.filter((n) => before.includes(n))).toEqual([]);
    // In commit order on both: what one delivered in an earlier message than another, the other did not
    // deliver later. (Inside a message changes go by transaction id, and the late one's catch-up reads
    // cut messages elsewhere, so the two sequences need not match entry for entry.)
    const messageOf = (tap: Tap): Map<string, number> =>
      new Map(tap.messages.flatMap((m, k) => m.changes.filter((c) => c.kind === 'CHANGE_KIND_ENTRY' && c.parent === dir.inode).map((c) => [c.name.toString(), k] as const)));
    const inEarly = messageOf(early);
    const inLate = messageOf(late);
    const byLate = [...inLate].sort(([n, k], [m, j]) => k - j || inEarly.get(n)! - inEarly.get(m)!);
    byLate.forEach(([n], k) => k === 0 || expect(inEarly.get(n)!).toBeGreaterThanOrEqual(inEarly.get(byLate[k - 1]![0])!));
    early.close();
    late.close();
  });

  it('filters by subtree and by inode set', async () => {
    const a = await fsOps(s0).mkdir(ROOT_INO, 'fa');
    const deep = await fsOps(s0).mkdir(a.inode, 'deep');
    const other = await fsOps(s0).mkdir(ROOT_INO, 'fb');
    const sub = await started(new Tap(env.client(1), { subtree: a.inode }));
    const set = await started(new Tap(env.client(1), { inodes: [other.inode] }));
    await fsOps(s0).mknod(other.inode, 'x');
    await fsOps(s0).mknod(deep.inode, 'y');
    await sub.until('the deep entry', () => sub.entries(deep.inode).includes('y'));
    await set.until('the entry in the watched directory', () => set.entries(other.inode).includes('x'));
    expect(sub.entries(other.inode)).toEqual([]);
    expect(set.entries(deep.inode)).toEqual([]);
    sub.close();
    set.close();
  });

  it('a watcher of a replica that stops is ended UNAVAILABLE and resumes on another with no gap', async () => {
    const extra = await startServer(env.databaseUrl, { watchPollMs: 600_000 });
    const { MetaClient } = await import('@fsmeta/client');
    const c = new MetaClient(extra.address);
    try {
      const dir = await fsOps(s0).mkdir(ROOT_INO, 'failover');
      const tap = await started(new Tap(c));
      await fsOps(s0).mknod(dir.inode, 'before');
      await tap.until('before', () => tap.entries(dir.inode).includes('before'));
      await extra.stop();
      await tap.until('the end', () => tap.ended !== undefined);
      expect((tap.ended as grpc.ServiceError).code).toBe(grpc.status.UNAVAILABLE);
      await fsOps(s0).mknod(dir.inode, 'during');
      const resumed = await started(new Tap(env.client(1), { position: tap.position }));
      await fsOps(s0).mknod(dir.inode, 'after');
      await resumed.until('after', () => resumed.entries(dir.inode).includes('after'));
      expect([...tap.entries(dir.inode), ...resumed.entries(dir.inode)]).toEqual(['before', 'during', 'after']);
      resumed.close();
    } finally {
      c.close();
    }
  });

  it('costs no extra errno: a mutation failing leaves no change', async () => {
    const tap = await started(new Tap(env.client(0), { inodes: [ROOT_INO] }));
    expect(await errnoOf(s0.call('Rmdir', { parent: ROOT_INO, name: b('no-such') }))).toBe('ENOENT');
    await fsOps(s1).mkdir(ROOT_INO, 'marker');
    await tap.until('the marker', () => tap.entries(ROOT_INO).includes('marker'));
    expect(tap.entries(ROOT_INO)).toEqual(['marker']);
    tap.close();
  });
  it('a Watcher whose replica is killed (SIGKILL, mid-writes) resumes on another: nothing lost, nothing twice', async () => {
    const victim = new Replica(env.databaseUrl, ['--watch-poll-ms', '600000']);
    await victim.start();
    const { MetaClient: Client_ } = await import('@fsmeta/client');
    const c = new Client_([victim.address, env.servers[1]!.address]);
    const dir = await fsOps(s0).mkdir(ROOT_INO, 'killed');
    const watcher = c.watch({});
    try {
      const seen: string[] = [];
      const connected: string[] = [];
      watcher.on('connected', (a: string) => connected.push(a));
      watcher.on('batch', (m: { changes: v1.Change__Output[] }) => {
        for (const ch of m.changes) if (ch.kind === 'CHANGE_KIND_ENTRY' && ch.parent === dir.inode) seen.push(ch.name.toString());
      });
      const deadline = Date.now() + 20_000;
      while (connected.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(connected).toEqual([victim.address]);
      const names = Array.from({ length: 60 }, (_, i) => `k${i}`);
      let i = 0;
      const worker = async (s: Session): Promise<void> => {
        while (i < names.length) await fsOps(s).mknod(dir.inode, names[i++]!);
      };
      const work = Promise.all([worker(s0), worker(s1)]);
      while (seen.length < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      await victim.kill9();
      await work;
      while (seen.length < names.length && Date.now() < deadline + 20_000) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 300));
      expect([...seen].sort()).toEqual([...names].sort());
      expect(connected).toEqual([victim.address, env.servers[1]!.address]);
      expect(victim.unexpectedExits()).toEqual([]);
    } finally {
      watcher.close();
      c.close();
      await victim.kill9();
    }
  });

  it('tells a watcher that resumes past the retention that it fell behind', async () => {
    // A replica with a 1 s retention pruning every 100 ms (pruning is volume-wide: this test runs last).
    const pruner = await startServer(env.databaseUrl, { watchRetentionMs: 1000, jobIntervalMs: 100 });
    const old = await started(new Tap(env.client(0)));
    const position = old.position;
    old.close();
    await fsOps(s0).mkdir(ROOT_INO, 'gone-by');
    // Retention 1 s, jobs every 100 ms: wait until a prune has passed the old position.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const tap = await started(new Tap(env.client(1), { position }));
      const m = tap.messages[0]!;
      tap.close();
      if (m.fellBehind) {
        expect(m.position).not.toBe(position);
        break;
      }
      if (Date.now() > deadline) throw new Error('never fell behind');
      await new Promise((r) => setTimeout(r, 200));
    }
    await pruner.stop();
  });

});
