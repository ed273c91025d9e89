import { MetaClient, type Session } from '@fsmeta/client';
import { log, round, runConcurrent, type Rate, type ThroughputLine } from './measure';
import { THROUGHPUT_CASES, type ThroughputParams } from './throughput';

/**
 * Throughput versus replicas (docs/benchmarks.md, "Scale"): the same 64
 * workers spread over 1, 2 and 3 fsmeta replicas on one PostgreSQL. All
 * replicas run through the whole case; only the workers' placement changes,
 * and the replica counts alternate round by round, so drift hits all alike.
 */

/** The cases measured per replica count (by THROUGHPUT_CASES op). */
export const REPLICA_CASES = ['create-private-dirs', 'getattr'];

export interface Replica {
  address: string;
  cpu(): Promise<number>;
}

export interface ReplicaContext {
  /** Every replica that can serve, the first one the main server; at least max(counts). */
  replicas: Replica[];
  counts: number[];
  caller: { uid: number; gid: number; gids: number[] };
  throughput: ThroughputParams;
  /** Sessions opened here are added for heartbeats. */
  sessions: Session[];
  wants(op: string): boolean;
  emit(line: ThroughputLine): void;
  deadlineMs: number;
}

export async function replicaLines(ctx: ReplicaContext): Promise<void> {
  const t = ctx.throughput;
  const clients = ctx.replicas.map((r) => new MetaClient(r.address, { deadlineMs: ctx.deadlineMs }));
  try {
    // One set of sessions per replica count: worker w on replica w % count.
    const sets = new Map<number, Session[]>();
    for (const count of ctx.counts) {
      const set: Session[] = [];
      for (let w = 0; w < t.concurrency; w++) set.push(await clients[w % count]!.newSession(ctx.caller, { hostName: `bench-r${count}-${w}` }));
      ctx.sessions.push(...set);
      sets.set(count, set);
    }
    for (const c of THROUGHPUT_CASES.filter((x) => REPLICA_CASES.includes(x.op))) {
      const op = `${c.op}@${t.concurrency}-replicas`;
      if (!ctx.wants(op)) continue;
      const subjects = new Map<number, (w: number) => Promise<unknown>>();
      for (const count of ctx.counts) subjects.set(count, await c.prepare(sets.get(count)!, `-r${count}`));
      for (const count of ctx.counts) await runConcurrent(t.concurrency, t.warmupSeconds * 1000, subjects.get(count)!);
      const rates = new Map<number, Rate[]>(ctx.counts.map((n) => [n, []]));
      const cpu = new Map<number, number>(ctx.counts.map((n) => [n, 0]));
      const cpuNow = async (count: number): Promise<number> => {
        let sum = 0;
        for (const r of ctx.replicas.slice(0, count)) sum += await r.cpu();
        return sum;
      };
      const sliceMs = (t.seconds * 1000) / t.rounds;
      for (let r = 0; r < t.rounds; r++) {
        for (const count of ctx.counts) {
          const c0 = await cpuNow(count);
          rates.get(count)!.push(await runConcurrent(t.concurrency, sliceMs, subjects.get(count)!));
          cpu.set(count, cpu.get(count)! + (await cpuNow(count)) - c0);
        }
      }
      const perSec = (rs: Rate[]): number => (rs.reduce((s, x) => s + x.ops, 0) * 1000) / Math.max(1, rs.reduce((s, x) => s + x.ms, 0));
      const one = perSec(rates.get(ctx.counts[0]!)!);
      for (const count of ctx.counts) {
        const rs = rates.get(count)!;
        const ops = rs.reduce((s, x) => s + x.ops, 0);
        ctx.emit({
          op,
          replicas: count,
          opsPerSec: Math.round(perSec(rs)),
          baseline: `${c.op}@${t.concurrency} on ${ctx.counts[0]} replica${ctx.counts[0] === 1 ? '' : 's'}`,
          baselineOpsPerSec: Math.round(one),
          ratio: round(one === 0 ? 0 : perSec(rs) / one, 3),
          // All replicas serving this count together.
          serverCpuUsPerOp: round(cpu.get(count)! / Math.max(1, ops), 1),
        });
      }
      log(`${op}: rounds ${ctx.counts.map((n) => `${n} replica(s) [${rates.get(n)!.map((x) => Math.round((x.ops * 1000) / x.ms)).join(', ')}]`).join('; ')} ops/s`);
    }
  } finally {
    for (const c of clients) c.close();
  }
}
