import * as fc from 'fast-check';
import type { Session, v1 } from '@fsmeta/client';
import { b, errnoOf, ROOT_INO } from '../harness/fs';
import { checkLockInvariants } from '../harness/lock-invariants';
import { startEnv, type TestEnv } from '../harness/server';

/**
 * Model-based test of POSIX record locks: random lock/unlock sequences of
 * several owners in two sessions run against fsmeta and against a byte map;
 * every outcome (granted / EAGAIN), every GetLk answer and the records each
 * owner holds (ListSessions with_locks) must agree.
 */

/** Offsets 0..N-1 are cells of their own; cell N stands for every offset from N to 2^64-1. */
const N = 12;
const MAX = (1n << 64n) - 1n;

type Mode = 'R' | 'W';
interface Cell {
  type: Mode;
  pid: number;
}
interface Owner {
  s: number; // session index
  owner: string;
}

const OWNERS: Owner[] = [
  { s: 0, owner: '1' },
  { s: 0, owner: '2' },
  { s: 1, owner: '1' },
];

interface Op {
  who: number;
  kind: 'lock' | 'unlock' | 'get';
  type: Mode;
  start: number;
  /** N means "to the end" (2^64-1). */
  end: number;
  pid: number;
}

const opArb: fc.Arbitrary<Op> = fc
  .record({
    who: fc.integer({ min: 0, max: OWNERS.length - 1 }),
    kind: fc.constantFrom('lock' as const, 'lock' as const, 'unlock' as const, 'get' as const),
    type: fc.constantFrom('R' as const, 'W' as const),
    start: fc.integer({ min: 0, max: N - 1 }),
    len: fc.integer({ min: 1, max: N + 1 }),
    pid: fc.constantFrom(1, 2),
  })
  .map(({ len, ...o }) => ({ ...o, end: Math.min(N, o.start + len - 1) }));

const endOf = (cell: number): bigint => (cell >= N ? MAX : BigInt(cell));

class Model {
  /** Per owner, per cell. */
  cells: (Cell | undefined)[][] = OWNERS.map(() => new Array<Cell | undefined>(N + 1).fill(undefined));

  conflict(who: number, type: Mode, start: number, end: number): { o: number; cell: number } | undefined {
    // fsmeta reports the first conflict in (session, owner, start) order; OWNERS is listed in that order.
    for (let o = 0; o < OWNERS.length; o++) {
      if (o === who) continue;
      const runs = this.runs(o);
      for (const r of runs) {
        if (r.startCell <= end && start <= r.endCell && (type === 'W' || r.type === 'W')) return { o, cell: r.startCell };
      }
    }
    return undefined;
  }

  set(who: number, cell: Cell | undefined, start: number, end: number): void {
    for (let i = start; i <= end; i++) this.cells[who]![i] = cell;
  }

  /** The owner's records: maximal runs of cells with the same type and pid. */
  runs(o: number): { type: Mode; pid: number; startCell: number; endCell: number }[] {
    const out: { type: Mode; pid: number; startCell: number; endCell: number }[] = [];
    const cells = this.cells[o]!;
    for (let i = 0; i <= N; i++) {
      const c = cells[i];
      if (c === undefined) continue;
      const last = out[out.length - 1];
      if (last !== undefined && last.endCell === i - 1 && last.type === c.type && last.pid === c.pid) last.endCell = i;
      else out.push({ type: c.type, pid: c.pid, startCell: i, endCell: i });
    }
    return out;
  }

  describe(o: number): string[] {
    return this.runs(o).map((r) => `${r.type} ${r.startCell}-${endOf(r.endCell)} ${r.pid}`);
  }
}

let env: TestEnv;
let sessions: Session[];
let seq = 0;

beforeAll(async () => {
  env = await startEnv(1);
  sessions = [await env.session(), await env.session()];
});
afterAll(() => env.stop());

async function held(inode: string): Promise<string[][]> {
  const { sessions: list } = await env.client().call('ListSessions', { withLocks: true });
  return OWNERS.map((o) => {
    const s = list.find((x) => x.sessionId === sessions[o.s]!.id)!;
    return (s.locks as v1.HeldLock__Output[])
      .filter((l) => l.inode === inode && l.owner === o.owner && !l.waiting)
      .map((l) => `${l.type === 'LOCK_TYPE_WRITE' ? 'W' : 'R'} ${l.start}-${l.end} ${l.pid}`);
  });
}

it('SetLk / GetLk agree with a byte-map model of the range algebra', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 20 }), async (ops) => {
      const { attr } = await sessions[0]!.call('Create', { parent: ROOT_INO, name: b(`m${++seq}`), mode: 0o666, flags: 0 });
      const inode = attr!.inode;
      await sessions[1]!.call('Open', { inode, flags: 2 });
      const model = new Model();
      for (const op of ops) {
        const o = OWNERS[op.who]!;
        const s = sessions[o.s]!;
        const range = { start: String(op.start), end: endOf(op.end).toString() };
        if (op.kind === 'get') {
          const got = await s.call('GetLk', { inode, owner: o.owner, type: op.type === 'W' ? 'LOCK_TYPE_WRITE' : 'LOCK_TYPE_READ', ...range });
          const c = model.conflict(op.who, op.type, op.start, op.end);
          if (c === undefined) {
            expect(got.type).toBe('LOCK_TYPE_UNLOCK');
          } else {
            const run = model.runs(c.o).find((r) => r.startCell === c.cell)!;
            const pid = OWNERS[c.o]!.s === o.s ? run.pid : 0;
            expect(`${got.type} ${got.start}-${got.end} ${got.pid}`).toBe(
              `${run.type === 'W' ? 'LOCK_TYPE_WRITE' : 'LOCK_TYPE_READ'} ${run.startCell}-${endOf(run.endCell)} ${pid}`,
            );
          }
          continue;
        }
        const type = op.kind === 'unlock' ? 'LOCK_TYPE_UNLOCK' : op.type === 'W' ? 'LOCK_TYPE_WRITE' : 'LOCK_TYPE_READ';
        const errno = await errnoOf(s.call('SetLk', { inode, owner: o.owner, type, pid: op.pid, block: false, ...range }));
        if (op.kind === 'unlock') {
          expect(errno).toBeUndefined();
          model.set(op.who, undefined, op.start, op.end);
        } else if (model.conflict(op.who, op.type, op.start, op.end) !== undefined) {
          expect(errno).toBe('EAGAIN');
        } else {
          expect(errno).toBeUndefined();
          model.set(op.who, { type: op.type, pid: op.pid }, op.start, op.end);
        }
      }
      expect(await held(inode)).toEqual(OWNERS.map((_, i) => model.describe(i)));
      expect(await checkLockInvariants(env.databaseUrl)).toEqual([]);
      // Their last Closes release everything.
      await sessions[0]!.call('Close', { inode });
      await sessions[1]!.call('Close', { inode });
      expect(await held(inode)).toEqual(OWNERS.map(() => []));
    }),
    { numRuns: 30 },
  );
});
