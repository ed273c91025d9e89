import { Client } from 'pg';

interface Rec {
  type: number;
  pid: number;
  start: bigint;
  end: bigint;
}

const F_WRLCK = 1;

function decode(buf: Buffer): Rec[] {
  const out: Rec[] = [];
  for (let o = 0; o + 24 <= buf.length; o += 24) {
    out.push({ type: buf.readUInt32BE(o), pid: buf.readUInt32BE(o + 4), start: buf.readBigUInt64BE(o + 8), end: buf.readBigUInt64BE(o + 16) });
  }
  return out;
}

/**
 * Reads the lock tables straight from PostgreSQL and returns every violated
 * invariant (empty when all hold): an owner's POSIX records are whole 24-byte
 * records, non-empty, sorted, disjoint and normalised (no two touching
 * records with the same type and pid); no two owners hold conflicting locks
 * of one inode (flock: a write lock is alone; POSIX: overlapping ranges are
 * both read locks).
 */
export async function checkLockInvariants(databaseUrl: string): Promise<string[]> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const problems: string[] = [];
    const flocks = (await c.query<{ inode: string; who: string; ltype: string }>(`select inode::text, sid || '/' || owner as who, ltype from flock`)).rows;
    const byInode = new Map<string, { who: string; ltype: string }[]>();
    for (const f of flocks) byInode.set(f.inode, [...(byInode.get(f.inode) ?? []), f]);
    for (const [inode, held] of byInode) {
      if (held.some((h) => h.ltype === 'W') && held.length > 1) problems.push(`flock: inode ${inode} has a write lock and ${held.length - 1} other locks`);
    }
    const plocks = (await c.query<{ inode: string; who: string; records: Buffer }>(`select inode::text, sid || '/' || owner as who, records from plock`)).rows;
    const owners = new Map<string, { who: string; recs: Rec[] }[]>();
    for (const p of plocks) {
      const where = `plock ${p.inode} ${p.who}`;
      if (p.records.length === 0 || p.records.length % 24 !== 0) problems.push(`${where}: ${p.records.length} bytes of records`);
      const recs = decode(p.records);
      recs.forEach((r, i) => {
        if (r.start > r.end) problems.push(`${where}: record ${i} starts after its end`);
        if (r.type !== 0 && r.type !== F_WRLCK) problems.push(`${where}: record ${i} has type ${r.type}`);
        const prev = recs[i - 1];
        if (prev !== undefined && prev.end >= r.start) problems.push(`${where}: records ${i - 1} and ${i} overlap or are out of order`);
        if (prev !== undefined && prev.end + 1n === r.start && prev.type === r.type && prev.pid === r.pid) problems.push(`${where}: records ${i - 1} and ${i} should be one`);
      });
      owners.set(p.inode, [...(owners.get(p.inode) ?? []), { who: p.who, recs }]);
    }
    for (const [inode, list] of owners) {
      for (let i = 0; i < list.length; i++) {
        for (let j = i + 1; j < list.length; j++) {
          for (const a of list[i]!.recs) {
            for (const b of list[j]!.recs) {
              if ((a.type === F_WRLCK || b.type === F_WRLCK) && a.start <= b.end && b.start <= a.end) {
                problems.push(`plock: inode ${inode}: ${list[i]!.who} and ${list[j]!.who} hold conflicting locks`);
              }
            }
          }
        }
      }
    }
    return problems;
  } finally {
    await c.end();
  }
}
