import { MIGRATIONS_DIR, loadMigrations, migrate, startEmbedded } from '@fsmeta/fsmeta';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';


/**
 * Test database discovery: $FSMETA_TEST_DATABASE_URL, else a PostgreSQL
 * answering on 127.0.0.1:5432, else an embedded PostgreSQL started for the
 * run. Each test file gets a fresh database cloned from a migrated template.
 */
export const ADMIN_URL_ENV = 'FSMETA_TEST_ADMIN_URL';
const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

async function answers(url: string): Promise<boolean> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

export interface DiscoveredDatabase {
  adminUrl: string;
  stop?: () => Promise<void>;
}

export async function discoverDatabase(): Promise<DiscoveredDatabase> {
  const given = process.env.FSMETA_TEST_DATABASE_URL;
  if (given !== undefined && given !== '') return { adminUrl: given };
  // FSMETA_TEST_EMBEDDED=1 skips the local server, to exercise a fresh machine's path.
  if (process.env.FSMETA_TEST_EMBEDDED !== '1' && (await answers(LOCAL_URL))) return { adminUrl: LOCAL_URL };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsmeta-test-pg-'));
  fs.chmodSync(dir, 0o755);
  const embedded = await startEmbedded(dir, () => undefined);
  return {
    adminUrl: embedded.url,
    stop: async () => {
      await embedded.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** The template's name changes with the migrations, so a stale one is never cloned. */
export function templateName(): string {
  const h = createHash('sha256');
  for (const m of loadMigrations(MIGRATIONS_DIR)) h.update(m.name).update(m.sql);
  return `fsmeta_tpl_${h.digest('hex').slice(0, 12)}`;
}

async function admin<T>(adminUrl: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Creates (once) and migrates the template database. */
export async function prepareTemplate(adminUrl: string): Promise<void> {
  const name = templateName();
  await admin(adminUrl, async (c) => {
    await c.query('select pg_advisory_lock(4242)');
    try {
      const exists = await c.query('select 1 from pg_database where datname = $1', [name]);
      if (exists.rowCount === 0) {
        await c.query(`create database ${name}_tmp`).catch(async () => {
          await c.query(`drop database ${name}_tmp`);
          await c.query(`create database ${name}_tmp`);
        });
        await migrate(withDatabase(adminUrl, `${name}_tmp`));
        await c.query(`alter database ${name}_tmp rename to ${name}`);
      }
    } finally {
      await c.query('select pg_advisory_unlock(4242)');
    }
  });
}

/** A fresh database for one test file, cloned from the template. */
export async function createTestDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `fsmeta_t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await admin(adminUrl, (c) => c.query(`create database ${name} template ${templateName()}`));
  return {
    url: withDatabase(adminUrl, name),
    drop: () => admin(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}
