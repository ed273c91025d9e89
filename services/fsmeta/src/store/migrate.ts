import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';

/** SQL migrations live next to the store code, numbered, forward-only. */
export const MIGRATIONS_DIR = path.resolve(__dirname, '../../src/store/migrations');
/** pg_advisory_lock key shared by every replica: migrations run one at a time (negative: positive keys are inodes). */
const MIGRATION_LOCK_KEY = -7_362_847_125;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f, sql: fs.readFileSync(path.join(dir, f), 'utf8') }));
}

/**
 * Applies pending migrations under a session advisory lock, each in its own
 * transaction. Safe when several replicas start at once: the others wait, then
 * find nothing left to do. Returns the names applied.
 */
export async function migrate(connectionString: string): Promise<string[]> {
  const client = new Client({ connectionString, application_name: 'fsmeta-migrate' });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(
      `create table if not exists schema_migration (
         version integer primary key, name text not null, applied_at timestamptz not null default now())`,
    );
    const done = new Set((await client.query<{ version: number }>('select version from schema_migration')).rows.map((r) => r.version));
    const applied: string[] = [];
    for (const m of loadMigrations()) {
      if (done.has(m.version)) continue;
      await client.query('begin');
      try {
        await client.query(m.sql);
        await client.query('insert into schema_migration (version, name) values ($1, $2)', [m.version, m.name]);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw new Error(`migration ${m.name} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      applied.push(m.name);
    }
    return applied;
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

