import type { Session } from '@fsmeta/client';
import { COMMANDS } from '@fsmeta/fsmeta';
import { Client } from 'pg';
import { cli } from '../harness/cli';
import { startEnv, type TestEnv } from '../harness/server';
import { buildSmallVolume } from '../harness/volume';

let env: TestEnv;
let s: Session;
let ino: Record<string, string>;

beforeAll(async () => {
  env = await startEnv();
  s = await env.session();
  ino = await buildSmallVolume(s);
});
afterAll(() => env.stop());

describe('fsmeta CLI', () => {
  it('every subcommand has --help and exits 0', async () => {
    for (const c of COMMANDS) {
      const r = await cli(undefined, c.name, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toContain(`usage: fsmeta ${c.name}`);
      expect(r.out).toContain('--json');
    }
  });

  it('bad flags and unknown actions are usage errors (exit 2) with one line', async () => {
    const r = await cli(env.databaseUrl, 'status', '--frobnicate');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^fsmeta status: .*frobnicate/);
    expect((await cli(env.databaseUrl, 'sessions', 'explode')).code).toBe(2);
    expect((await cli(undefined, 'info', 'x', '--database-url', 'mysql://nope')).code).toBe(2);
  });

  it('an unreachable database is one line and exit 3', async () => {
    const r = await cli('postgres://nobody@127.0.0.1:1/none', 'status');
    expect(r.code).toBe(3);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toContain('ECONNREFUSED');
  });

  it('status reports format, sessions, usage and queues', async () => {
    const r = await cli(env.databaseUrl, 'status', '--json');
    expect(r.code).toBe(0);
    const st = r.json();
    expect(st.format.name).toBe('fsmeta');
    expect(st.sessions.map((x: { sessionId: string }) => x.sessionId)).toContain(s.id);
    expect(st.sessions.find((x: { sessionId: string }) => x.sessionId === s.id).hostName).toBe('test');
    expect(BigInt(st.usage.inodes)).toBe(7n); // d1 d2 f1 f2 bin sym fifo
    expect(BigInt(st.usage.files)).toBe(3n);
    expect(BigInt(st.usage.slices)).toBe(4n);
    expect(st.queues).toMatchObject({ fileRelease: '0', sliceDeletion: '0' });
    const text = await cli(env.databaseUrl, 'status');
    expect(text.out).toContain('volume: fsmeta');
    expect(text.out).toMatch(/sessions: \d+/);
    expect(text.out).toContain('directory statistics off');
    expect(st.dirStatsBuild).toBeNull();
  });

  it('info resolves paths and inodes, lists every hard link and the chunks', async () => {
    const r = await cli(env.databaseUrl, 'info', '/d1/f1', '--json');
    expect(r.code).toBe(0);
    const i = r.json();
    expect(i.attr.inode).toBe(ino.f1);
    expect(i.attr.nlink).toBe(2);
    expect([...i.paths].sort()).toEqual(['/d1/d2/hard', '/d1/f1']);
    expect(i.chunks.map((c: { index: string }) => c.index)).toEqual(['0', '1']);
    expect(i.xattrs).toEqual(['user.k']);
    const byIno = (await cli(env.databaseUrl, 'info', ino.bin, '--json')).json();
    expect(byIno.paths).toEqual(['/G%B9%FB%25%22%0A']);
    const back = (await cli(env.databaseUrl, 'info', '/G%B9%FB%25%22%0A', '--json')).json();
    expect(back.attr.inode).toBe(ino.bin);
    const text = await cli(env.databaseUrl, 'info', ino.sym);
    expect(text.out).toContain('target: d1%FF');
    const missing = await cli(env.databaseUrl, 'info', '/nope');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no such file');
  });

  it('summary counts a tree as GetSummary does, with the tree form', async () => {
    const r = (await cli(env.databaseUrl, 'summary', '/d1', '--json')).json();
    // Per entry, as JuiceFS: f1, fifo, d2/f2 and d2/hard (a second link to f1) are files.
    expect(r).toMatchObject({ inode: ino.d1, files: '4', dirs: '2', symlinks: '0', children: [] });
    // f1 twice (chunk 1 ends at 64 MiB + 10 + 1001); f2: 10 + 1000.
    expect(BigInt(r.length)).toBe(2n * (64n * 1024n * 1024n + 1011n) + 1010n);
    const wire = await s.call('GetSummary', { inode: ino.d1, recursive: true });
    expect({ length: r.length, size: r.size, files: r.files, dirs: r.dirs, symlinks: r.symlinks }).toEqual({
      length: wire.length, size: wire.size, files: wire.files, dirs: wire.dirs, symlinks: wire.symlinks,
    });
    const root = (await cli(env.databaseUrl, 'summary', '/', '--depth', '1', '--json')).json();
    expect(root).toMatchObject({ files: '6', dirs: '3', symlinks: '1' }); // and bin, sym
    expect(root.children.find((c: { name: string }) => c.name === 'sym')).toMatchObject({ files: '1', symlinks: '1', size: '4096' });
    const text = await cli(env.databaseUrl, 'summary', '/d1', '--depth', '2');
    expect(text.code).toBe(0);
    expect(text.out.split('\n')[0]).toMatch(/^PATH\s+SIZE\s+DIRS\s+FILES\s+SYMLINKS\s+LENGTH$/);
    expect(text.out).toMatch(/^\/d1\/d2\/hard\s/m);
    expect((await cli(env.databaseUrl, 'summary', '/d1', '--depth', '11')).code).toBe(2);
    expect((await cli(env.databaseUrl, 'summary', '/nope')).code).toBe(1);
  });

  it('sessions list and kill', async () => {
    const victim = await env.session();
    const { attr } = await victim.call('Create', { parent: '1', name: Buffer.from('open-then-gone'), mode: 0o644, flags: 0 });
    await victim.call('Flock', { inode: attr!.inode, owner: '7', type: 'LOCK_TYPE_WRITE', block: false });
    await victim.call('Unlink', { parent: '1', name: Buffer.from('open-then-gone') });
    const list = (await cli(env.databaseUrl, 'sessions', 'list', '--json')).json();
    expect(list.sessions.find((x: { sessionId: string }) => x.sessionId === victim.id)).toMatchObject({ openFiles: 1, flocks: '1', plocks: '0' });
    const killed = await cli(env.databaseUrl, 'sessions', 'kill', victim.id);
    expect(killed.code).toBe(0);
    expect(killed.out).toBe(`session ${victim.id} ended`);
    // The file only the killed session kept alive is gone with it.
    expect((await cli(env.databaseUrl, 'info', attr!.inode)).code).toBe(1);
    const again = await cli(env.databaseUrl, 'sessions', 'kill', victim.id, '--json');
    expect(again.code).toBe(1);
    expect(again.json()).toEqual({ killed: [], missing: [victim.id] });
    await expect(victim.heartbeat()).rejects.toMatchObject({ errnoName: 'ESTALE' });
  });

  it('quota set, get, list, check (--repair) and delete; the limit holds over the wire', async () => {
    const set = await cli(env.databaseUrl, 'quota', 'set', '--path', '/d1/d2', '--inodes', '3', '--json');
    expect(set.code).toBe(0);
    // d2 holds f2 and hard (a link to f1): two entries, as JuiceFS counts directory quotas.
    expect(set.json()).toMatchObject({ kind: 'directory', key: ino.d2, maxInodes: '3', usedInodes: '2' });
    await s.call('Mknod', { parent: ino.d2, name: Buffer.from('third'), mode: 0o644, type: 'FILE_TYPE_REGULAR' });
    await expect(s.call('Mknod', { parent: ino.d2, name: Buffer.from('fourth'), mode: 0o644, type: 'FILE_TYPE_REGULAR' })).rejects.toMatchObject({ errnoName: 'EDQUOT' });
    expect((await cli(env.databaseUrl, 'quota', 'get', '--path', '/d1/d2', '--json')).json().usedInodes).toBe('3');
    expect((await cli(env.databaseUrl, 'quota', 'set', '--uid', '0', '--capacity', '1', '--json')).json()).toMatchObject({ kind: 'user', maxSpace: String(1 << 30) });
    const list = await cli(env.databaseUrl, 'quota', 'list');
    expect(list.out.split('\n')).toHaveLength(3);
    expect((await cli(env.databaseUrl, 'quota', 'check')).code).toBe(0);

    const pg = new Client({ connectionString: env.databaseUrl });
    await pg.connect();
    try {
      await pg.query('update quota_shard set inodes = inodes + 7 where kind = 1 and shard = 3');
      await pg.query('update quota_shard set space = space + 4096 where kind = 2 and key = 0 and shard = 5');
    } finally {
      await pg.end();
    }
    const bad = await cli(env.databaseUrl, 'quota', 'check', '--json');
    expect(bad.code).toBe(1);
    expect(bad.json().differ).toEqual([
      expect.objectContaining({ kind: 'directory', key: ino.d2, usedInodes: '10', countedInodes: '3' }),
      expect.objectContaining({ kind: 'user', key: '0' }),
    ]);
    const quotaCheck = (j: { checks: { check: string; found: number }[] }) => j.checks.find((c) => c.check === 'quota-usage')!.found;
    expect(quotaCheck((await cli(env.databaseUrl, 'fsck', '--json')).json())).toBe(2);
    // One recount behind both: quota check repairs the quota it names, fsck --repair the rest.
    expect((await cli(env.databaseUrl, 'quota', 'check', '--uid', '0', '--repair', '--json')).json()).toMatchObject({ repaired: 1 });
    expect((await cli(env.databaseUrl, 'quota', 'check', '--json')).json().differ).toEqual([expect.objectContaining({ kind: 'directory' })]);
    expect((await cli(env.databaseUrl, 'fsck', '--repair')).code).toBe(0);
    expect((await cli(env.databaseUrl, 'quota', 'check')).out).toBe('quota usage matches a recount');
    expect(quotaCheck((await cli(env.databaseUrl, 'fsck', '--json')).json())).toBe(0);

    expect((await cli(env.databaseUrl, 'quota', 'delete', '--path', '/d1/d2')).out).toBe('quota of /d1/d2 deleted');
    expect((await cli(env.databaseUrl, 'quota', 'delete', '--uid', '0')).code).toBe(0);
    const gone = await cli(env.databaseUrl, 'quota', 'get', '--path', '/d1/d2');
    expect(gone.code).toBe(1);
    expect(gone.err).toContain('ENOENT');
    expect((await cli(env.databaseUrl, 'quota', 'set', '--path', '/d1', '--uid', '3')).code).toBe(2);
    await s.call('Unlink', { parent: ino.d2, name: Buffer.from('third') });
  });
});
