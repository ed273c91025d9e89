import type { Tx } from './db';

/** The volume's settings row ('format'), stored as JSON. */

export async function getSetting<T>(q: Tx, name: string): Promise<T | undefined> {
  const rows = await q.query<{ value: T }>('select value from setting where name = $1', [name], 'get-setting');
  return rows[0]?.value;
}

export async function putSetting(tx: Tx, name: string, value: unknown): Promise<void> {
  await tx.query(
    `insert into setting (name, value) values ($1, $2) on conflict (name) do update set value = excluded.value`,
    [name, JSON.stringify(value)],
  );
}

/** Serialises Format calls across replicas for the rest of the transaction (negative key: positive keys are inodes). */
export async function lockVolume(tx: Tx): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(-7362847126)');
}
