import type { Session } from '@fsmeta/client';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli } from '../harness/cli';
import { ADMIN_URL_ENV, createTestDatabase } from '../harness/database';
import { flatten, readDump } from '../harness/dump-doc';
import { checkInvariants } from '../harness/invariants';
import { startEnv, startServer, type TestEnv } from '../harness/server';
import { buildSmallVolume } from '../harness/volume';
import { MetaClient } from '@fsmeta/client';

// Copies of ../shared/reference/juicefs-dump, kept in the repository so a clean clone anywhere finds them.
const REFERENCE = path.resolve(__dirname, '../fixtures/juicefs-dump');
const SAMPLE = path.join(REFERENCE, 'metadata.sample.json');
const SUB_SAMPLE = path.join(REFERENCE, 'metadata-sub.sample.json');

let env: TestEnv;
let s: Session;
let ino: Record<string, string>;
let dir: string;
const dbs: { url: string; drop: () => Promise<void> }[] = [];

async function freshDb(): Promise<string> {
  const db = await createTestDatabase(process.env[ADMIN_URL_ENV]!);
  dbs.push(db);
  return db.url;
}

beforeAll(async () => {
  expect(REFERENCE).toBeDefined();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsmeta-dump-'));
  env = await startEnv();
  s = await env.session();
  ino = await buildSmallVolume(s);
});
afterAll(async () => {
  await env.stop();
  for (const db of dbs) await db.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('dump and load', () => {
  it('dump, load into a fresh database, dump again: the same document; the loaded volume serves the same tree', async () => {
    const first = path.join(dir, 'first.json');
    const r = await cli(env.databaseUrl, 'dump', first, '--json');
    expect(r.code).toBe(0);
    // Entries: the hard-linked file is written under both names, with its chunks each time (as JuiceFS).
    expect(r.json()).toMatchObject({ entries: 9, files: 4, symlinks: 1, directories: 3, slices: 6 });
    const doc = readDump(first);
    expect(Object.keys(doc)).toEqual(['Setting', 'Counters', 'Sustained', 'DelFiles', 'FSTree']);
    expect(Object.keys(doc.FSTree.entries)).toEqual(['G%B9%FB%25%22%0A', 'd1', 'sym']);
    expect(doc.FSTree.entries.sym.symlink).toBe('d1%FF');
    expect(doc.FSTree.entries.d1.entries.f1.xattrs).toEqual([{ name: 'user.k', value: 'v%251' }]);
    expect(doc.FSTree.entries.d1.entries.d2.entries.hard.attr.inode).toBe(Number(ino.f1));

    const url = await freshDb();
    const loaded = await cli(url, 'load', first, '--json');
    expect(loaded.err).toBe('');
    expect(loaded.code).toBe(0);
    expect(loaded.json()).toMatchObject({ entries: 9, hardLinks: 1, totals: { inodes: '7', slices: '4' } });
    expect(await checkInvariants(url)).toEqual([]);
    const second = path.join(dir, 'second.json');
    expect((await cli(url, 'dump', second)).code).toBe(0);
    const doc2 = readDump(second);
    expect(flatten(doc2.FSTree)).toEqual(flatten(doc.FSTree));
    expect(doc2.Setting).toEqual(doc.Setting);
    expect(doc2.Counters).toMatchObject({ usedSpace: doc.Counters.usedSpace, usedInodes: doc.Counters.usedInodes });

    // Served over the wire by a server on the loaded database: names, links, data, xattrs.
    const server = await startServer(url);
    const client = new MetaClient(server.address);
    try {
      const t = await client.newSession({ uid: 0, gid: 0, gids: [] });
      const f1 = await t.call('Lookup', { parent: ino.d1, name: Buffer.from('f1') });
      expect(f1.attr).toMatchObject({ inode: ino.f1, nlink: 2 });
      expect((await t.call('Read', { inode: ino.f1, chunkIndex: 1 })).slices).toEqual((await s.call('Read', { inode: ino.f1, chunkIndex: 1 })).slices);
      expect((await t.call('ReadLink', { inode: ino.sym })).target).toEqual(Buffer.from([0x64, 0x31, 0xff]));
      expect((await t.call('GetXattr', { inode: '1', name: Buffer.from('user.root') })).value).toEqual(Buffer.from([0, 1, 2, 0xff]));
      // New inodes and slices never collide with loaded ones.
      const made = await t.call('Mkdir', { parent: '1', name: Buffer.from('new'), mode: 0o755 });
      expect(BigInt(made.attr!.inode)).toBeGreaterThan(BigInt(ino.fifo));
      const ids = await t.call('NewSlices', { count: 1 });
      const maxLoaded = Math.max(...Object.values(doc.FSTree.entries.d1.entries.f1.chunks).flatMap((c: any) => c.slices.map((x: any) => x.id))); // eslint-disable-line @typescript-eslint/no-explicit-any
      expect(Number(ids.firstId)).toBeGreaterThan(maxLoaded);
      await t.close();
    } finally {
      client.close();
      await server.stop();
    }
  });

  it('load refuses a database that holds a volume unless --replace', async () => {
    const file = path.join(dir, 'again.json');
    await cli(env.databaseUrl, 'dump', file);
    const url = await freshDb();
    expect((await cli(url, 'load', file)).code).toBe(0);
    const again = await cli(url, 'load', file);
    expect(again.code).toBe(1);
    expect(again.err).toContain('--replace');
    const replaced = await cli(url, 'load', file, '--replace');
    expect(replaced.code).toBe(0);
    expect(await checkInvariants(url)).toEqual([]);
  });

  it('--subdir dumps a tree with its top as the root', async () => {
    const file = path.join(dir, 'sub.json');
    expect((await cli(env.databaseUrl, 'dump', file, '--subdir', '/d1')).code).toBe(0);
    const doc = readDump(file);
    expect(doc.FSTree.attr.inode).toBe(1);
    expect(Object.keys(doc.FSTree.entries)).toEqual(['d2', 'f1', 'fifo']);
    const url = await freshDb();
    expect((await cli(url, 'load', file)).code).toBe(0);
    expect(await checkInvariants(url)).toEqual([]);
    expect((await cli(url, 'info', '/d2/hard', '--json')).json().paths.sort()).toEqual(['/d2/hard', '/f1']);
    expect((await cli(env.databaseUrl, 'dump', file, '--subdir', '/nope')).code).toBe(1);
  });

  it('bad input: invalid JSON, a missing section or a bad attribute is one line, exit 3, and loads nothing', async () => {
    const url = await freshDb();
    const cases: [string, RegExp][] = [
      ['{"Setting": {"Name": "x"', /not valid JSON|end of input/],
      ['{"Setting": {"Name": "vol-a"}, "FSTree": {"attr": {"inode": 1, "type": "directory", "mode": 511, "uid": 0, "gid": 0, "atime": 0, "mtime": 0, "ctime": 0}}}', /missing 'Counters'/],
      ['{"Counters": {}, "Setting": {"Name": "vol-a"}, "FSTree": {"attr": {"inode": 1, "type": "directory", "mode": 511, "uid": 0, "gid": 0, "atime": 0, "mtime": 0, "ctime": 0}, "entries": {"x": {"attr": {"inode": 5, "type": "pipe"}}}}}', /\/x: unknown type "pipe"/],
      ['{"Counters": {}, "Setting": {"Name": "vol-a"}, "FSTree": {"attr": {"inode": 1, "type": "directory", "mode": 511, "uid": 0, "gid": 0, "atime": 0, "mtime": 0, "ctime": 0}, "entries": {"x": {"attr": {"inode": 5, "type": "regular", "mode": 99999, "uid": 0, "gid": 0, "atime": 0, "mtime": 0, "ctime": 0}}}}}', /\/x: attr.mode: 99999 is out of range/],
    ];
    for (const [text, message] of cases) {
      const file = path.join(dir, 'bad.json');
      fs.writeFileSync(file, text);
      const r = await cli(url, 'load', file);
      expect(r.err).toMatch(message);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(r.code).toBe(3);
      expect((await cli(url, 'status', '--json')).json().format).toBeNull();
    }
  });
});

describe('real JuiceFS dumps', () => {
  it('the sub-tree dump loads and dumps back to the same tree', async () => {
    const url = await freshDb();
    const r = await cli(url, 'load', SUB_SAMPLE);
    expect(r.code).toBe(0);
    // EnableACL comes with the Setting: the loaded ACLs are in force.
    expect(r.err).not.toContain('ACL');
    expect((await cli(url, 'status', '--json')).json().format.enableAcl).toBe(true);
    expect(await checkInvariants(url)).toEqual([]);
    const out = path.join(dir, 'sub-back.json');
    expect((await cli(url, 'dump', out)).code).toBe(0);
    const original = readDump(SUB_SAMPLE);
    const back = readDump(out);
    const want = flatten(original.FSTree);
    want.get('/')!.attr.inode = 1;
    // f11's other name (l1) is outside the sub-tree: link counts come from the loaded entries, as JuiceFS load does.
    want.get('/f11')!.attr.nlink = 1;
    expect(flatten(back.FSTree)).toEqual(want);
    expect(back.Quotas).toEqual(original.Quotas);
    expect(back.Setting).toEqual(original.Setting);
  });

  it('its tree, names that are not UTF-8, hard links and pending deletions load and dump back exactly', async () => {
    // The full sample without its quota, ACL and trash parts (tested on their own below).
    const doc = readDump(SAMPLE);
    for (const k of ['Quotas', 'UserQuotas', 'GroupQuotas', 'Trash']) delete doc[k];
    const strip = (e: any) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      delete e.posix_acl_access;
      delete e.posix_acl_default;
      for (const c of Object.values(e.entries ?? {})) strip(c);
    };
    strip(doc.FSTree);
    const file = path.join(dir, 'plain.json');
    fs.writeFileSync(file, JSON.stringify(doc, null, 1));
    const url = await freshDb();
    const r = await cli(url, 'load', file);
    expect(r.code).toBe(0);
    expect(await checkInvariants(url)).toEqual([]);
    // The GBK name (not UTF-8) is the same bytes after unescaping.
    const gbk = (await cli(url, 'info', '34', '--json')).json();
    expect(gbk.paths).toEqual(['/GBK%B9%FB֭%CA%FD%BEݿƼ%BC%D3%D0%CF޹%AB˾%CEļ%FE']);
    expect((await cli(url, 'info', '4', '--json')).json().paths.sort()).toEqual(['/d1/f11', '/l1']);
    const out = path.join(dir, 'plain-back.json');
    expect((await cli(url, 'dump', out)).code).toBe(0);
    const back = readDump(out);
    expect(flatten(back.FSTree)).toEqual(flatten(doc.FSTree));
    expect(back.DelFiles).toEqual(doc.DelFiles);
    expect(back.Setting).toEqual(doc.Setting);
  });

  it('the full dump (trash, ACLs, quotas, hard links, pending deletions) loads and dumps back to the same document', async () => {
    const url = await freshDb();
    const r = await cli(url, 'load', SAMPLE, '--json');
    expect(r.code).toBe(0);
    expect(r.json().totals).toMatchObject({ inodes: '14', space: '115392512' });
    expect(await checkInvariants(url)).toEqual([]);
    const out = path.join(dir, 'full-back.json');
    expect((await cli(url, 'dump', out)).code).toBe(0);
    const original = readDump(SAMPLE);
    const back = readDump(out);
    expect(flatten(back.FSTree)).toEqual(flatten(original.FSTree));
    expect(flatten(back.Trash)).toEqual(flatten(original.Trash));
    for (const k of ['Quotas', 'UserQuotas', 'GroupQuotas', 'DelFiles', 'Setting']) expect([k, back[k]]).toEqual([k, original[k]]);
    expect(back.Counters).toMatchObject({ usedSpace: original.Counters.usedSpace, usedInodes: original.Counters.usedInodes, nextTrash: original.Counters.nextTrash });
    // fsck agrees with the load's recounts; the one finding is the pending deletion queued in 2021.
    const fsck = (await cli(url, 'fsck', '--json')).json();
    expect(fsck.checks.filter((c: { found: number }) => c.found > 0).map((c: { check: string; examples: string[] }) => [c.check, c.examples])).toEqual([
      ['stuck-queues', [expect.stringMatching(/^file release of inode 23 queued 2021-11-23/)]],
    ]);
  });
});
