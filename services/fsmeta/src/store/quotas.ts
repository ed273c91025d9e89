import type { PoolClient } from 'pg';
import type { Tx } from './db';

/**
 * Quota SQL: limits that are exact at commit on any number of replicas, without a hot row.
 *
 * Usage is striped over SHARDS rows per quota (the volume's in `usage_shard`, every other quota's in
 * `quota_shard`), one per backend (`pg_backend_pid() % SHARDS`), changed by the mutation's own
 * statement (SQL function `fsmeta_charge`, migration 0005). A shard may grow only up to its
 * allowance (`*_grant`), and the allowances of one quota never sum past its limit, so nothing can
 * overshoot it. A shard that runs out fails its statement with FQ001; Db.transaction rolls back,
 * refills the allowance here on the same connection (so the same shard) and runs the transaction
 * again. A refill serialises on the quota (its row, or an advisory key for the volume), hands out
 * part of what is not granted, else takes back the unused allowance of idle shards (SKIP LOCKED),
 * else of every shard (waiting for the transactions holding them), and only then says the limit is
 * reached: ENOSPC or EDQUOT, decided against the exact usage.
 *
 * Quota structure (which quotas exist, which directories they cover) changes under the
 * structure lock: every transaction takes one of STRUCTURE_STRIPES advisory keys shared when it
 * begins (before any row lock); SetQuota, DeleteQuota, a directory moving between quota trees and a
 * Format changing limits take all of them exclusively, so their recounts see no change in flight.
 */

export const SHARDS = 64;
export const KIND_VOLUME = 0;
export const KIND_DIRECTORY = 1;
export const KIND_USER = 2;
export const KIND_GROUP = 3;
export type QuotaKind = 1 | 2 | 3;

export const ALLOWANCE_SQLSTATE = 'FQ001';
/** Refills one transaction may ask for before it gives up (each refill at least covers its need). */
export const MAX_REFILLS = 200;
/** A refill hands out at least this share of what is not granted yet, so busy shards refill rarely. */
const GRANT_DIVISOR = 16n;

export type StructureLock = 'shared' | 'exclusive';
const STRUCTURE_KEY_BASE = -7_362_848_000;
const STRUCTURE_STRIPES = 16;
/** The volume's allowance refills serialise on this advisory key (directory/user/group ones on their quota row). */
const VOLUME_GRANT_KEY = -7_362_847_124;

/**
 * A transaction's setup after BEGIN, one prepared statement (planned once per connection, not
 * parsed at every BEGIN): SET LOCAL lock_timeout to $1 (milliseconds, as text), then the
 * quota-structure lock (structureLockSql); the FROM item is evaluated first, so the timeout
 * bounds the wait for that lock too.
 */
export function transactionSetupSql(mode: StructureLock): string {
  return mode === 'shared'
    ? `select pg_advisory_xact_lock_shared(${STRUCTURE_KEY_BASE} - pg_backend_pid() % ${STRUCTURE_STRIPES}) from (select set_config('lock_timeout', $1, true)) t`
    : `select count(pg_advisory_xact_lock(${STRUCTURE_KEY_BASE} - g)) from (select set_config('lock_timeout', $1, true)) t, generate_series(0, ${STRUCTURE_STRIPES - 1}) g`;
}

/** The quota-structure lock: shared on this backend's stripe, or exclusive on all (ascending). */
export function structureLockSql(mode: StructureLock): string {
  return mode === 'shared'
    ? `select pg_advisory_xact_lock_shared(${STRUCTURE_KEY_BASE} - pg_backend_pid() % ${STRUCTURE_STRIPES})`
    : `select pg_advisory_xact_lock(${STRUCTURE_KEY_BASE} - g) from generate_series(0, ${STRUCTURE_STRIPES - 1}) g`;
}

/** A limit is reached: the volume's (ENOSPC) or a quota's (EDQUOT). */
export class LimitExceeded extends Error {
  constructor(
    readonly kind: number,
    readonly key: bigint,
  ) {
    super(kind === KIND_VOLUME ? 'the volume is full' : `quota ${kind}:${key} exceeded`);
    this.name = 'LimitExceeded';
  }
}

export interface AllowanceNeed {
  kind: number;
  key: bigint;
  space: bigint;
  inodes: bigint;
}

export function parseAllowanceError(err: unknown): AllowanceNeed | undefined {
  const detail = typeof err === 'object' && err !== null && 'detail' in err ? String((err as { detail: unknown }).detail) : '';
  const parts = detail.split(' ');
  if (parts.length !== 4 || !parts.every((p) => /^-?\d+$/.test(p))) return undefined;
  return { kind: Number(parts[0]), key: BigInt(parts[1]!), space: BigInt(parts[2]!), inodes: BigInt(parts[3]!) };
}

interface ShardRow {
  shard: number;
  space: bigint;
  inodes: bigint;
  space_grant: bigint | null;
  inode_grant: bigint | null;
}

/** The shard table and the condition selecting one quota's rows ($1 kind, $2 key; the volume ignores them). */
function shardTable(kind: number): { table: string; where: string } {
  return kind === KIND_VOLUME
    ? { table: 'usage_shard', where: '($1::smallint = 0 and $2::bigint = 0)' }
    : { table: 'quota_shard', where: 'kind = $1 and key = $2' };
}

async function limitsFor(tx: Tx, kind: number, key: bigint, lock: boolean): Promise<{ space: bigint; inodes: bigint } | undefined> {
  if (kind === KIND_VOLUME) {
    if (lock) await tx.query(`select pg_advisory_xact_lock(${VOLUME_GRANT_KEY})`, [], 'lock-volume-grants');
    const rows = await tx.query<{ capacity: string | null; inodes: string | null }>(
      `select value->>'capacity' as capacity, value->>'inodes' as inodes from setting where name = 'format'`,
      [],
      'volume-limits',
    );
    const r = rows[0];
    return { space: BigInt(r?.capacity ?? '0'), inodes: BigInt(r?.inodes ?? '0') };
  }
  const rows = await tx.query<{ max_space: bigint; max_inodes: bigint }>(
    `select max_space, max_inodes from quota where kind = $1 and key = $2${lock ? ' for update' : ''}`,
    [kind, key],
    lock ? 'lock-quota' : 'read-quota',
  );
  return rows[0] && { space: rows[0].max_space, inodes: rows[0].max_inodes };
}

type Dim = 'space' | 'inodes';
const GRANT: Record<Dim, 'space_grant' | 'inode_grant'> = { space: 'space_grant', inodes: 'inode_grant' };

/**
 * Gives this backend's shard of the quota at least `need` more allowance, in its own transaction on
 * `client` (the connection whose statement ran out). Returns false when the limit leaves no room:
 * the quota's exact usage plus the need would pass it.
 */
export async function refillAllowance(client: PoolClient, need: AllowanceNeed): Promise<boolean> {
  const query: Tx['query'] = async (text, values, name) => (await client.query({ text, values, name })).rows;
  const send: Tx['send'] = async (text, values, name) => {
    await query(text, values, name);
  };
  const tx: Tx = { query, send, finish: query, fast: false };
  await client.query('begin');
  try {
    const granted = await refillTx(tx, need);
    await client.query('commit');
    return granted;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
}

async function refillTx(tx: Tx, need: AllowanceNeed): Promise<boolean> {
  const { table, where } = shardTable(need.kind);
  // Full already? Committed usage only grows by charges that fit an allowance, so if it leaves no
  // room for the need now, the limit is reached now: answer without queueing on the quota's lock.
  const seen = await limitsFor(tx, need.kind, need.key, false);
  if (seen === undefined) return true;
  const totals = await tx.query<{ space: bigint | null; inodes: bigint | null }>(
    `select sum(space)::bigint as space, sum(inodes)::bigint as inodes from ${table} where ${where}`,
    [need.kind, need.key],
    `sum-shards-${table}`,
  );
  const usedSpace = totals[0]?.space ?? 0n;
  const usedInodes = totals[0]?.inodes ?? 0n;
  if ((need.space > 0n && seen.space > 0n && usedSpace + need.space > seen.space) || (need.inodes > 0n && seen.inodes > 0n && usedInodes + need.inodes > seen.inodes)) {
    return false;
  }
  const limits = await limitsFor(tx, need.kind, need.key, true);
  // The quota went away meanwhile: the retry will not charge it.
  if (limits === undefined) return true;
  const me = Number((await tx.query<{ s: number }>(`select pg_backend_pid() % ${SHARDS} as s`, [], 'my-shard'))[0]!.s);
  const dims: Dim[] = [];
  if (need.space > 0n) dims.push('space');
  if (need.inodes > 0n) dims.push('inodes');
  const limitOf = (d: Dim): bigint => (d === 'space' ? limits.space : limits.inodes);
  const needOf = (d: Dim): bigint => (d === 'space' ? need.space : need.inodes);
  const read = (lock: '' | 'skip' | 'wait') =>
    tx.query<ShardRow>(
      `select shard, space, inodes, space_grant, inode_grant from ${table} where ${where} order by shard${
        lock === 'skip' ? ' for update skip locked' : lock === 'wait' ? ' for update' : ''
      }`,
      [need.kind, need.key],
      `read-shards-${table}-${lock || 'plain'}`,
    );

  // Grants change only under the lock limitsFor took, so a plain read gives their true sum.
  let rows = await read('');
  for (let phase = 0; ; phase++) {
    const short: Dim[] = [];
    const give = new Map<Dim, bigint>();
    for (const d of dims) {
      const limit = limitOf(d);
      const mine = rows.find((r) => r.shard === me);
      const myGrant = mine?.[GRANT[d]];
      if (limit <= 0n || mine === undefined || myGrant === null || myGrant === undefined) continue; // unlimited
      const want = mine[d] + needOf(d) - myGrant;
      if (want <= 0n) continue; // already enough (another backend on this shard gave some back)
      const granted = rows.reduce((sum, r) => sum + (r[GRANT[d]] ?? r[d]), 0n);
      const pool = limit - granted;
      if (pool >= want) {
        const share = pool / GRANT_DIVISOR;
        give.set(d, share > want ? share : want);
      } else {
        short.push(d);
      }
    }
    if (short.length === 0) {
      for (const [d, amount] of give) {
        await tx.query(
          `update ${table} set ${GRANT[d]} = ${GRANT[d]} + $3 where ${where} and shard = $4`,
          [need.kind, need.key, amount, me],
          `grant-${table}-${d}`,
        );
      }
      return true;
    }
    if (phase === 2) return false;
    // Take back what other shards were given and have not used: idle ones first, then all of them.
    const others = phase === 0 ? 'shard in (select shard from ' + table + ' where ' + where + ' and shard <> $3 for update skip locked)' : 'shard <> $3';
    await tx.query(
      `update ${table} set space_grant = case when space_grant is null then null else space end,
                           inode_grant = case when inode_grant is null then null else inodes end
        where ${where} and ${others}`,
      [need.kind, need.key, me],
      `reclaim-${table}-${phase}`,
    );
    rows = await read('');
  }
}

/**
 * Sets every shard's allowance to its own usage (or null where the dimension is unlimited): what a
 * limit change needs before refills hand out allowance against the new limit. Run under the
 * exclusive structure lock, so no mutation holds a shard; it also waits for refills in flight.
 */
export async function resetGrants(tx: Tx, kind: number, key: bigint, maxSpace: bigint, maxInodes: bigint): Promise<void> {
  const { table, where } = shardTable(kind);
  if (kind === KIND_VOLUME) await tx.query(`select pg_advisory_xact_lock(${VOLUME_GRANT_KEY})`, [], 'lock-volume-grants');
  await tx.query(
    `update ${table} set space_grant = case when $3::bigint > 0 then space end, inode_grant = case when $4::bigint > 0 then inodes end
      where ${where}`,
    [kind, key, maxSpace, maxInodes],
    `reset-grants-${table}`,
  );
}

/**
 * After the volume's totals were set outright (fsck repair, a metadata load): every shard's
 * allowance becomes its usage again where the volume has a limit, so allowances still never sum
 * past it. Waits for refills in flight.
 */
export async function resyncVolumeGrants(tx: Tx): Promise<void> {
  await tx.query(`select pg_advisory_xact_lock(${VOLUME_GRANT_KEY})`, [], 'lock-volume-grants');
  await tx.query(
    `update usage_shard set space_grant = case when space_grant is null then null else space end,
                            inode_grant = case when inode_grant is null then null else inodes end`,
    [],
    'resync-volume-grants',
  );
}

export interface QuotaRow {
  kind: QuotaKind;
  key: bigint;
  maxSpace: bigint;
  maxInodes: bigint;
  usedSpace: bigint;
  usedInodes: bigint;
}

const QUOTA_SELECT = `select q.kind, q.key, q.max_space, q.max_inodes,
         coalesce(sum(s.space), 0)::bigint as used_space, coalesce(sum(s.inodes), 0)::bigint as used_inodes
    from quota q left join quota_shard s on s.kind = q.kind and s.key = q.key`;

interface RawQuota {
  kind: number;
  key: bigint;
  max_space: bigint;
  max_inodes: bigint;
  used_space: bigint;
  used_inodes: bigint;
}

function toQuota(r: RawQuota): QuotaRow {
  return { kind: r.kind as QuotaKind, key: r.key, maxSpace: r.max_space, maxInodes: r.max_inodes, usedSpace: r.used_space, usedInodes: r.used_inodes };
}

/** One quota with its exact usage (the sum of its shards). */
export async function getQuota(q: Tx, kind: QuotaKind, key: bigint): Promise<QuotaRow | undefined> {
  const rows = await q.query<RawQuota>(`${QUOTA_SELECT} where q.kind = $1 and q.key = $2 group by q.kind, q.key`, [kind, key], 'get-quota');
  return rows[0] && toQuota(rows[0]);
}

export async function listQuotas(q: Tx, kind: QuotaKind | 0): Promise<QuotaRow[]> {
  const rows = await q.query<RawQuota>(
    `${QUOTA_SELECT} where $1::smallint = 0 or q.kind = $1 group by q.kind, q.key order by q.kind, q.key`,
    [kind],
    'list-quotas',
  );
  return rows.map(toQuota);
}

/**
 * Creates or changes a quota (under the exclusive structure lock). A new quota starts with `used`
 * in shard 0 (its recount) and allowances equal to usage; a changed one keeps its usage.
 */
export async function putQuota(tx: Tx, kind: QuotaKind, key: bigint, maxSpace: bigint, maxInodes: bigint, used?: { space: bigint; inodes: bigint }): Promise<void> {
  await tx.query(
    `insert into quota (kind, key, max_space, max_inodes) values ($1, $2, $3, $4)
     on conflict (kind, key) do update set max_space = excluded.max_space, max_inodes = excluded.max_inodes`,
    [kind, key, maxSpace, maxInodes],
    'put-quota',
  );
  if (used !== undefined) {
    await tx.query(
      `insert into quota_shard (kind, key, shard, space, inodes)
       select $1, $2, g, case when g = 0 then $3::bigint else 0 end, case when g = 0 then $4::bigint else 0 end
         from generate_series(0, ${SHARDS - 1}) g
       on conflict (kind, key, shard) do nothing`,
      [kind, key, used.space, used.inodes],
      'create-quota-shards',
    );
  }
  await resetGrants(tx, kind, key, maxSpace, maxInodes);
}

export async function deleteQuota(tx: Tx, kind: QuotaKind, key: bigint): Promise<boolean> {
  const rows = await tx.query('delete from quota where kind = $1 and key = $2 returning 1', [kind, key], 'delete-quota');
  return rows.length > 0;
}

/** Usage of the subtree under a directory (not the directory itself), counted per entry as directory quotas count it. */
export async function subtreeUsage(q: Tx, dir: bigint): Promise<{ space: bigint; inodes: bigint }> {
  const rows = await q.query<{ space: bigint; inodes: bigint }>('select space, inodes from fsmeta_subtree_usage($1)', [dir], 'subtree-usage');
  return { space: rows[0]?.space ?? 0n, inodes: rows[0]?.inodes ?? 0n };
}

/**
 * Space and inodes of every inode owned by a user (kind 2) or group (kind 3), counted once per
 * inode; the trash's own directories (inodes from JuiceFS's TrashInode) are nobody's.
 */
export async function ownerUsage(q: Tx, kind: 2 | 3, id: bigint): Promise<{ space: bigint; inodes: bigint }> {
  const rows = await q.query<{ space: bigint; inodes: bigint }>(
    `select coalesce(sum(case when type = 1 then (case when length <= 0 then 4096 else ((length + 4095) / 4096) * 4096 end) else 4096 end), 0)::bigint as space,
            count(*)::bigint as inodes
       from node where ${kind === KIND_USER ? 'uid' : 'gid'} = $1 and inode < 9223372032559808512`,
    [id],
    `owner-usage-${kind}`,
  );
  return { space: rows[0]?.space ?? 0n, inodes: rows[0]?.inodes ?? 0n };
}

/** The directory quotas over `dir` (its own included), nearest first. */
export async function dirQuotasOver(q: Tx, dir: bigint): Promise<bigint[]> {
  const rows = await q.query<{ key: bigint }>('select fsmeta_dir_quotas($1) as key', [dir], 'dir-quotas-over');
  return rows.map((r) => r.key);
}

/**
 * Charges a change through `fsmeta_charge` as a statement of its own (paths that are not one
 * statement already). `dirs`: the directories holding the entries the change counts under.
 */
export async function charge(tx: Tx, c: Charge): Promise<void> {
  await tx.send(`select ${CHARGE_CALL}`, chargeParams(c), 'charge');
}

export interface Charge {
  uid?: number;
  gid?: number;
  /** Volume, user and group change. */
  space: bigint;
  inodes: bigint;
  /** Directories whose quotas (and statistics) change by dirSpace/dirInodes/dirLength, once per entry. */
  dirs?: bigint[];
  dirSpace?: bigint;
  dirInodes?: bigint;
  dirLength?: bigint;
  /** Change of symlink entries in each of `dirs` (directory statistics only). */
  dirSymlinks?: bigint;
}

const CHARGE_CALL = 'fsmeta_charge($1::bigint, $2::bigint, $3::bigint, $4::bigint, $5::bigint[], $6::bigint, $7::bigint, $8::bigint, $9::bigint)';

function chargeParams(c: Charge): unknown[] {
  return [c.uid ?? null, c.gid ?? null, c.space, c.inodes, c.dirs ?? null, c.dirSpace ?? 0n, c.dirInodes ?? 0n, c.dirLength ?? 0n, c.dirSymlinks ?? 0n];
}

/** Charges the quotas over a set of directories directly (a rename moving usage between quota trees). */
export async function chargeQuotas(tx: Tx, keys: bigint[], space: bigint, inodes: bigint): Promise<void> {
  if (keys.length === 0 || (space === 0n && inodes === 0n)) return;
  await tx.query(
    `select fsmeta_charge_shard(1::smallint, k, $2::bigint, $3::bigint) from unnest($1::bigint[]) with ordinality as t(k, i) order by i`,
    [keys, space, inodes],
    'charge-quotas',
  );
}

/** Forgets the quota and statistics of a removed directory. */
export async function dropDirAccounting(tx: Tx, dir: bigint): Promise<void> {
  await tx.query(
    'with q as (delete from quota where kind = 1 and key = $1) delete from dir_stat where inode = $1',
    [dir],
    'drop-dir-accounting',
  );
}

/** The directories holding a link to `inode`, once per link. */
export async function linkParents(q: Tx, inode: bigint): Promise<bigint[]> {
  const rows = await q.query<{ parent: bigint }>('select parent from edge where inode = $1', [inode], 'link-parents');
  return rows.map((r) => r.parent);
}

/** fsmeta_move as a statement of its own (renames that replace or exchange an entry); false: a recount needs the exclusive structure lock. */
export async function moveAccounting(tx: Tx, src: bigint, dst: bigint, moved: bigint, mayRecount: boolean): Promise<boolean> {
  const rows = await tx.query<{ ok: boolean }>('select fsmeta_move($1, $2, $3, $4) as ok', [src, dst, moved, mayRecount], 'move-accounting');
  return rows[0]?.ok !== false;
}

/** A chown moves the inode's space and inode between the owners' user / group quotas (checked). */
export async function chargeOwnerChange(tx: Tx, from: { uid: number; gid: number }, to: { uid: number; gid: number }, space: bigint): Promise<void> {
  await tx.query('select fsmeta_chown($1, $2, $3, $4, $5)', [from.uid, from.gid, to.uid, to.gid, space], 'charge-chown');
}

export interface QuotaDrift {
  kind: QuotaKind;
  key: bigint;
  maxSpace: bigint;
  maxInodes: bigint;
  usedSpace: bigint;
  usedInodes: bigint;
  countedSpace: bigint;
  countedInodes: bigint;
}

/**
 * The one recount of quota usage (`fsmeta quota check`, fsck's quota-usage check, their repairs):
 * every quota whose usage (the sum of its shards) differs from a recount; directory quotas over
 * the subtree (fsmeta_subtree_usage), user and group quotas over every inode the id owns outside
 * the trash (as ownerUsage). $1/$2: one quota's kind and key, or null for all.
 */
export const QUOTA_DRIFT_SQL = `
  with chosen as (select q.kind, q.key, q.max_space, q.max_inodes, u.space as used_space, u.inodes as used_inodes
                    from quota q
                    cross join lateral (select coalesce(sum(s.space), 0)::bigint as space, coalesce(sum(s.inodes), 0)::bigint as inodes
                                          from quota_shard s where s.kind = q.kind and s.key = q.key) u
                   where $1::smallint is null or (q.kind = $1 and q.key = $2::bigint)),
       counted as (select c.*, t.space as counted_space, t.inodes as counted_inodes
                     from chosen c cross join lateral fsmeta_subtree_usage(c.key) t where c.kind = 1
                   union all
                   select c.*, t.space, t.inodes
                     from chosen c
                     cross join lateral (select coalesce(sum(case when n.type = 1 then (case when n.length <= 0 then 4096 else ((n.length + 4095) / 4096) * 4096 end) else 4096 end), 0)::bigint as space,
                                                count(*)::bigint as inodes
                                           from node n where (case when c.kind = 2 then n.uid else n.gid end) = c.key and n.inode < 9223372032559808512) t
                    where c.kind in (2, 3))
  select * from counted where used_space <> counted_space or used_inodes <> counted_inodes order by kind, key`;

interface RawDrift {
  kind: number;
  key: bigint;
  max_space: bigint;
  max_inodes: bigint;
  used_space: bigint;
  used_inodes: bigint;
  counted_space: bigint;
  counted_inodes: bigint;
}

/** QUOTA_DRIFT_SQL's findings (one statement, one snapshot), of every quota or of one. */
export async function quotaDrift(q: Tx, only?: { kind: QuotaKind; key: bigint }): Promise<QuotaDrift[]> {
  const rows = await q.query<RawDrift>(QUOTA_DRIFT_SQL, [only?.kind ?? null, only?.key ?? null], 'quota-drift');
  return rows.map((r) => ({
    kind: r.kind as QuotaKind, key: r.key, maxSpace: r.max_space, maxInodes: r.max_inodes,
    usedSpace: r.used_space, usedInodes: r.used_inodes, countedSpace: r.counted_space, countedInodes: r.counted_inodes,
  }));
}

/**
 * Sets every drifted quota (of all, or of one) to its recount: shard 0 holds the usage, the others
 * nothing, allowances equal usage again. Run under the exclusive structure lock, so no change is
 * in flight and the recount is what every later charge starts from. Returns what was set.
 */
export async function repairQuotaUsage(tx: Tx, only?: { kind: QuotaKind; key: bigint }): Promise<QuotaDrift[]> {
  const drift = await quotaDrift(tx, only);
  for (const d of drift) {
    await tx.query(
      `update quota_shard set space = case when shard = 0 then $3::bigint else 0 end, inodes = case when shard = 0 then $4::bigint else 0 end
        where kind = $1 and key = $2`,
      [d.kind, d.key, d.countedSpace, d.countedInodes],
      'repair-quota-usage',
    );
    await resetGrants(tx, d.kind, d.key, d.maxSpace, d.maxInodes);
  }
  return drift;
}
