import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { FsmetaError, MetaClient, toFsmetaError, type MethodName, type Session } from '@fsmeta/client';
import { loadMetaProto } from '@fsmeta/proto';
import { METHOD_ACCESS, type AccessClass, type RunningFsmeta } from '@fsmeta/fsmeta';
import { ADMIN_URL_ENV, createTestDatabase } from '../harness/database';
import { ROOT, startServer } from '../harness/server';

/**
 * Bearer-token authentication, roles x RPCs, session ownership, root squash
 * and subdir confinement, through the wire (docs/security.md).
 */

const TOKENS = {
  admin: 'admin-token-0123456789',
  nodeA: 'node-a-token-0123456789',
  nodeB: 'node-b-token-0123456789',
  ro: 'readonly-token-0123456789',
  confined: 'confined-token-0123456789',
  late: 'late-token-0123456789',
  lost: 'lost-token-0123456789',
};
const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const SQUASH = { uid: 1000, gid: 1000 };

function identitiesYaml(extra = ''): string {
  return `# test identities
identities:
  - name: ops
    role: admin
    token_sha256: ${sha(TOKENS.admin)}
  - name: node-a
    role: node
    token_sha256: [${sha(TOKENS.nodeA)}]
  - name: node-b
    role: node
    token: ${TOKENS.nodeB}
  - name: reader
    role: readonly-node
    token_sha256: ${sha(TOKENS.ro)}
  - name: tenant-c
    role: node
    token_sha256: ${sha(TOKENS.confined)}
    subdir: /tenants/c
    root_squash: { uid: ${SQUASH.uid}, gid: ${SQUASH.gid} }
  - name: lost
    role: node
    token_sha256: ${sha(TOKENS.lost)}
    subdir: /no/such/dir
${extra}`;
}

let dir: string;
let authFile: string;
let db: { url: string; drop: () => Promise<void> };
/** Auth required, health and reflection open (the defaults). */
let server: RunningFsmeta;
/** Auth required, nothing open. */
let closedServer: RunningFsmeta;
/** Identities known, auth not required. */
let optionalServer: RunningFsmeta;
const clients: MetaClient[] = [];

function client(token: string | undefined, s: RunningFsmeta = server): MetaClient {
  const c = new MetaClient(s.address, { token, deadlineMs: 20_000, maxAttempts: 1 });
  clients.push(c);
  return c;
}

async function failure(p: Promise<unknown>): Promise<FsmetaError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FsmetaError) return err;
    throw err;
  }
  throw new Error('call succeeded');
}

/** Refused by authorization: PERMISSION_DENIED without an errno (EACCES/EPERM carry one). */
function isAuthDenied(e: FsmetaError): boolean {
  return e.code === grpc.status.PERMISSION_DENIED && e.errnoName === undefined;
}

/** What became of a call, for the matrix: refused by authentication, by authorization, or let through. */
function classify(e: FsmetaError): string {
  return e.code === grpc.status.UNAUTHENTICATED ? 'unauthenticated' : isAuthDenied(e) ? 'denied' : 'passed';
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsmeta-auth-'));
  authFile = path.join(dir, 'identities.yaml');
  fs.writeFileSync(authFile, identitiesYaml());
  db = await createTestDatabase(process.env[ADMIN_URL_ENV]!);
  const common = ['--auth-file', authFile, '--credentials-reload-ms', '200'];
  server = await startServer(db.url, { args: [...common, '--auth-required', 'true'] });
  closedServer = await startServer(db.url, { args: [...common, '--auth-required', 'true', '--auth-open-services', ''] });
  optionalServer = await startServer(db.url, { args: [...common] });
});

afterAll(async () => {
  for (const c of clients) c.close();
  for (const s of [server, closedServer, optionalServer]) await s?.stop();
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('authentication', () => {
  it('refuses a call without credentials, with an unknown token or a malformed header: UNAUTHENTICATED', async () => {
    expect((await failure(client(undefined).call('GetFormat', {}))).code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await failure(client('not-a-token').call('GetFormat', {}))).code).toBe(grpc.status.UNAUTHENTICATED);
    // A header without the Bearer scheme.
    const meta = new grpc.Metadata();
    meta.set('authorization', TOKENS.admin);
    const plain = new grpc.Client(server.address, grpc.credentials.createInsecure());
    const code = await new Promise<number>((resolve) => {
      plain.makeUnaryRequest('/fsmeta.v1.Meta/GetFormat', (x: Buffer) => x, (x: Buffer) => x, Buffer.alloc(0), meta, (err) => resolve(err?.code ?? 0));
    });
    plain.close();
    expect(code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('accepts a known token: sha256 in the file or plaintext', async () => {
    await expect(client(TOKENS.nodeA).call('GetFormat', {})).resolves.toMatchObject({ format: { name: 'fsmeta' } });
    await expect(client(TOKENS.nodeB).call('GetFormat', {})).resolves.toMatchObject({ format: { name: 'fsmeta' } });
  });

  it('keeps health and reflection open by default, closes them when configured', async () => {
    expect(await healthStatus(server.address)).toBe('SERVING');
    const closed = await healthStatus(closedServer.address).catch((e: grpc.ServiceError) => e.code);
    expect(closed).toBe(grpc.status.UNAUTHENTICATED);
    expect(await healthStatus(closedServer.address, TOKENS.nodeA)).toBe('SERVING');
  });

  it('without FSMETA_AUTH_REQUIRED lets anonymous callers in, but still refuses an unknown token', async () => {
    const anon = client(undefined, optionalServer);
    await expect(anon.call('GetFormat', {})).resolves.toBeDefined();
    expect((await failure(client('wrong', optionalServer).call('GetFormat', {}))).code).toBe(grpc.status.UNAUTHENTICATED);
    // A known identity keeps its role when it identifies itself.
    expect(isAuthDenied(await failure(client(TOKENS.ro, optionalServer).call('ListSessions', {})))).toBe(true);
  });

  it('reloads the identities file without a restart; a broken file keeps the previous identities', async () => {
    const late = client(TOKENS.late);
    expect((await failure(late.call('GetFormat', {}))).code).toBe(grpc.status.UNAUTHENTICATED);
    fs.writeFileSync(authFile, identitiesYaml(`  - name: late\n    role: readonly-node\n    token_sha256: ${sha(TOKENS.late)}\n`));
    await waitFor(async () => (await late.call('GetFormat', {}).then(() => true, () => false)));
    fs.writeFileSync(authFile, 'identities: [ this is not valid');
    await new Promise((r) => setTimeout(r, 600));
    await expect(late.call('GetFormat', {})).resolves.toBeDefined();
    fs.writeFileSync(authFile, identitiesYaml());
    await waitFor(async () => (await late.call('GetFormat', {}).then(() => false, () => true)));
  });
});

async function waitFor(cond: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function healthStatus(address: string, token?: string): Promise<string> {
  const def = protoLoader.loadSync(require.resolve('grpc-health-check/proto/health/v1/health.proto', { paths: [path.resolve(__dirname, '../../services/fsmeta')] }), { enums: String });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: typeof grpc.Client } } } };
  const c = new pkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure()) as grpc.Client & {
    check(req: object, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res?: { status: string }) => void): void;
  };
  const md = new grpc.Metadata();
  if (token !== undefined) md.set('authorization', `Bearer ${token}`);
  return new Promise((resolve, reject) => {
    c.check({ service: '' }, md, (err, res) => {
      c.close();
      if (err) reject(err);
      else resolve(res!.status);
    });
  });
}

describe('authorization matrix (role x RPC)', () => {
  type Who = 'admin' | 'node' | 'readonly-node' | 'anonymous';
  const ROLE_OF: Record<Who, string | undefined> = { admin: TOKENS.admin, node: TOKENS.nodeA, 'readonly-node': TOKENS.ro, anonymous: undefined };
  const ALLOWED: Record<Who, AccessClass[]> = { admin: ['read', 'write', 'admin'], node: ['read', 'write'], 'readonly-node': ['read'], anonymous: [] };
  const methods = Object.keys(METHOD_ACCESS) as (MethodName | 'Watch')[];

  it('classifies every RPC of the service once', () => {
    const service = Object.keys(loadMetaProto().fsmeta.v1.Meta.service);
    expect(methods.slice().sort()).toEqual(service.slice().sort());
  });

  it.each(['admin', 'node', 'readonly-node', 'anonymous'] as Who[])('%s: allowed classes pass authorization, others are refused', async (who) => {
    const c = client(ROLE_OF[who]);
    // Each identity works in its own session (a readonly-node's is read-only); anonymous borrows admin's.
    const adminSession = await client(TOKENS.admin).newSession(ROOT, { hostName: 'matrix' });
    const session: Session = who === 'anonymous' ? c.session(adminSession.id, ROOT) : await c.newSession(ROOT, { hostName: `matrix-${who}` }, who === 'readonly-node');
    const spare = who === 'anonymous' ? adminSession.id : (await c.newSession(ROOT, { hostName: 'spare' }, who === 'readonly-node')).id;
    const file = await client(TOKENS.admin).newSession(ROOT).then((s) =>
      s.call('Create', { parent: '1', name: Buffer.from(`matrix-file-${who}`), mode: 0o644, umask: 0, flags: 0 }),
    );
    const ino = file.attr!.inode;
    const format = (await client(TOKENS.admin).call('GetFormat', {})).format!;
    const ctx = { sessionId: session.id, caller: ROOT, requestId: '' };
    let n = 0;
    const outcomes: string[] = [];
    const wanted: string[] = [];
    for (const method of methods) {
      const request: Record<string, unknown> = {
        ctx: { ...ctx, requestId: `m-${who}-${++n}` },
        sessionId: method === 'CloseSession' ? spare : session.id,
        readOnly: false,
        info: { hostName: 'matrix' },
        inode: ino,
        parent: '1',
        name: Buffer.from(`m-${who}-${method}`),
        mode: 0o644,
        type: 'FILE_TYPE_REGULAR',
        count: 1,
        format: { ...format, uuid: '' },
        kind: 'QUOTA_KIND_USER',
        key: '4242',
        quota: { kind: 'QUOTA_KIND_USER', key: '4242', maxSpace: '0', maxInodes: '0' },
        inodeIn: ino,
        inodeOut: ino,
        target: Buffer.from('t'),
        value: Buffer.from('v'),
        limit: 1,
        leaseMs: 1000,
      };
      if (method === 'Unlink' || method === 'Rmdir') request.name = Buffer.from('no-such-name');
      if (method === 'Rename') Object.assign(request, { parentSrc: '1', nameSrc: Buffer.from('no-such-name'), parentDst: '1', nameDst: Buffer.from('x') });
      if (method === 'Link') request.name = Buffer.from(`m-link-${who}`);
      if (method === 'SetXattr' || method === 'GetXattr' || method === 'RemoveXattr') request.name = Buffer.from('user.m');
      const outcome =
        method === 'Watch'
          ? await firstOfStream(c, request)
          : await c.call(method as Exclude<MethodName, 'Watch'>, request as never).then(() => 'ok', (e: FsmetaError) => classify(e));
      const expected = who === 'anonymous' ? 'unauthenticated' : ALLOWED[who].includes(METHOD_ACCESS[method]) ? 'allowed' : 'denied';
      outcomes.push(`${method}: ${expected === 'allowed' && (outcome === 'ok' || outcome === 'passed') ? 'allowed' : outcome}`);
      wanted.push(`${method}: ${expected}`);
    }
    expect(outcomes).toEqual(wanted);
    if (who === 'readonly-node') {
      // A read-only session is the readonly-node's one way in; its writes fail.
      expect(session.opened?.sessionId).toBeDefined();
      expect(isAuthDenied(await failure(c.newSession(ROOT, {}, false)))).toBe(true);
    }
  });
});

/** A Watch stream's first answer: its opening message, or its failure (errno metadata decides denied vs passed). */
function firstOfStream(c: MetaClient, request: Record<string, unknown>): Promise<string> {
  const stream = c.stream('Watch', request as never);
  return new Promise((resolve) => {
    stream.once('data', () => {
      resolve('ok');
      stream.cancel();
    });
    stream.once('error', (e: grpc.ServiceError) => resolve(classify(toFsmetaError(e, 'Watch'))));
  });
}

/** The errno a Watch stream fails with ('' if it opens). */
function watchErrno(c: MetaClient, request: Record<string, unknown>): Promise<string> {
  const stream = c.stream('Watch', request as never);
  return new Promise((resolve) => {
    stream.once('data', () => {
      resolve('');
      stream.cancel();
    });
    stream.once('error', (e: grpc.ServiceError) => resolve(toFsmetaError(e, 'Watch').errnoName ?? grpc.status[e.code]));
  });
}

describe('session ownership', () => {
  it('refuses another identity using a session: PERMISSION_DENIED; an admin may close it', async () => {
    const a = client(TOKENS.nodeA);
    const b = client(TOKENS.nodeB);
    const mine = await a.newSession(ROOT, { hostName: 'a' });
    await mine.call('Mkdir', { parent: '1', name: Buffer.from('owned-by-a'), mode: 0o755, umask: 0 });
    const stolen = b.session(mine.id, ROOT);
    for (const attempt of [
      () => stolen.call('Mkdir', { parent: '1', name: Buffer.from('by-b'), mode: 0o755, umask: 0 }),
      () => stolen.call('GetAttr', { inode: '1' }),
      () => stolen.heartbeat(),
      () => stolen.close(),
    ]) {
      const e = await failure(attempt());
      expect(isAuthDenied(e)).toBe(true);
      expect(e.message).toMatch(/belongs to another identity/);
    }
    // Still a's, still working.
    await expect(mine.heartbeat()).resolves.toBeDefined();
    const listed = (await client(TOKENS.admin).call('ListSessions', {})).sessions.find((s) => s.sessionId === mine.id);
    expect(listed?.owner).toBe('node-a');
    // Session kill by an admin.
    await client(TOKENS.admin).session(mine.id, ROOT).close();
    expect((await failure(mine.heartbeat())).errnoName).toBe('ESTALE');
  });

  it('refuses a session opened without authentication to an identity', async () => {
    const anon = await client(undefined, optionalServer).newSession(ROOT, { hostName: 'anon' });
    expect(isAuthDenied(await failure(client(TOKENS.nodeA).session(anon.id, ROOT).heartbeat()))).toBe(true);
  });
});

describe('confinement and root squash', () => {
  let admin: Session;
  let tenant: Session;
  let outsideIno: string;
  let subIno: string;
  let tenantsIno: string;

  beforeAll(async () => {
    admin = await client(TOKENS.admin).newSession(ROOT);
    const tenants = await admin.call('Mkdir', { parent: '1', name: Buffer.from('tenants'), mode: 0o755, umask: 0 });
    tenantsIno = tenants.attr!.inode;
    const sub = await admin.call('Mkdir', { parent: tenantsIno, name: Buffer.from('c'), mode: 0o777, umask: 0 });
    subIno = sub.attr!.inode;
    await admin.call('Mkdir', { parent: subIno, name: Buffer.from('marker'), mode: 0o755, umask: 0 });
    outsideIno = (await admin.call('Create', { parent: '1', name: Buffer.from('secret'), mode: 0o644, umask: 0, flags: 0 })).attr!.inode;
    tenant = await client(TOKENS.confined).newSession(ROOT, { hostName: 'tenant' });
  });

  it('sees its subdir as the root', async () => {
    const root = await tenant.call('GetAttr', { inode: '1' });
    expect(root.attr).toMatchObject({ inode: '1', parent: '1', type: 'FILE_TYPE_DIRECTORY' });
    const marker = await tenant.call('Lookup', { parent: '1', name: Buffer.from('marker') });
    expect(marker.attr!.parent).toBe('1');
    expect((await tenant.call('Lookup', { parent: '1', name: Buffer.from('..') })).attr!.inode).toBe('1');
    expect((await tenant.call('Lookup', { parent: marker.attr!.inode, name: Buffer.from('..') })).attr!.inode).toBe('1');
    const list = await tenant.call('Readdir', { inode: '1', plus: true });
    const names = list.entries.map((e) => `${e.name.toString()}=${e.inode}`);
    expect(names).toEqual(expect.arrayContaining(['.=1', '..=1', `marker=${marker.attr!.inode}`]));
    expect(names.some((n) => n.startsWith('secret'))).toBe(false);
    expect(list.entries.find((e) => e.name.toString() === '..')!.attr!.inode).toBe('1');
  });

  it('cannot name an inode outside its subdir: ENOENT', async () => {
    for (const attempt of [
      () => tenant.call('GetAttr', { inode: outsideIno }),
      () => tenant.call('Open', { inode: outsideIno, flags: 0 }),
      () => tenant.call('Readdir', { inode: tenantsIno }),
      () => tenant.call('Link', { inode: outsideIno, parent: '1', name: Buffer.from('stolen') }),
      () => tenant.call('Rename', { parentSrc: '1', nameSrc: Buffer.from('marker'), parentDst: tenantsIno, nameDst: Buffer.from('out') }),
    ]) {
      expect((await failure(attempt())).errnoName).toBe('ENOENT');
    }
    // The work queues span the volume: refused to a confined identity.
    expect(isAuthDenied(await failure(tenant.call('ClaimCompaction', { leaseMs: 1000 })))).toBe(true);
    expect(isAuthDenied(await failure(tenant.call('ListQuotas', { kind: 'QUOTA_KIND_DIRECTORY' })))).toBe(true);
    // Watch filters naming the outside: as any inode there.
    for (const request of [{ subtree: tenantsIno }, { inodes: [outsideIno] }, { inodes: ['1', outsideIno] }]) {
      expect(await watchErrno(client(TOKENS.confined), { ctx: { caller: ROOT }, ...request })).toBe('ENOENT');
    }
  });

  it('watches only its subdir: changes inside, mapped as every answer (the subdir is 1); nothing from outside', async () => {
    const stream = client(TOKENS.confined).stream('Watch', { ctx: { caller: ROOT } });
    const got: { kind: string; inode: string; parent: string; name: string }[] = [];
    let opened = false;
    let failed: Error | undefined;
    stream.on('data', (m: { changes: { kind: string; inode: string; parent: string; name: Buffer }[] }) => {
      opened = true;
      for (const c of m.changes) got.push({ kind: c.kind, inode: c.inode, parent: c.parent, name: c.name.toString() });
    });
    stream.on('error', (e: Error) => (failed = e));
    const until = async (what: string, ok: () => boolean): Promise<void> => {
      const deadline = Date.now() + 20_000;
      while (!ok()) {
        if (failed !== undefined) throw failed;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    try {
      await until('the first message', () => opened);
      // Outside: the volume root, the subdir's own parent, an outside file's attributes and xattrs.
      await admin.call('Create', { parent: '1', name: Buffer.from('outside-w'), mode: 0o644, umask: 0, flags: 0 });
      await admin.call('Mkdir', { parent: tenantsIno, name: Buffer.from('other'), mode: 0o755, umask: 0 });
      await admin.call('SetAttr', { inode: outsideIno, set: 1, mode: 0o600 });
      await admin.call('SetXattr', { inode: outsideIno, name: Buffer.from('user.w'), value: Buffer.from('v') });
      // Inside: a directory with a file, the subdir's own attributes, a directory moved out.
      const win = (await admin.call('Mkdir', { parent: subIno, name: Buffer.from('w-in'), mode: 0o755, umask: 0 })).attr!.inode;
      const f = (await admin.call('Create', { parent: win, name: Buffer.from('f'), mode: 0o644, umask: 0, flags: 0 })).attr!.inode;
      await admin.call('SetAttr', { inode: subIno, set: 1, mode: 0o777 });
      const leaving = (await admin.call('Mkdir', { parent: subIno, name: Buffer.from('leaving'), mode: 0o755, umask: 0 })).attr!.inode;
      await admin.call('Rename', { parentSrc: subIno, nameSrc: Buffer.from('leaving'), parentDst: tenantsIno, nameDst: Buffer.from('left') });
      const last = (await admin.call('Mkdir', { parent: subIno, name: Buffer.from('w-last'), mode: 0o755, umask: 0 })).attr!.inode;
      await until('the last entry', () => got.some((c) => c.kind === 'CHANGE_KIND_ENTRY' && c.parent === '1' && c.name === 'w-last'));
      const entries = got.filter((c) => c.kind === 'CHANGE_KIND_ENTRY').map((c) => `${c.parent}/${c.name}=${c.inode}`);
      expect(entries).toEqual(expect.arrayContaining([`1/w-in=${win}`, `${win}/f=${f}`, `1/leaving=${leaving}`, `1/w-last=${last}`]));
      expect(got).toContainEqual({ kind: 'CHANGE_KIND_ATTR', inode: '1', parent: '1', name: '' });
      // Nothing names an inode outside (the subdir's own number included: it is 1 here), nor an outside name.
      const visible = new Set(['1', win, f, leaving, last]);
      expect(got.filter((c) => !visible.has(c.inode) || !(visible.has(c.parent) || c.parent === '0'))).toEqual([]);
      expect(got.filter((c) => ['outside-w', 'other', 'left', 'user.w', 'c', 'tenants'].includes(c.name))).toEqual([]);
    } finally {
      stream.cancel();
    }
  });

  it('answers ENOENT while its subdir does not exist (it is not created), and gets in once an admin creates it', async () => {
    const lost = client(TOKENS.lost);
    // As a JuiceFS mount whose --subdir cannot be entered: the session does not start.
    expect((await failure(lost.newSession(ROOT))).errnoName).toBe('ENOENT');
    expect((await failure(lost.call('GetAttr', { ctx: { caller: ROOT }, inode: '1' }))).errnoName).toBe('ENOENT');
    expect((await failure(admin.call('Lookup', { parent: '1', name: Buffer.from('no') }))).errnoName).toBe('ENOENT');
    let parent = '1';
    for (const name of ['no', 'such', 'dir']) parent = (await admin.call('Mkdir', { parent, name: Buffer.from(name), mode: 0o777, umask: 0 })).attr!.inode;
    const session = await lost.newSession(ROOT);
    expect((await session.call('GetAttr', { inode: '1' })).attr).toMatchObject({ inode: '1', mode: 0o777 });
  });

  it('works inside its subdir, and root acts as the squash uid/gid', async () => {
    const made = await tenant.call('Create', { parent: '1', name: Buffer.from('f'), mode: 0o644, umask: 0, flags: 0 });
    expect(made.attr).toMatchObject({ uid: SQUASH.uid, gid: SQUASH.gid, parent: '1' });
    // Squashed root is not root: chown to 0 is refused, even when the node says its kernel checked.
    expect((await failure(tenant.call('SetAttr', { inode: made.attr!.inode, set: 2, uid: 0 }))).errnoName).toBe('EPERM');
    const checked = { ...ROOT, permissionsChecked: true };
    expect((await failure(tenant.call('SetAttr', { inode: made.attr!.inode, set: 2, uid: 0 }, { caller: checked }))).errnoName).toBe('EPERM');
    const seen = await admin.call('Lookup', { parent: subIno, name: Buffer.from('f') });
    expect(seen.attr!.inode).toBe(made.attr!.inode);
    const d = await tenant.call('Mkdir', { parent: '1', name: Buffer.from('d'), mode: 0o755, umask: 0 });
    await tenant.call('Rename', { parentSrc: '1', nameSrc: Buffer.from('f'), parentDst: d.attr!.inode, nameDst: Buffer.from('g') });
    expect((await tenant.call('Lookup', { parent: d.attr!.inode, name: Buffer.from('g') })).attr!.inode).toBe(made.attr!.inode);
  });
});
