import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import { FsError } from '../meta/errors';
import { KIND_DIRECTORY, KIND_GROUP, KIND_USER, type QuotaKind, type QuotaRow } from '../meta/quotas';
import { CliError, DB_OPTIONS, DB_OPTIONS_HELP, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, bytes, table, type Admin, type Command, type Parsed } from './command';
import { resolveTarget } from './info';

const GIB = 1n << 30n;
const KIND_NAMES: Record<number, string> = { 1: 'directory', 2: 'user', 3: 'group' };

/** The quota a command names: --path (a directory), --uid or --gid. */
async function target(admin: Admin, args: Parsed, required: boolean): Promise<{ kind: QuotaKind; key: bigint; label: string } | undefined> {
  const { path, uid, gid } = args.values as { path?: string; uid?: string; gid?: string };
  const given = [path, uid, gid].filter((v) => v !== undefined).length;
  if (given > 1) throw new CliError('give one of --path, --uid, --gid', EXIT_USAGE);
  if (given === 0) {
    if (required) throw new CliError('give --path, --uid or --gid', EXIT_USAGE);
    return undefined;
  }
  const id = (v: string, flag: string) => {
    if (!/^\d+$/.test(v) || BigInt(v) > 0xffffffffn) throw new CliError(`${flag}: "${v}" is not a uid/gid`, EXIT_USAGE);
    return BigInt(v);
  };
  if (uid !== undefined) return { kind: KIND_USER, key: id(uid, '--uid'), label: `user ${uid}` };
  if (gid !== undefined) return { kind: KIND_GROUP, key: id(gid, '--gid'), label: `group ${gid}` };
  return { kind: KIND_DIRECTORY, key: await resolveTarget(admin.db.reader, path!), label: path! };
}

function limit(v: unknown, flag: string, unit: bigint): bigint | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new CliError(`${flag}: "${String(v)}" is not a whole number`, EXIT_USAGE);
  return BigInt(v) * unit;
}

function quotaJson(q: QuotaRow) {
  return { kind: KIND_NAMES[q.kind], key: q.key, maxSpace: q.maxSpace, maxInodes: q.maxInodes, usedSpace: q.usedSpace, usedInodes: q.usedInodes };
}

function quotaLines(rows: QuotaRow[]): string[] {
  return table(
    ['KIND', 'KEY', 'SPACE', 'LIMIT', 'INODES', 'LIMIT'],
    rows.map((q) => [
      KIND_NAMES[q.kind]!, q.key.toString(), bytes(q.usedSpace), q.maxSpace > 0n ? bytes(q.maxSpace) : 'unlimited',
      q.usedInodes.toString(), q.maxInodes > 0n ? q.maxInodes.toString() : 'unlimited',
    ]),
  );
}

/** Runs `fn` as root in a short session of the CLI's own (quota changes are mutations: idempotent, logged). */
async function asRoot<T>(admin: Admin, fn: (ctx: { sessionId: bigint; requestId: string; caller: { uid: number; gid: number; gids: number[] } }) => Promise<T>): Promise<T> {
  const sid = await admin.meta.sessions.open({ version: 'fsmeta-cli', hostName: os.hostname(), ipAddrs: [], mountPoint: '', processId: process.pid }, false);
  try {
    return await fn({ sessionId: sid, requestId: randomUUID(), caller: { uid: 0, gid: 0, gids: [] } });
  } finally {
    await admin.meta.sessions.close(sid);
  }
}

/** `fsmeta quota set|get|list|delete|check` (as `juicefs quota`). */
export const quota: Command = {
  name: 'quota',
  summary: 'directory, user and group quotas: set, get, list, delete, check',
  usage: `usage: fsmeta quota set (--path DIR | --uid N | --gid N) [--capacity GiB] [--inodes N] [flags]
       fsmeta quota get (--path DIR | --uid N | --gid N) [flags]
       fsmeta quota list [flags]
       fsmeta quota delete (--path DIR | --uid N | --gid N) [flags]
       fsmeta quota check [--path DIR | --uid N | --gid N] [--repair] [flags]

Quotas as JuiceFS's: a directory quota counts everything below the directory,
a user or group quota every inode the id owns. A limit of 0 is unlimited;
a new quota starts with the usage already there. \`check\` recounts usage
and compares (exit 1 when they differ); --repair sets the recount.

flags:
  --path DIR          a directory (from the volume root)
  --uid N, --gid N    a user or group quota
  --capacity GiB      space limit in GiB (as juicefs quota set); 0 = unlimited
  --inodes N          inode limit; 0 = unlimited
  --repair            (check) set usage to the recount
${DB_OPTIONS_HELP}`,
  options: {
    ...DB_OPTIONS,
    path: { type: 'string' }, uid: { type: 'string' }, gid: { type: 'string' },
    capacity: { type: 'string' }, inodes: { type: 'string' }, repair: { type: 'boolean' },
  },
  async run(ctx, args) {
    const action = args.positionals[0];
    if (!['set', 'get', 'list', 'delete', 'check'].includes(action ?? '')) {
      throw new CliError(`quota: ${action === undefined ? 'an action is needed' : `unknown action "${action}"`} (set, get, list, delete, check)`, EXIT_USAGE);
    }
    const capacity = limit(args.values.capacity, '--capacity', GIB);
    const inodes = limit(args.values.inodes, '--inodes', 1n);
    const admin = await ctx.connect();
    const { meta } = admin;
    try {
      switch (action) {
        case 'set': {
          const t = (await target(admin, args, true))!;
          let current: QuotaRow | undefined;
          try {
            current = await meta.quotas.getQuota(t.kind, t.key);
          } catch (err) {
            if (!(err instanceof FsError && err.errno === 'ENOENT')) throw err;
          }
          if (capacity === undefined && inodes === undefined) throw new CliError('quota set needs --capacity or --inodes', EXIT_USAGE);
          const row = await asRoot(admin, (op) =>
            meta.quotas.setQuota(op, { kind: t.kind, key: t.key, maxSpace: capacity ?? current?.maxSpace ?? 0n, maxInodes: inodes ?? current?.maxInodes ?? 0n }),
          );
          if (ctx.json) ctx.printJson(quotaJson(row));
          else for (const l of quotaLines([row])) ctx.io.out(l);
          return EXIT_OK;
        }
        case 'get': {
          const t = (await target(admin, args, true))!;
          const row = await meta.quotas.getQuota(t.kind, t.key);
          if (ctx.json) ctx.printJson(quotaJson(row));
          else for (const l of quotaLines([row])) ctx.io.out(l);
          return EXIT_OK;
        }
        case 'list': {
          const rows = await meta.quotas.listQuotas(0);
          if (ctx.json) ctx.printJson({ quotas: rows.map(quotaJson) });
          else if (rows.length === 0) ctx.io.out('no quotas');
          else for (const l of quotaLines(rows)) ctx.io.out(l);
          return EXIT_OK;
        }
        case 'delete': {
          const t = (await target(admin, args, true))!;
          await asRoot(admin, (op) => meta.quotas.deleteQuota(op, t.kind, t.key));
          if (ctx.json) ctx.printJson({ deleted: { kind: KIND_NAMES[t.kind], key: t.key } });
          else ctx.io.out(`quota of ${t.label} deleted`);
          return EXIT_OK;
        }
        default: {
          const t = await target(admin, args, false);
          const only = t && { kind: t.kind, key: t.key };
          // Reported as found first; a repair then recounts again under the exclusive structure lock.
          const differ = await meta.quotas.check(false, only);
          const repaired = args.values.repair === true && differ.length > 0 ? (await meta.quotas.check(true, only)).length : 0;
          const report = differ.map((r) => ({ kind: KIND_NAMES[r.kind], key: r.key, usedSpace: r.usedSpace, usedInodes: r.usedInodes, countedSpace: r.countedSpace, countedInodes: r.countedInodes }));
          if (ctx.json) {
            ctx.printJson({ differ: report, repaired });
          } else {
            for (const r of report) ctx.io.out(`${r.kind} quota ${r.key}: used ${r.usedSpace} bytes, ${r.usedInodes} inodes; recounted ${r.countedSpace} bytes, ${r.countedInodes} inodes`);
            if (repaired > 0) ctx.io.out(`repaired ${repaired} quotas: usage set to the recount`);
            if (report.length === 0) ctx.io.out('quota usage matches a recount');
          }
          // A repair leaves every quota it recounted (all that differed at its snapshot) right.
          return report.length > 0 && args.values.repair !== true ? EXIT_PROBLEMS : EXIT_OK;
        }
      }
    } catch (err) {
      if (err instanceof FsError) throw new CliError(`${err.errno}${err.message !== '' && err.message !== err.errno ? `: ${err.message}` : ''}`, EXIT_PROBLEMS);
      throw err;
    }
  },
};
