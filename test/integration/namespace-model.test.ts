import * as fc from 'fast-check';
import { FsmetaError, type Session, type v1 } from '@fsmeta/client';
import { ROOT_INO, b, fsOps } from '../harness/fs';
import { checkInvariants } from '../harness/invariants';
import { startEnv, type TestEnv } from '../harness/server';

/**
 * Model-based test: random operation sequences run against fsmeta and against
 * a small in-memory model of the POSIX semantics fsmeta promises; every errno
 * and every attribute must agree.
 */

const ROOT = { uid: 0, gid: 0, gids: [] as number[] };
const ALICE = { uid: 1000, gid: 1000, gids: [] as number[] };
const CALLERS = [ROOT, ALICE];
const NAMES = ['a', 'b', 'c'];
const MODES = [0o755, 0o700, 0o777, 0o555];
const NOREPLACE = 1;
const EXCHANGE = 2;

type Kind = 'dir' | 'file';
interface MNode {
  id: number;
  kind: Kind;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  /** Parent directory, or 0 once hard-linked (as fsmeta/JuiceFS). */
  parent: number;
  children: Map<string, number>;
  real: string;
}

class ModelError extends Error {
  constructor(readonly errno: string) {
    super(errno);
  }
}
function fail(errno: string): never {
  throw new ModelError(errno);
}

class Model {
  nodes = new Map<number, MNode>();
  private next = 1;
  rootId: number;

  constructor(realRoot: string) {
    this.rootId = this.add({ kind: 'dir', mode: 0o777, uid: 0, gid: 0, nlink: 2, parent: 0, real: realRoot });
  }

  add(n: Omit<MNode, 'id' | 'children'>): number {
    const id = this.next++;
    this.nodes.set(id, { ...n, id, children: new Map() });
    return id;
  }

  /** Directories ever created (some may be gone: ops on them must fail like fsmeta's). */
  dirs: number[] = [];
  files: number[] = [];

  bits(c: typeof ROOT, n: MNode): number {
    if (c.uid === 0) return 7;
    if (c.uid === n.uid) return (n.mode >> 6) & 7;
    if (c.gid === n.gid) return (n.mode >> 3) & 7;
    return n.mode & 7;
  }
  access(c: typeof ROOT, n: MNode, mask: number): void {
    if ((this.bits(c, n) & mask) !== mask) fail('EACCES');
  }
  dir(id: number): MNode {
    const n = this.nodes.get(id);
    if (n === undefined) fail('ENOENT');
    if (n.kind !== 'dir') fail('ENOTDIR');
    return n;
  }

  create(c: typeof ROOT, d: number, name: string, kind: Kind, mode: number): MNode {
    const p = this.dir(d);
    this.access(c, p, 3);
    if (p.children.has(name)) fail('EEXIST');
    const id = this.add({ kind, mode, uid: c.uid, gid: c.gid, nlink: kind === 'dir' ? 2 : 1, parent: d, real: '' });
    p.children.set(name, id);
    if (kind === 'dir') {
      p.nlink++;
      this.dirs.push(id);
    } else {
      this.files.push(id);
    }
    return this.nodes.get(id)!;
  }

  unlink(c: typeof ROOT, d: number, name: string): void {
    const p = this.dir(d);
    this.access(c, p, 3);
    const id = p.children.get(name);
    if (id === undefined) fail('ENOENT');
    const n = this.nodes.get(id)!;
    if (n.kind === 'dir') fail('EPERM');
    p.children.delete(name);
    this.dropLink(n);
  }

  private dropLink(n: MNode): void {
    n.nlink--;
    if (n.nlink === 0) this.nodes.delete(n.id);
  }

  rmdir(c: typeof ROOT, d: number, name: string): void {
    const p = this.dir(d);
    this.access(c, p, 3);
    const id = p.children.get(name);
    if (id === undefined) fail('ENOENT');
    const n = this.nodes.get(id)!;
    if (n.kind !== 'dir') fail('ENOTDIR');
    if (n.children.size > 0) fail('ENOTEMPTY');
    p.children.delete(name);
    p.nlink--;
    this.nodes.delete(id);
  }

  /** The source first (baseMeta.Link), then the destination. */
  link(c: typeof ROOT, f: number, d: number, name: string): MNode {
    const n = this.nodes.get(f);
    if (n === undefined) fail('ENOENT');
    if (n.kind === 'dir') fail('EPERM');
    const p = this.dir(d);
    this.access(c, p, 3);
    if (p.children.has(name)) fail('EEXIST');
    n.nlink++;
    n.parent = 0;
    p.children.set(name, f);
    return n;
  }

  private isAncestorOrSelf(dir: number, of: number): boolean {
    for (let cur = of; cur !== 0; cur = this.nodes.get(cur)?.parent ?? 0) {
      if (cur === dir) return true;
      if (cur === this.rootId) return false;
    }
    return false;
  }

  rename(c: typeof ROOT, ds: number, ns: string, dd: number, nd: string, flags: number): void {
    const ps = this.dir(ds);
    const pd = this.dir(dd);
    this.access(c, ps, 3);
    this.access(c, pd, 3);
    const sid = ps.children.get(ns);
    if (sid === undefined) fail('ENOENT');
    const sn = this.nodes.get(sid)!;
    if (ds === dd && ns === nd) return;
    const cross = ds !== dd;
    if (sn.kind === 'dir' && cross && this.isAncestorOrSelf(sid, dd)) fail('EPERM');
    if (sn.kind === 'dir' && cross && (this.bits(c, sn) & 2) === 0) fail('EACCES');
    const vid = pd.children.get(nd);
    const exchange = (flags & EXCHANGE) !== 0;
    if (vid !== undefined) {
      if ((flags & NOREPLACE) !== 0) fail('EEXIST');
      const vn = this.nodes.get(vid)!;
      if (vid === sid) return;
      if (!exchange) {
        if (sn.kind === 'dir' && vn.kind !== 'dir') fail('ENOTDIR');
        if (sn.kind !== 'dir' && vn.kind === 'dir') fail('EISDIR');
        if (vn.kind === 'dir' && vn.children.size > 0) fail('ENOTEMPTY');
      } else if (vn.kind === 'dir' && cross) {
        if (this.isAncestorOrSelf(vid, ds)) fail('EPERM');
        if ((this.bits(c, vn) & 2) === 0) fail('EACCES');
      }
      if (exchange) {
        ps.children.set(ns, vid);
        pd.children.set(nd, sid);
        if (cross) {
          if (vn.kind === 'dir') {
            ps.nlink++;
            pd.nlink--;
          }
          if (sn.kind === 'dir') {
            ps.nlink--;
            pd.nlink++;
          }
          if (vn.parent !== 0) vn.parent = ds;
          if (sn.parent !== 0) sn.parent = dd;
        }
        return;
      }
      ps.children.delete(ns);
      pd.children.set(nd, sid);
      if (vn.kind === 'dir') {
        pd.nlink--;
        this.nodes.delete(vid);
      } else {
        this.dropLink(vn);
      }
    } else {
      if (exchange) fail('ENOENT');
      ps.children.delete(ns);
      pd.children.set(nd, sid);
    }
    if (cross) {
      if (sn.kind === 'dir') {
        ps.nlink--;
        pd.nlink++;
      }
      if (sn.parent !== 0) sn.parent = dd;
    }
  }

  chmod(c: typeof ROOT, id: number, mode: number): MNode {
    const n = this.nodes.get(id);
    if (n === undefined) fail('ENOENT');
    if (mode !== n.mode) {
      if (c.uid !== 0 && c.uid !== n.uid) fail('EPERM');
      n.mode = mode;
    }
    return n;
  }
}

type Op =
  | { op: 'mkdir' | 'mknod'; caller: number; d: number; name: string; mode: number }
  | { op: 'unlink' | 'rmdir'; caller: number; d: number; name: string }
  | { op: 'link'; caller: number; f: number; d: number; name: string }
  | { op: 'rename'; caller: number; d: number; name: string; d2: number; name2: string; flags: number }
  | { op: 'chmod'; caller: number; n: number; mode: number };

const caller = fc.nat({ max: CALLERS.length - 1 });
const idx = fc.nat({ max: 20 });
const nameArb = fc.constantFrom(...NAMES);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('mkdir' as const, 'mknod' as const), caller, d: idx, name: nameArb, mode: fc.constantFrom(...MODES) }),
  fc.record({ op: fc.constantFrom('unlink' as const, 'rmdir' as const), caller, d: idx, name: nameArb }),
  fc.record({ op: fc.constant('link' as const), caller, f: idx, d: idx, name: nameArb }),
  fc.record({ op: fc.constant('rename' as const), caller, d: idx, name: nameArb, d2: idx, name2: nameArb, flags: fc.constantFrom(0, 0, NOREPLACE, EXCHANGE) }),
  fc.record({ op: fc.constant('chmod' as const), caller, n: idx, mode: fc.constantFrom(...MODES) }),
);

let env: TestEnv;
let s: Session;
let runs = 0;

beforeAll(async () => {
  env = await startEnv();
  s = await env.session();
});
afterAll(() => env.stop());

async function outcome<T>(p: () => Promise<T>): Promise<{ errno?: string; value?: T }> {
  try {
    return { value: await p() };
  } catch (err) {
    if (err instanceof ModelError) return { errno: err.errno };
    if (err instanceof FsmetaError) return { errno: err.errnoName ?? `grpc:${err.code}` };
    throw err;
  }
}

function realOf(m: Model, id: number): string {
  // A node the model no longer has still maps to the inode fsmeta gave it.
  return m.nodes.get(id)?.real ?? removed.get(id) ?? '999999999';
}
const removed = new Map<number, string>();

function pickFrom(list: number[], i: number, fallback: number): number {
  return list.length === 0 ? fallback : list[i % list.length]!;
}

async function apply(m: Model, op: Op): Promise<void> {
  const c = CALLERS[op.caller]!;
  const opts = { caller: c };
  const dirs = [m.rootId, ...m.dirs];
  let model: { errno?: string; value?: MNode | void };
  let real: { errno?: string; value?: v1.Attr__Output | undefined | object };
  switch (op.op) {
    case 'mkdir':
    case 'mknod': {
      const d = pickFrom(dirs, op.d, m.rootId);
      model = await outcome(async () => m.create(c, d, op.name, op.op === 'mkdir' ? 'dir' : 'file', op.mode));
      real = await outcome(async () =>
        op.op === 'mkdir'
          ? (await s.call('Mkdir', { parent: realOf(m, d), name: b(op.name), mode: op.mode }, opts)).attr ?? undefined
          : (await s.call('Mknod', { parent: realOf(m, d), name: b(op.name), mode: op.mode, type: 'FILE_TYPE_REGULAR' }, opts)).attr ?? undefined,
      );
      if (model.value && real.value) (model.value as MNode).real = (real.value as v1.Attr__Output).inode;
      break;
    }
    case 'unlink':
    case 'rmdir': {
      const d = pickFrom(dirs, op.d, m.rootId);
      const victim = m.nodes.get(d)?.children.get(op.name);
      const victimReal = victim === undefined ? undefined : realOf(m, victim);
      model = await outcome(async () => (op.op === 'unlink' ? m.unlink(c, d, op.name) : m.rmdir(c, d, op.name)));
      real = await outcome(() => s.call(op.op === 'unlink' ? 'Unlink' : 'Rmdir', { parent: realOf(m, d), name: b(op.name) }, opts));
      if (victim !== undefined && victimReal !== undefined && !m.nodes.has(victim)) removed.set(victim, victimReal);
      break;
    }
    case 'link': {
      const f = pickFrom(m.files, op.f, m.rootId);
      const d = pickFrom(dirs, op.d, m.rootId);
      model = await outcome(async () => m.link(c, f, d, op.name));
      real = await outcome(async () => (await s.call('Link', { inode: realOf(m, f), parent: realOf(m, d), name: b(op.name) }, opts)).attr ?? undefined);
      break;
    }
    case 'rename': {
      const d = pickFrom(dirs, op.d, m.rootId);
      const d2 = pickFrom(dirs, op.d2, m.rootId);
      const before = new Map([...m.nodes].map(([id, n]) => [id, n.real]));
      model = await outcome(async () => m.rename(c, d, op.name, d2, op.name2, op.flags));
      for (const [id, r] of before) if (!m.nodes.has(id)) removed.set(id, r);
      real = await outcome(() =>
        s.call('Rename', { parentSrc: realOf(m, d), nameSrc: b(op.name), parentDst: realOf(m, d2), nameDst: b(op.name2), flags: op.flags }, opts),
      );
      break;
    }
    case 'chmod': {
      const all = [...m.dirs, ...m.files];
      const n = pickFrom(all, op.n, m.rootId);
      model = await outcome(async () => m.chmod(c, n, op.mode));
      real = await outcome(async () => (await s.call('SetAttr', { inode: realOf(m, n), set: 1, mode: op.mode }, opts)).attr ?? undefined);
      break;
    }
  }
  expect({ op, errno: real.errno }).toEqual({ op, errno: model.errno });
  if (model.value !== undefined && typeof model.value === 'object' && real.value !== undefined) {
    const mn = model.value as MNode;
    const ra = real.value as v1.Attr__Output;
    expect({ op, mode: ra.mode, uid: ra.uid, gid: ra.gid, nlink: ra.nlink, type: ra.type }).toEqual({
      op,
      mode: mn.mode,
      uid: mn.uid,
      gid: mn.gid,
      nlink: mn.nlink,
      type: mn.kind === 'dir' ? 'FILE_TYPE_DIRECTORY' : 'FILE_TYPE_REGULAR',
    });
  }
}

/** Every live model node must match fsmeta's view: attributes and directory listings. */
async function compareAll(m: Model): Promise<void> {
  const fs = fsOps(s);
  for (const n of m.nodes.values()) {
    const a = await fs.getattr(n.real);
    const parent = n.id === m.rootId ? a.parent : n.parent === 0 ? '0' : m.nodes.get(n.parent)!.real;
    expect({ id: n.id, mode: a.mode, nlink: a.nlink, uid: a.uid, parent: a.parent }).toEqual({ id: n.id, mode: n.mode, nlink: n.nlink, uid: n.uid, parent });
    if (n.kind === 'dir') {
      const want = [...n.children.entries()].map(([name, id]) => `${name}:${m.nodes.get(id)!.real}`).sort();
      const page = await s.call('Readdir', { inode: n.real });
      const got = page.entries.filter((e) => e.name.toString() !== '.' && e.name.toString() !== '..').map((e) => `${e.name.toString()}:${e.inode}`).sort();
      expect(got).toEqual(want);
    }
  }
}

it('agrees with the POSIX model on every errno and attribute', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 40 }), async (ops) => {
      const top = await fsOps(s).mkdir(ROOT_INO, `model${++runs}`, 0o777);
      await s.call('SetAttr', { inode: top.inode, set: 1, mode: 0o777 });
      const m = new Model(top.inode);
      removed.clear();
      for (const op of ops) await apply(m, op);
      await compareAll(m);
    }),
    { numRuns: Number(process.env.FSMETA_MODEL_RUNS ?? 60) },
  );
  expect(await checkInvariants(env.databaseUrl)).toEqual([]);
});
