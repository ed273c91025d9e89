import * as grpc from '@grpc/grpc-js';
import { MetaClient, type Session, type WatchBatch, type v1 } from '@fsmeta/client';
import { ROOT_INO, b, errnoOf, fsOps } from '../harness/fs';
import { ROOT, startEnv, type TestEnv } from '../harness/server';

/**
 * Client caches through the wire: a caching client on one replica, changes
 * made through a plain client on the other. With the change feed, a stale
 * item must be gone within the bound; with the feed off, within its TTL.
 */

/** Generous (the target is 100 ms on an idle machine): a loaded CI machine must not flake. */
const INVALIDATION_BOUND_MS = 3000;

let env: TestEnv;
let writer: Session;
beforeAll(async () => {
  env = await startEnv(2, { watchPollMs: 600_000 });
  writer = await env.session(undefined, 0);
});
afterAll(() => env.stop());

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function cachingClient(options: ConstructorParameters<typeof MetaClient>[1] = {}): Promise<{ client: MetaClient; s: Session }> {
  const client = new MetaClient(env.servers[1]!.address, { cache: true, atimeMode: 'noatime', ...options });
  if (options.watch !== false) await waitFor('the change feed', () => client.watching);
  return { client, s: await client.newSession(ROOT) };
}

/**
 * Reads `read` in a loop after a change acknowledged at `ackedAt` until it
 * returns the new value; afterwards it must never return the old one again.
 * Returns how long the stale value was still served.
 */
async function staleFor<T>(read: () => Promise<T>, isNew: (v: T) => boolean, ackedAt: number, boundMs: number): Promise<number> {
  let firstNew = -1;
  while (firstNew < 0) {
    const v = await read();
    const now = Date.now();
    if (isNew(v)) firstNew = now;
    else if (now - ackedAt > boundMs) throw new Error(`stale after ${now - ackedAt} ms`);
    else await new Promise((r) => setTimeout(r, 5));
  }
  for (let i = 0; i < 20; i++) expect(isNew(await read())).toBe(true);
  return firstNew - ackedAt;
}

describe('caches kept true by the change feed', () => {
  it('attributes: served from the cache, replaced within the bound after another replica’s change', async () => {
    const { client, s } = await cachingClient();
    try {
      const f = await fsOps(writer).mknod(ROOT_INO, 'attr-f', 0o644);
      const get = async (): Promise<v1.Attr__Output> => (await s.call('GetAttr', { inode: f.inode })).attr!;
      // Served from the cache once the feed has delivered the file's own creation.
      await waitFor('a cached attribute', async () => {
        const before = client.cacheStats()!.attr.hits;
        expect((await get()).mode & 0o777).toBe(0o644);
        return client.cacheStats()!.attr.hits > before;
      });
      await writer.call('SetAttr', { inode: f.inode, set: 1, mode: 0o600 });
      const stale = await staleFor(get, (a) => (a.mode & 0o777) === 0o600, Date.now(), INVALIDATION_BOUND_MS);
      expect(stale).toBeLessThan(INVALIDATION_BOUND_MS);
    } finally {
      await client.close();
    }
  });

  it('entries, negative entries, directory pages and symlinks follow another replica’s changes', async () => {
    const { client, s } = await cachingClient();
    try {
      const dir = await fsOps(writer).mkdir(ROOT_INO, 'ent');
      await s.call('GetAttr', { inode: dir.inode }); // the parent's attributes allow serving lookups
      const lookup = (name: string): Promise<string | undefined> =>
        s.call('Lookup', { parent: dir.inode, name: b(name) }).then(
          (r) => r.attr!.inode,
          (e: unknown) => (e as { errnoName?: string }).errnoName,
        );
      // Negative entry, then the name appears.
      // Served from the cache once the feed has settled (this client's own view of the new directory).
      await waitFor('a cached negative entry', async () => {
        await s.call('GetAttr', { inode: dir.inode });
        expect(await lookup('x')).toBe('ENOENT');
        return client.cacheStats()!.negative.hits > 0;
      });
      const x = await fsOps(writer).mknod(dir.inode, 'x');
      await staleFor(() => lookup('x'), (v) => v === x.inode, Date.now(), INVALIDATION_BOUND_MS);
      // Positive entry, then the name goes.
      await writer.call('Unlink', { parent: dir.inode, name: b('x') });
      await staleFor(() => lookup('x'), (v) => v === 'ENOENT', Date.now(), INVALIDATION_BOUND_MS);
      // A directory page.
      const list = async (): Promise<string[]> => {
        await s.call('GetAttr', { inode: dir.inode });
        const page = await s.call('Readdir', { inode: dir.inode, cursor: Buffer.alloc(0), limit: 100 });
        return page.entries.map((e) => e.name.toString()).filter((n) => n !== '.' && n !== '..');
      };
      expect(await list()).toEqual([]);
      await waitFor('a cached page', async () => (await list()).length === 0 && client.cacheStats()!.dir.hits > 0);
      await fsOps(writer).mknod(dir.inode, 'y');
      await staleFor(list, (names) => names.includes('y'), Date.now(), INVALIDATION_BOUND_MS);
      // A symlink replaced under the same name: the new inode's target.
      const link1 = (await writer.call('Symlink', { parent: dir.inode, name: b('l'), target: b('one') })).attr!;
      const target = async (): Promise<string> => {
        const ino = await lookup('l');
        return (await s.call('ReadLink', { inode: ino! })).target.toString();
      };
      await waitFor('a cached target', async () => (await target()) === 'one' && client.cacheStats()!.symlink.hits > 0);
      await writer.call('Unlink', { parent: dir.inode, name: b('l') });
      const link2 = (await writer.call('Symlink', { parent: dir.inode, name: b('l'), target: b('two') })).attr!;
      expect(link2.inode).not.toBe(link1.inode);
      await staleFor(target, (t) => t === 'two', Date.now(), INVALIDATION_BOUND_MS);
    } finally {
      await client.close();
    }
  });

  it('permissions are checked on cached lookups as the server would', async () => {
    const { client, s } = await cachingClient();
    try {
      const dir = await fsOps(writer).mkdir(ROOT_INO, 'closed', 0o700);
      await fsOps(writer).mknod(dir.inode, 'secret');
      await s.call('GetAttr', { inode: dir.inode });
      await s.call('Lookup', { parent: dir.inode, name: b('secret') }); // cached for root
      const other = { uid: 1000, gid: 1000, gids: [] };
      expect(await errnoOf(s.call('Lookup', { parent: dir.inode, name: b('secret') }, { caller: other }))).toBe('EACCES');
    } finally {
      await client.close();
    }
  });

  it('bounds: evictions are counted, an item past its TTL is asked again', async () => {
    const { client, s } = await cachingClient({ cache: { attr: { maxEntries: 2, ttlMs: 300 } } });
    try {
      const files = await Promise.all(['e1', 'e2', 'e3'].map((n) => fsOps(writer).mknod(ROOT_INO, n)));
      // Until the feed has delivered the creations (which drop what was learnt before them).
      await waitFor('two cached, one evicted', async () => {
        for (const f of files) await s.call('GetAttr', { inode: f.inode });
        const st = client.cacheStats()!.attr;
        return st.entries === 2 && st.evictions >= 1;
      });
      const stats = client.cacheStats()!.attr;
      const misses = stats.misses;
      await new Promise((r) => setTimeout(r, 400));
      await s.call('GetAttr', { inode: files[2]!.inode });
      expect(client.cacheStats()!.attr.misses).toBe(misses + 1);
    } finally {
      await client.close();
    }
  });
});

describe('with the feed off', () => {
  it('a stale item is served until its TTL, never after', async () => {
    const TTL_MS = 1500;
    const { client, s } = await cachingClient({ watch: false, cache: { attr: { ttlMs: TTL_MS } } });
    try {
      const f = await fsOps(writer).mknod(ROOT_INO, 'ttl-f', 0o644);
      const get = async (): Promise<v1.Attr__Output> => (await s.call('GetAttr', { inode: f.inode })).attr!;
      const cachedAt = Date.now();
      await get();
      await writer.call('SetAttr', { inode: f.inode, set: 1, mode: 0o640 });
      // Served from the cache: still the old mode (nothing tells this client).
      expect((await get()).mode & 0o777).toBe(0o644);
      await staleFor(get, (a) => (a.mode & 0o777) === 0o640, cachedAt, TTL_MS + 500);
    } finally {
      await client.close();
    }
  });
});

describe('open-file cache', () => {
  it('follows this node’s own writes, truncates and fallocates exactly', async () => {
    const { client, s } = await cachingClient();
    const plain = await env.session(undefined, 0);
    try {
      const f = (await s.call('Create', { parent: ROOT_INO, name: b('open-f'), mode: 0o644, flags: 2 })).attr!;
      const ids = await s.call('NewSlices', { count: 16 });
      let next = BigInt(ids.firstId);
      const write = async (pos: number, len: number): Promise<void> => {
        await s.call('Write', { inode: f.inode, chunkIndex: 0, pos, slice: { id: String(next++), size: len, off: 0, len } });
      };
      const same = async (): Promise<void> => {
        const cached = (await s.call('Read', { inode: f.inode, chunkIndex: 0 })).slices;
        const fresh = (await plain.call('Read', { inode: f.inode, chunkIndex: 0 })).slices;
        expect(cached).toEqual(fresh);
        expect((await s.call('GetAttr', { inode: f.inode })).attr!.length).toBe((await plain.call('GetAttr', { inode: f.inode })).attr!.length);
      };
      await same();
      await write(0, 4096);
      await same();
      await write(4096, 4096); // append
      await same();
      await write(16384, 100); // past the end: a hole, then the slice (re-read)
      await same();
      await write(1000, 50); // inside
      await same();
      await s.call('Truncate', { inode: f.inode, length: 6000 });
      await same();
      await s.call('Fallocate', { inode: f.inode, mode: 0, offset: 0, size: 20000 });
      await same();
      // Reads of an open file are served from the cache (once the feed's echo of the writes has passed).
      await write(20000, 10);
      await waitFor('a cached chunk', async () => {
        const hits = client.cacheStats()!.openFile.hits;
        await s.call('Read', { inode: f.inode, chunkIndex: 0 });
        return client.cacheStats()!.openFile.hits > hits;
      });
      await same();
      await s.call('Close', { inode: f.inode });
    } finally {
      await client.close();
    }
  });

  it('another node’s write to a file open here is seen after its change arrives, and on the next open', async () => {
    const { client, s } = await cachingClient();
    try {
      const f = (await writer.call('Create', { parent: ROOT_INO, name: b('shared-f'), mode: 0o644, flags: 2 })).attr!;
      await s.call('Open', { inode: f.inode, flags: 0 });
      const read = async (): Promise<number> => (await s.call('Read', { inode: f.inode, chunkIndex: 0 })).slices.length;
      expect(await read()).toBe(0);
      const ids = await writer.call('NewSlices', { count: 1 });
      await writer.call('Write', { inode: f.inode, chunkIndex: 0, pos: 0, slice: { id: ids.firstId, size: 10, off: 0, len: 10 } });
      await writer.call('Close', { inode: f.inode });
      await staleFor(read, (n) => n === 1, Date.now(), INVALIDATION_BOUND_MS);
      await s.call('Close', { inode: f.inode });
    } finally {
      await client.close();
    }
  });
});

describe('the echo of own mutations', () => {
  it.each(['skip', 'apply'] as const)('ownEcho %s: what an own mutation refreshed survives its echo (skip) or not (apply); others’ changes still apply', async (mode) => {
    // The marker's attributes must outlive the test in the cache (see feedPassed).
    const { client, s } = await cachingClient({ ownEcho: mode, cache: { attr: { ttlMs: 600_000 } } });
    try {
      const marker = await fsOps(writer).mknod(ROOT_INO, `echo-marker-${mode}`, 0o644);
      const getMarker = async (): Promise<number> => (await s.call('GetAttr', { inode: marker.inode })).attr!.mode & 0o777;
      const markerCached = (): Promise<void> =>
        waitFor('the marker cached', async () => {
          const before = client.cacheStats()!.attr.hits;
          await getMarker();
          return client.cacheStats()!.attr.hits > before;
        });
      // The feed delivers in commit order: once another node's later change has arrived, every
      // earlier echo has too. While the marker's old mode is cached, only the feed can show the new one.
      const feedPassed = async (newMode: number): Promise<void> => {
        await markerCached();
        await writer.call('SetAttr', { inode: marker.inode, set: 1, mode: newMode });
        await waitFor('the marker change', async () => (await getMarker()) === newMode);
      };
      await markerCached();
      const made = (await s.call('Mknod', { parent: ROOT_INO, name: b(`echo-${mode}`), mode: 0o644, umask: 0, type: 'FILE_TYPE_REGULAR' })).attr!;
      await feedPassed(0o600);
      await s.call('GetAttr', { inode: ROOT_INO });
      const before = client.cacheStats()!;
      expect((await s.call('GetAttr', { inode: made.inode })).attr!.inode).toBe(made.inode);
      expect((await s.call('Lookup', { parent: ROOT_INO, name: b(`echo-${mode}`) })).attr!.inode).toBe(made.inode);
      const after = client.cacheStats()!;
      const served = { attr: after.attr.hits - before.attr.hits, entry: after.entry.hits - before.entry.hits };
      if (mode === 'skip') expect(served).toEqual({ attr: 1, entry: 1 });
      else expect(served).toEqual({ attr: 0, entry: 0 });
      // Another node's change to the same file is applied as ever.
      await writer.call('SetAttr', { inode: made.inode, set: 1, mode: 0o640 });
      const get = async (): Promise<number> => (await s.call('GetAttr', { inode: made.inode })).attr!.mode & 0o777;
      expect(await staleFor(get, (m) => m === 0o640, Date.now(), INVALIDATION_BOUND_MS)).toBeLessThan(INVALIDATION_BOUND_MS);
      const look = async (): Promise<number> => (await s.call('Lookup', { parent: ROOT_INO, name: b(`echo-${mode}`) })).attr!.mode & 0o777;
      expect(await look()).toBe(0o640);
      // The open-file cache: an own append extends the cached layout, and its echo leaves it (skip).
      const f = (await s.call('Create', { parent: ROOT_INO, name: b(`echo-open-${mode}`), mode: 0o644, umask: 0, flags: 2 })).attr!;
      await s.call('Read', { inode: f.inode, chunkIndex: 0 });
      const id = (await s.call('NewSlices', { count: 1 })).firstId;
      await s.call('Write', { inode: f.inode, chunkIndex: 0, pos: 0, slice: { id, size: 4096, off: 0, len: 4096 } });
      await feedPassed(0o644);
      const open0 = client.cacheStats()!.openFile;
      expect((await s.call('Read', { inode: f.inode, chunkIndex: 0 })).slices.map((x) => x.len)).toEqual([4096]);
      const open1 = client.cacheStats()!.openFile;
      expect({ hits: open1.hits - open0.hits, misses: open1.misses - open0.misses }).toEqual(mode === 'skip' ? { hits: 1, misses: 0 } : { hits: 0, misses: 1 });
      await s.call('Close', { inode: f.inode });
    } finally {
      await client.close();
    }
  });
});

/** An interceptor holding back the answers of `method` until `gate` resolves (an answer that loses a race with the feed). */
function holdAnswers(method: string, gate: () => Promise<void>): grpc.Interceptor {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        if (!options.method_definition.path.endsWith(`/${method}`)) return next(metadata, listener);
        let chain = Promise.resolve();
        const later = (deliver: () => void): void => {
          chain = chain.then(gate).then(deliver);
        };
        next(metadata, {
          onReceiveMetadata: (m, n) => later(() => n(m)),
          onReceiveMessage: (m, n) => later(() => n(m)),
          onReceiveStatus: (st, n) => later(() => n(st)),
        });
      },
    });
}

describe('an acknowledgement that arrives after the feed', () => {
  /** A caching client whose Write answers wait for `gate`, and a way to wait for a change the feed applied. */
  async function racingClient(gate: () => Promise<void>): Promise<{ client: MetaClient; s: Session; applied: (ok: (c: v1.Change__Output) => boolean) => Promise<void> }> {
    const { client, s } = await cachingClient({ channelOptions: { interceptors: [holdAnswers('Write', () => gate())] } });
    const seen: v1.Change__Output[] = [];
    const waiters: (() => void)[] = [];
    const apply = client.cache!.apply.bind(client.cache);
    client.cache!.apply = (batch: WatchBatch): void => {
      apply(batch);
      seen.push(...batch.changes);
      for (const w of waiters.splice(0)) w();
    };
    const applied = async (ok: (c: v1.Change__Output) => boolean): Promise<void> => {
      while (!seen.some(ok)) await new Promise<void>((r) => waiters.push(r));
    };
    return { client, s, applied };
  }

  it('the echo of an own write that beats its acknowledgement leaves the appended layout cached (skip)', async () => {
    let gate = (): Promise<void> => Promise.resolve();
    const { client, s, applied } = await racingClient(() => gate());
    try {
      const f = (await s.call('Create', { parent: ROOT_INO, name: b('race-echo'), mode: 0o644, umask: 0, flags: 2 })).attr!;
      expect((await s.call('Read', { inode: f.inode, chunkIndex: 0 })).slices).toEqual([]);
      const id = (await s.call('NewSlices', { count: 1 })).firstId;
      gate = () => applied((c) => c.kind === 'CHANGE_KIND_CHUNK' && c.inode === f.inode);
      const w = await s.call('Write', { inode: f.inode, chunkIndex: 0, pos: 0, slice: { id, size: 4096, off: 0, len: 4096 } });
      expect(w.attr!.length).toBe('4096');
      const open0 = client.cacheStats()!.openFile;
      const attr0 = client.cacheStats()!.attr;
      expect((await s.call('Read', { inode: f.inode, chunkIndex: 0 })).slices.map((x) => x.len)).toEqual([4096]);
      expect((await s.call('GetAttr', { inode: f.inode })).attr!.length).toBe('4096');
      const open1 = client.cacheStats()!.openFile;
      const attr1 = client.cacheStats()!.attr;
      expect({ read: open1.hits - open0.hits, getattr: attr1.hits - attr0.hits }).toEqual({ read: 1, getattr: 1 });
      await s.call('Close', { inode: f.inode });
    } finally {
      await client.close();
    }
  });

  it('another node’s change that beats an own acknowledgement is not overwritten by the older answer', async () => {
    let gate = (): Promise<void> => Promise.resolve();
    const { client, s, applied } = await racingClient(() => gate());
    try {
      const f = (await s.call('Create', { parent: ROOT_INO, name: b('race-other'), mode: 0o644, umask: 0, flags: 2 })).attr!;
      expect((await s.call('Read', { inode: f.inode, chunkIndex: 0 })).slices).toEqual([]);
      const id = (await s.call('NewSlices', { count: 1 })).firstId;
      const other = (await writer.call('NewSlices', { count: 1 })).firstId;
      // The own write commits; before its answer is seen, another node appends and changes the mode.
      gate = async () => {
        gate = () => Promise.resolve();
        await writer.call('Write', { inode: f.inode, chunkIndex: 0, pos: 4096, slice: { id: other, size: 100, off: 0, len: 100 } });
        await writer.call('SetAttr', { inode: f.inode, set: 1, mode: 0o600 });
        await applied((c) => c.kind === 'CHANGE_KIND_ATTR' && c.inode === f.inode && c.originSessionId === writer.id);
      };
      const w = await s.call('Write', { inode: f.inode, chunkIndex: 0, pos: 0, slice: { id, size: 4096, off: 0, len: 4096 } });
      expect(w.attr!.mode & 0o777).toBe(0o644); // the answer predates the other node's change
      expect((await s.call('GetAttr', { inode: f.inode })).attr!.mode & 0o777).toBe(0o600);
      expect((await s.call('Read', { inode: f.inode, chunkIndex: 0 })).slices.map((x) => x.len)).toEqual([4096, 100]);
      await s.call('Close', { inode: f.inode });
    } finally {
      await client.close();
    }
  });
});

describe('case-insensitive volume', () => {
  it('an entry looked up in another case is dropped by a change naming the stored spelling', async () => {
    const ci = await startEnv(2, { watchPollMs: 600_000, args: ['--volume-case-insensitive', 'true'] });
    const client = new MetaClient(ci.servers[1]!.address, { cache: true, atimeMode: 'noatime' });
    try {
      await waitFor('the change feed', () => client.watching);
      const s = await client.newSession(ROOT);
      const w = await ci.session(undefined, 0);
      const dir = await fsOps(w).mkdir(ROOT_INO, 'ci');
      const f = await fsOps(w).mknod(dir.inode, 'Foo');
      const lookup = (n: string): Promise<string | undefined> =>
        s.call('Lookup', { parent: dir.inode, name: b(n) }).then(
          (r) => r.attr!.inode,
          (e: unknown) => (e as { errnoName?: string }).errnoName,
        );
      await waitFor('a cached entry under another case', async () => {
        await s.call('GetAttr', { inode: dir.inode });
        const before = client.cacheStats()!.entry.hits;
        expect(await lookup('FOO')).toBe(f.inode);
        return client.cacheStats()!.entry.hits > before;
      });
      await w.call('Unlink', { parent: dir.inode, name: b('Foo') });
      await staleFor(() => lookup('FOO'), (v) => v === 'ENOENT', Date.now(), INVALIDATION_BOUND_MS);
    } finally {
      await client.close();
      await ci.stop();
    }
  });
});
