import * as fs from 'node:fs';

/**
 * Where the machine's CPU went during a phase, from /proc (Linux only; other
 * systems get no CPU line): the server process, this benchmark process, the
 * PostgreSQL processes serving this run, and everything else. Shares are of
 * all cores together.
 */

interface Sample {
  total: number;
  idle: number;
  server: number;
  bench: number;
  /** Jiffies of each PostgreSQL process serving this run, by pid. */
  postgres: Map<number, number>;
}

function procJiffies(stat: string): { comm: string; jiffies: number } {
  // "pid (comm) state ..." - comm may hold spaces; utime and stime are fields 14 and 15.
  const close = stat.lastIndexOf(')');
  const comm = stat.slice(stat.indexOf('(') + 1, close);
  const fields = stat.slice(close + 2).split(' ');
  return { comm, jiffies: Number(fields[11]) + Number(fields[12]) };
}

function readJiffies(pid: number): number {
  try {
    return procJiffies(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')).jiffies;
  } catch {
    return 0;
  }
}

/**
 * A PostgreSQL process serves this run if it is a backend of `database` or
 * one of the cluster's own processes (WAL writer, checkpointer, ...); backends
 * of other databases (someone else's tests) count as "other".
 */
function servesRun(pid: string, database: string): boolean {
  const title = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  const isBackend = /\d+\.\d+\.\d+\.\d+\(\d+\)|\[local\]/.test(title);
  return !isBackend || title.includes(` ${database} `);
}

function sample(serverPid: number, database: string): Sample | undefined {
  let cpu: number[];
  try {
    cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  } catch {
    return undefined;
  }
  // user nice system idle iowait irq softirq steal
  const idle = cpu[3]! + cpu[4]!;
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  const postgres = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const p = procJiffies(fs.readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (p.comm === 'postgres' && servesRun(entry, database)) postgres.set(Number(entry), p.jiffies);
    } catch {
      // The process ended while we looked.
    }
  }
  return { total, idle, server: readJiffies(serverPid), bench: readJiffies(process.pid), postgres };
}

/** Shares of all cores (0..1) used by each party over a phase. */
export interface CpuShares {
  server: number;
  postgres: number;
  bench: number;
  other: number;
  idle: number;
}

/** Starts measuring; the returned function gives the CPU split since then (undefined without /proc). */
export function cpuShares(serverPid: number, database: string): () => CpuShares | undefined {
  const a = sample(serverPid, database);
  return () => {
    const b = sample(serverPid, database);
    if (a === undefined || b === undefined || b.total === a.total) return undefined;
    const all = b.total - a.total;
    const server = (b.server - a.server) / all;
    const bench = (b.bench - a.bench) / all;
    // A process that started during the phase counts in full; one that ended is lost (and shows as other).
    let pg = 0;
    for (const [pid, j] of b.postgres) pg += j - (a.postgres.get(pid) ?? 0);
    const postgres = pg / all;
    const idle = (b.idle - a.idle) / all;
    return { server, postgres, bench, idle, other: Math.max(0, 1 - idle - server - bench - postgres) };
  };
}

/** Starts measuring; the returned function describes the CPU split since then. */
export function cpuSplit(serverPid: number, database: string): () => string {
  const end = cpuShares(serverPid, database);
  return () => {
    const c = end();
    if (c === undefined) return 'cpu split unavailable';
    const pct = (v: number): string => `${Math.round(100 * v)}%`;
    return `cpu of all cores: server ${pct(c.server)}, postgres ${pct(c.postgres)}, bench client ${pct(c.bench)}, other ${pct(c.other)}, idle ${pct(c.idle)}`;
  };
}

/** More than this share of the machine going to other processes makes a line's numbers suspect. */
export const OTHER_CPU_WARNING = 0.1;
