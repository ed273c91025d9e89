import { discoverDatabase, prepareTemplate, ADMIN_URL_ENV } from './database';

/** Finds (or starts) PostgreSQL once per run and migrates the template database. */
export default async function globalSetup(): Promise<void> {
  const db = await discoverDatabase();
  process.env[ADMIN_URL_ENV] = db.adminUrl;
  await prepareTemplate(db.adminUrl);
  (globalThis as { __fsmetaStopDb?: () => Promise<void> }).__fsmetaStopDb = db.stop;
}
