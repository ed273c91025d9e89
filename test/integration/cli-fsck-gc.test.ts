import type { Session } from '@fsmeta/client';
import { Client } from 'pg';
import { cli } from '../harness/cli';
import { checkInvariants } from '../harness/invariants';
import { startEnv, type TestEnv } from '../harness/server';
import { buildSmallVolume } from '../harness/volume';

let env: TestEnv;
let s: Session;
let ino: Record<string, string>;
let pg: Client;

beforeAll(async () => {
  env = await startEnv();
  s = await env.session();
  ino = await buildSmallVolume(s);
  pg = new Client({ connectionString: env.databaseUrl });
  await pg.connect();
});
afterAll(async () => {
  await pg.end();
  await env.stop();
});

interface CheckJson {
  check: string;
  found: number;
  examples: string[];
  repaired?: number;
  remaining?: number;
}

function byCheck(json: { checks: CheckJson[] }): Record<string, CheckJson> {
  return Object.fromEntries(json.checks.map((c) => [c.check, c]));
}

describe('fsck', () => {
  it('a healthy volume: nothing found, exit 0', async () => {
    const r = await cli(env.databaseUrl, 'fsck');
    expect(r.out).toMatch(/^fsck: no problems found/);
    expect(r.code).toBe(0);
    const j = (await cli(env.databaseUrl, 'fsck', '--json')).json();
    expect(j.ok).toBe(true);
    expect(j.checks.every((c: CheckJson) => c.found === 0)).toBe(true);
  });

  it('finds planted corruption, --repair fixes what is safe and says so, the rest stays reported', async () => {
    const slice = (await pg.query<{ id: string }>('select id::text from slice_ref order by id limit 1')).rows[0]!.id;
    const chunk = (await pg.query<{ slices: Buffer }>('select slices from chunk where inode = $1 and indx = 0', [ino.f2])).rows[0]!.slices;
    await pg.query('update node set nlink = 5 where inode = $1', [ino.f2]);
    await pg.query(`insert into edge (parent, name, inode, type) values ($1, 'ghost', 999999, 1)`, [ino.d1]);
    await pg.query(`insert into node (inode, type, mode, uid, gid, atime_ns, mtime_ns, ctime_ns, nlink, length, parent)
                    values (888888, 1, 420, 0, 0, 0, 0, 0, 1, 10, 1)`);
    await pg.query('update slice_ref set refs = refs + 3 where id = $1', [slice]);
    await pg.query('update usage_shard set space = space + 12345 where shard = 5');
    await pg.query('update chunk set slices = $2 where inode = $1 and indx = 0', [ino.f2, Buffer.concat([chunk, Buffer.alloc(5)])]);

    const found = await cli(env.databaseUrl, 'fsck', '--json');
    expect(found.code).toBe(1);
    const f = byCheck(found.json());
    expect(f.nlink!.examples).toContain(`inode ${ino.f2}: nlink 5, expected 1`);
    expect(f['dangling-entries']!.examples).toEqual([`entry ${ino.d1}/${Buffer.from('ghost').toString('hex')} -> missing inode 999999`]);
    expect(f.orphans!.examples).toEqual(['inode 888888 (type 1, nlink 1): no entry, not open']);
    expect(f['slice-references']!.examples).toEqual([expect.stringContaining(`slice ${slice}: refs`)]);
    expect(f.usage!.found).toBe(1);
    expect(f['corrupt-chunks']!.examples).toEqual([`inode ${ino.f2} chunk 0: 29 bytes`]);
    const text = await cli(env.databaseUrl, 'fsck');
    expect(text.out).toContain('fsck --repair');

    const repaired = await cli(env.databaseUrl, 'fsck', '--repair', '--json');
    const r = byCheck(repaired.json());
    for (const name of ['nlink', 'dangling-entries', 'orphans', 'slice-references', 'usage']) {
      expect(r[name]!.repaired).toBeGreaterThan(0);
      expect(r[name]!.remaining).toBe(0);
    }
    // A corrupt record blob is not guessed at: it stays reported, and the exit code says so.
    expect(r['corrupt-chunks']!.remaining).toBe(1);
    expect(repaired.code).toBe(1);
    // The orphan is kept, in /lost+found, not deleted.
    expect((await cli(env.databaseUrl, 'info', '/lost+found/888888', '--json')).json().attr.inode).toBe('888888');

    await pg.query('update chunk set slices = $2 where inode = $1 and indx = 0', [ino.f2, chunk]);
    const clean = await cli(env.databaseUrl, 'fsck');
    expect(clean.out).toMatch(/^fsck: no problems found/);
    expect(clean.code).toBe(0);
    expect(await checkInvariants(env.databaseUrl)).toEqual([]);
  });
});

describe('gc', () => {
  it('finds leaked slices and expired request-log rows; --delete queues and prunes them', async () => {
    await pg.query('insert into slice_ref (id, size, refs) values (777777, 4096, 1)');
    const before = (await cli(env.databaseUrl, 'gc', '--retention-ms', '0', '--json')).json();
    expect(before.found.leakedSlices).toBe('1');
    expect(before.found.leakedBytes).toBe('4096');
    expect(BigInt(before.found.expiredRequests)).toBeGreaterThan(0n);
    expect(before.deleted).toBeNull();
    const text = await cli(env.databaseUrl, 'gc');
    expect(text.out).toContain('leaked slices: 1 (4.0 KiB)');
    expect(text.out).toContain('--delete');

    const del = await cli(env.databaseUrl, 'gc', '--delete', '--retention-ms', '0', '--json');
    expect(del.code).toBe(0);
    expect(del.json().deleted.leakedSlices).toBe(1);
    expect((await pg.query('select 1 from slice_deletion where id = 777777')).rowCount).toBe(1);
    expect((await pg.query('select 1 from slice_ref where id = 777777')).rowCount).toBe(0);
    const after = (await cli(env.databaseUrl, 'gc', '--retention-ms', '0', '--json')).json();
    expect(after.found.leakedSlices).toBe('0');
    const fsckAfter = await cli(env.databaseUrl, 'fsck');
    expect(fsckAfter.out).toMatch(/^fsck: no problems found/);
    expect((await cli(env.databaseUrl, 'gc', '--retention-ms', 'soon')).code).toBe(2);
  });
});
