import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { InvalidArgument } from '../meta/errors';
import { DIR_LENGTH, MAX_NAME_LEN, TYPE_DIRECTORY, TYPE_FILE, TYPE_SYMLINK } from '../meta/types';
import { DEFAULT_BLOCK_SIZE_KIB, toStored, validateFormat, type VolumeFormat } from '../meta/volume';
import type { Tx } from '../store/db';
import { LoadBatch, TRASH_INODE_MIN, clearVolume, finishLoad, hasVolume, type AclInput, type LoadTotals } from '../store/dump';
import { KIND_DIRECTORY, ownerUsage, putQuota, structureLockSql, subtreeUsage } from '../store/quotas';
import { getNode } from '../store/nodes';
import { ensureTrashRoot } from '../meta/trash';
import { lockVolume, putSetting } from '../store/settings';
import { CliError, DB_OPTIONS, DB_OPTIONS_HELP, EXIT_OK, EXIT_USAGE, type Command } from './command';
import { recordFromJson, typeFromString } from './juicefs-format';
import { JsonFormatError, JsonReader, type JsonValue } from './json-reader';
import { unescapeName } from './names';
import { Progress } from './progress';

/** The original JuiceFS "Setting" of a loaded volume, kept whole so a dump gives it back. */
export const KEPT_SETTING = 'juicefs.format';

/** Which optional JuiceFS features this fsmeta keeps; a dump using one it lacks is refused, not loaded partly. */
export const FEATURES = { trash: true, acl: true, dirStats: true, quota: true };

const BATCH_ROWS = 5000;
const MAX_U32 = 0xffffffffn;
const MAX_INODE = (1n << 63n) - 1n;

export interface LoadStats {
  entries: number;
  hardLinks: number;
  warnings: string[];
  totals: LoadTotals;
  ms: number;
}

interface Attr {
  inode: bigint;
  type: number;
}

function asObject(v: JsonValue, where: string): Record<string, JsonValue> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new JsonFormatError(`${where}: expected an object`);
  return v;
}

function int(v: JsonValue | undefined, where: string, min: bigint, max: bigint, def?: bigint): bigint {
  if (v === undefined || v === null) {
    if (def !== undefined) return def;
    throw new JsonFormatError(`${where}: missing`);
  }
  if (typeof v === 'number' && Number.isSafeInteger(v)) v = String(v);
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) throw new JsonFormatError(`${where}: ${JSON.stringify(v)} is not a whole number`);
  const n = BigInt(v);
  if (n < min || n > max) throw new JsonFormatError(`${where}: ${v} is out of range`);
  return n;
}

function checkName(name: Buffer, where: string): void {
  if (name.length === 0 || name.length > MAX_NAME_LEN || name.includes(0) || name.includes(0x2f) || name.equals(Buffer.from('.')) || name.equals(Buffer.from('..'))) {
    throw new JsonFormatError(`${where}: invalid name`);
  }
}

/**
 * Reads a JuiceFS JSON dump and fills an empty volume in the transaction `tx`,
 * entry by entry (as JuiceFS loadEntries / decodeEntry): inodes keep their
 * numbers; a hard link's later appearances add only its entry; link counts,
 * used space and inodes, and slice reference counts are rebuilt from what was
 * loaded, not trusted from the dump.
 */
export async function loadVolume(tx: Tx, reader: JsonReader, progress: Progress | undefined): Promise<LoadStats> {
  const started = Date.now();
  const batch = new LoadBatch();
  const warnings: string[] = [];
  const stats = { entries: 0, tiers: 0, acls: 0 };
  const quotas: { kind: 1 | 2 | 3; key: bigint; maxSpace: bigint; maxInodes: bigint }[] = [];
  let setting: Record<string, JsonValue> | undefined;
  let counters: Record<string, JsonValue> | undefined;
  let sawTree = false;
  const flushIfFull = async () => {
    if (batch.size >= BATCH_ROWS) await batch.flush(tx);
  };

  /** `root`: the inode the tree's top gets (1 for FSTree, JuiceFS's TrashInode for Trash); undefined below the top. */
  const decodeEntry = async (parent: bigint, name: Buffer | undefined, path: string, root?: bigint, inTrash = false): Promise<Attr> => {
    await reader.expect('begin-object', path);
    let attr: (Attr & { nlink: bigint }) | undefined;
    let emitted = false;
    let symlink: Buffer | undefined;
    const pendingX: { name: Buffer; value: Buffer }[] = [];
    const pendingC: { indx: bigint; slices: Buffer }[] = [];
    let hadTarget = false;
    const emit = async (node: Record<string, JsonValue>) => {
      emitted = true;
      stats.entries++;
      progress?.increment();
      const a = attr!;
      if (name !== undefined) batch.edges.push({ parent, name, inode: a.inode, type: a.type });
      // A hard link appears once per name, each time with its attributes and chunks: the inserts keep
      // the first appearance (on conflict do nothing), so nothing here remembers every inode.
      const t = (k: string, nsk: string) =>
        int(node[k], `${path}: attr.${k}`, -(1n << 62n), 1n << 62n) * 1_000_000_000n + int(node[nsk], `${path}: attr.${nsk}`, 0n, 999_999_999n, 0n);
      if (int(node.tier, `${path}: attr.tier`, 0n, 255n, 0n) !== 0n) stats.tiers++;
      batch.nodes.push({
        inode: a.inode,
        type: a.type,
        flags: int(node.flags, `${path}: attr.flags`, 0n, 255n, 0n),
        mode: int(node.mode, `${path}: attr.mode`, 0n, 0o7777n),
        uid: int(node.uid, `${path}: attr.uid`, 0n, MAX_U32),
        gid: int(node.gid, `${path}: attr.gid`, 0n, MAX_U32),
        rdev: int(node.rdev, `${path}: attr.rdev`, 0n, MAX_U32, 0n),
        atime_ns: t('atime', 'atimensec'),
        mtime_ns: t('mtime', 'mtimensec'),
        ctime_ns: t('ctime', 'ctimensec'),
        nlink: a.nlink,
        length: a.type === TYPE_FILE ? int(node.length, `${path}: attr.length`, 0n, 1n << 62n, 0n) : a.type === TYPE_DIRECTORY ? DIR_LENGTH : 0n,
        parent: name === undefined ? 1n : parent,
      });
      if (acl.access !== undefined || acl.default !== undefined) batch.acls.push({ inode: a.inode, ...acl });
      await flushIfFull();
    };
    let rawAttr: Record<string, JsonValue> | undefined;
    const acl: { access?: AclInput; default?: AclInput } = {};
    const addExtras = () => {
      if (attr === undefined) return;
      if (symlink !== undefined) {
        batch.symlinks.push({ inode: attr.inode, target: symlink });
        hadTarget = true;
      }
      symlink = undefined;
      for (const x of pendingX.splice(0)) batch.xattrs.push({ inode: attr.inode, ...x });
      for (const c of pendingC.splice(0)) batch.chunks.push({ inode: attr.inode, ...c });
    };
    for (;;) {
      const key = await reader.key(path);
      if (key === undefined) break;
      switch (key) {
        case 'attr': {
          rawAttr = asObject(await reader.value(), `${path}: attr`);
          const type = typeFromString(String(rawAttr.type));
          if (type === undefined) throw new JsonFormatError(`${path}: unknown type ${JSON.stringify(rawAttr.type)}`);
          // As JuiceFS decodeEntry: the tree's top is the root, inode 1, whatever it was (a --subdir dump).
          const inode = root ?? int(rawAttr.inode, `${path}: attr.inode`, 2n, MAX_INODE);
          if (inode >= TRASH_INODE_MIN && !inTrash) throw new JsonFormatError(`${path}: inode ${inode} is in the trash's range outside the Trash`);
          if (inTrash && inode < TRASH_INODE_MIN && typeFromString(String(rawAttr.type)) === TYPE_DIRECTORY && parent === TRASH_INODE_MIN) {
            throw new JsonFormatError(`${path}: an hour directory of the trash must have an inode from ${TRASH_INODE_MIN}`);
          }
          attr = { inode, type, nlink: int(rawAttr.nlink, `${path}: attr.nlink`, 0n, MAX_U32, 1n) };
          break;
        }
        case 'symlink':
          symlink = unescapeName(String(await reader.value()));
          break;
        case 'xattrs': {
          const list = await reader.value();
          if (!Array.isArray(list)) throw new JsonFormatError(`${path}: xattrs: expected an array`);
          for (const x of list) {
            const o = asObject(x, `${path}: xattrs`);
            pendingX.push({ name: Buffer.from(String(o.name), 'utf8'), value: unescapeName(String(o.value ?? '')) });
          }
          break;
        }
        case 'chunks': {
          const list = await reader.value();
          if (!Array.isArray(list)) throw new JsonFormatError(`${path}: chunks: expected an array`);
          for (const c of list) {
            const o = asObject(c, `${path}: chunks`);
            const indx = int(o.index, `${path}: chunk index`, 0n, MAX_U32);
            const slices = o.slices;
            if (!Array.isArray(slices)) throw new JsonFormatError(`${path}: chunk ${indx}: slices: expected an array`);
            pendingC.push({ indx, slices: Buffer.concat(slices.map((s) => recordFromJson(asObject(s, `${path}: slice`) as Record<string, unknown>, `${path}: chunk ${indx}`))) });
          }
          break;
        }
        case 'posix_acl_access':
        case 'posix_acl_default': {
          const v = await reader.value();
          if (v === null) break;
          // Kept in the acl table (JuiceFS's model) even while this fsmeta does not enforce ACLs.
          if (key === 'posix_acl_access') acl.access = aclFromJson(asObject(v, `${path}: ${key}`), `${path}: ${key}`);
          else acl.default = aclFromJson(asObject(v, `${path}: ${key}`), `${path}: ${key}`);
          stats.acls++;
          break;
        }
        case 'entries': {
          if (attr === undefined || rawAttr === undefined) throw new JsonFormatError(`${path}: entries before attr`);
          if (attr.type !== TYPE_DIRECTORY) throw new JsonFormatError(`${path}: entries under a ${String(rawAttr.type)}`);
          if (!emitted) await emit(rawAttr);
          addExtras();
          await reader.expect('begin-object', `${path}: entries`);
          for (;;) {
            const childKey = await reader.key(`${path}: entries`);
            if (childKey === undefined) break;
            const childName = unescapeName(childKey);
            const childPath = `${path === '/' ? '' : path}/${childKey}`;
            checkName(childName, childPath);
            await decodeEntry(attr.inode, childName, childPath, undefined, inTrash);
          }
          break;
        }
        default:
          await reader.skip();
      }
    }
    if (attr === undefined || rawAttr === undefined) throw new JsonFormatError(`${path}: entry without attr`);
    if (name === undefined && attr.type !== TYPE_DIRECTORY) throw new JsonFormatError(`${path}: the tree's root is not a directory`);
    if (!emitted) await emit(rawAttr);
    addExtras();
    if (attr.type === TYPE_SYMLINK && !hadTarget) {
      // A symlink without a target would be unreadable; JuiceFS writes "symlink" for every one.
      throw new JsonFormatError(`${path}: symlink without a target`);
    }
    await flushIfFull();
    return attr;
  };

  await reader.expect('begin-object', 'dump');
  for (;;) {
    const key = await reader.key('dump');
    if (key === undefined) break;
    switch (key) {
      case 'Setting':
        setting = asObject(await reader.value(true), 'Setting');
        break;
      case 'Counters':
        counters = asObject(await reader.value(), 'Counters');
        break;
      case 'Sustained': {
        const v = await reader.value();
        const n = Array.isArray(v) ? v.reduce<number>((sum, s) => sum + (Array.isArray(asObject(s, 'Sustained').inodes) ? (asObject(s, 'Sustained').inodes as JsonValue[]).length : 0), 0) : 0;
        // As JuiceFS load: sessions do not move between volumes; their unlinked open files are not in the tree.
        if (n > 0) warnings.push(`Sustained: ${n} unlinked files kept open by sessions of the dumped volume are not loaded (their sessions do not exist here)`);
        break;
      }
      case 'DelFiles': {
        const v = await reader.value();
        if (!Array.isArray(v)) throw new JsonFormatError('DelFiles: expected an array');
        for (const d of v) {
          const o = asObject(d, 'DelFiles');
          batch.releases.push({ inode: int(o.inode, 'DelFiles: inode', 1n, MAX_INODE), queuedS: int(o.expire, 'DelFiles: expire', 0n, 1n << 40n, 0n) });
        }
        break;
      }
      case 'Quotas':
      case 'UserQuotas':
      case 'GroupQuotas': {
        const v = await reader.value();
        if (v === null) break;
        const kind = key === 'Quotas' ? 1 : key === 'UserQuotas' ? 2 : 3;
        for (const [k, q] of Object.entries(asObject(v, key))) {
          const o = asObject(q, `${key}.${k}`);
          quotas.push({
            kind,
            key: int(k, `${key} key`, 0n, MAX_INODE),
            maxSpace: int(o.maxSpace, `${key}.${k}.maxSpace`, -(1n << 62n), MAX_INODE, 0n),
            maxInodes: int(o.maxInodes, `${key}.${k}.maxInodes`, -(1n << 62n), MAX_INODE, 0n),
          });
        }
        break;
      }
      case 'FSTree':
        sawTree = true;
        await decodeEntry(1n, undefined, '/', 1n);
        break;
      case 'Trash': {
        // Hour directories and their entries keep their inodes; the trash's root is JuiceFS's TrashInode, as here.
        await decodeEntry(1n, undefined, '/.trash', TRASH_INODE_MIN, true);
        break;
      }
      default:
        warnings.push(`${key}: unknown section skipped`);
        await reader.skip();
    }
  }
  if (setting === undefined) throw new JsonFormatError("invalid dump: missing 'Setting'");
  if (counters === undefined) throw new JsonFormatError("invalid dump: missing 'Counters'");
  if (!sawTree) throw new JsonFormatError("invalid dump: missing 'FSTree'");
  await batch.flush(tx);

  const format = formatFromSetting(setting, warnings);
  await lockVolume(tx);
  await putSetting(tx, 'format', toStored(format));
  await putSetting(tx, KEPT_SETTING, setting);
  const next = (k: string) => int(counters![k], `Counters.${k}`, 0n, MAX_INODE, 0n);
  if (format.trashDays > 0) await ensureTrashRoot(tx);
  const totals = await finishLoad(tx, DIR_LENGTH, { inode: next('nextInodes'), slice: next('nextChunk'), session: next('nextSession'), trash: next('nextTrash') });
  // Limits from the dump, usage recounted from what was loaded (as JuiceFS loadDumpedQuotas).
  for (const q of quotas) {
    if (q.kind === KIND_DIRECTORY) {
      const dir = await getNode(tx, q.key);
      if (dir === undefined || dir.type !== TYPE_DIRECTORY) {
        warnings.push(`Quotas: directory ${q.key} is not in the dump; its quota is not loaded`);
        continue;
      }
    }
    const used = q.kind === KIND_DIRECTORY ? await subtreeUsage(tx, q.key) : await ownerUsage(tx, q.kind, q.key);
    await putQuota(tx, q.kind, q.key, q.maxSpace, q.maxInodes, used);
  }
  if (stats.acls > 0 && !FEATURES.acl) warnings.push(`${stats.acls} POSIX ACLs are kept (and dumped again) but not enforced: this fsmeta has no ACL support`);
  if (stats.tiers > 0) warnings.push(`${stats.tiers} inodes had a storage tier; fsmeta keeps no tiers (the Setting's Tiers are kept for dumps)`);
  // Every name of a node but its first is a further hard link (the root has no name).
  const hardLinks = stats.entries - 1 - Number(totals.inodes);
  return { entries: stats.entries, hardLinks, warnings, totals, ms: Date.now() - started };
}

const ACL_NO_MASK = 0xffff;

/** A dumped ACL (DumpedACL) as stored: named entries as 6-byte big-endian (id u32, perm u16) records sorted by id. */
function aclFromJson(o: Record<string, JsonValue>, where: string): AclInput {
  const perm = (k: string, allowNone = false) => Number(int(o[k], `${where}.${k}`, 0n, allowNone ? BigInt(ACL_NO_MASK) : 7n, allowNone ? BigInt(ACL_NO_MASK) : undefined));
  const named = (k: string) => {
    const list = o[k];
    if (list === null || list === undefined) return Buffer.alloc(0);
    if (!Array.isArray(list)) throw new JsonFormatError(`${where}.${k}: expected an array`);
    const entries = list
      .map((e) => asObject(e, `${where}.${k}`))
      .map((e) => ({ id: int(e.id, `${where}.${k}.id`, 0n, MAX_U32), perm: int(e.perm, `${where}.${k}.perm`, 0n, 7n) }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const b = Buffer.alloc(entries.length * 6);
    entries.forEach((e, i) => {
      b.writeUInt32BE(Number(e.id), i * 6);
      b.writeUInt16BE(Number(e.perm), i * 6 + 4);
    });
    return b;
  };
  return { owner: perm('owner'), grp: perm('group'), mask: perm('mask', true), other: perm('other'), named_users: named('users'), named_groups: named('groups') };
}

/** fsmeta's volume format from JuiceFS's Setting; settings this fsmeta does not enforce stay in the kept copy only. */
function formatFromSetting(s: Record<string, JsonValue>, warnings: string[]): VolumeFormat {
  const str = (k: string) => (typeof s[k] === 'string' ? (s[k] as string) : '');
  const n = (k: string) => int(s[k], `Setting.${k}`, 0n, (1n << 63n) - 1n, 0n);
  const bool = (k: string) => s[k] === true;
  const inactive = (k: string, on: boolean, feature: boolean, what: string) => {
    if (on && !feature) warnings.push(`Setting.${k}=${JSON.stringify(s[k])} is kept for dumps but not active: this fsmeta has no ${what}`);
    return on && feature;
  };
  const atime = str('AtimeMode');
  const format: VolumeFormat = {
    name: str('Name'),
    uuid: str('UUID') || randomUUID(),
    blockSizeKib: Number(n('BlockSize')) || DEFAULT_BLOCK_SIZE_KIB,
    capacity: n('Capacity'),
    inodes: n('Inodes'),
    trashDays: inactive('TrashDays', n('TrashDays') > 0n, FEATURES.trash, 'trash') ? Number(n('TrashDays')) : 0,
    dirStats: inactive('DirStats', bool('DirStats'), FEATURES.dirStats, 'directory statistics'),
    userGroupQuota: inactive('UserGroupQuota', bool('UserGroupQuota'), FEATURES.quota, 'user and group quotas'),
    enableAcl: inactive('EnableACL', bool('EnableACL'), FEATURES.acl, 'ACLs'),
    atimeMode: atime === 'relatime' || atime === 'strictatime' ? atime : 'noatime',
    storage: str('Storage'),
    bucket: str('Bucket'),
    // JuiceFS has case-insensitivity as a mount option, not in the format: a loaded volume is case-sensitive.
    caseInsensitive: false,
  };
  try {
    return validateFormat(format);
  } catch (err) {
    if (err instanceof InvalidArgument) throw new CliError(`Setting: ${err.message}`, 1);
    throw err;
  }
}

export const load: Command = {
  name: 'load',
  summary: 'fill an empty database from a JuiceFS JSON dump',
  usage: `usage: fsmeta load FILE [--replace] [flags]

Reads a JSON dump written by \`juicefs dump\` or \`fsmeta dump\` (FILE, or - for
stdin) into the database, streamed in bounded memory and in one transaction:
a load that fails leaves nothing behind. Inode numbers, attributes, names
(percent-escapes decoded), hard links, symlinks, xattrs, chunks and slices
are kept; link counts, usage and slice reference counts are recounted. A dump
using a feature this fsmeta lacks is refused with the reason, never loaded in
part. Stop every fsmeta replica of the database before loading.

flags:
  --replace           the database already holds a volume: delete it first (without this, load refuses)
${DB_OPTIONS_HELP}`,
  options: { ...DB_OPTIONS, replace: { type: 'boolean' } },
  async run(ctx, args) {
    if (args.positionals.length !== 1) throw new CliError('load needs one FILE (or - for stdin)', EXIT_USAGE);
    const file = args.positionals[0]!;
    if (file !== '-' && !fs.existsSync(file)) throw new CliError(`${file}: no such file`, EXIT_USAGE);
    const { db } = await ctx.connect();
    const replace = args.values.replace === true;
    if (!replace && (await hasVolume(db.reader))) {
      throw new CliError('the database already holds a volume; pass --replace to delete it and load the dump instead', 1);
    }
    const size = file === '-' ? 0 : fs.statSync(file).size;
    const reader = file === '-' ? new JsonReader(process.stdin) : JsonReader.fromFile(file);
    const progress = new Progress(ctx.io, 'load', size, 'bytes');
    let stats: LoadStats;
    try {
      const track = setInterval(() => progress.increment(reader.bytesRead - progress.value), 200);
      try {
        stats = await db.once('', async (tx) => {
          // Every mutation takes the quota-structure lock shared: replicas still running wait for the load.
          await tx.query(structureLockSql('exclusive'));
          if (await hasVolume(tx)) {
            if (!replace) throw new CliError('the database already holds a volume; pass --replace', 1);
            await clearVolume(tx);
          }
          return loadVolume(tx, reader, undefined);
        });
      } finally {
        clearInterval(track);
      }
    } catch (err) {
      if (err instanceof JsonFormatError) throw new CliError(`${file}: ${err.message}; nothing was loaded`, 3);
      throw err;
    } finally {
      progress.stop();
    }
    for (const w of stats.warnings) ctx.io.err(`fsmeta load: warning: ${w}`);
    if (ctx.json) {
      ctx.printJson({ file, ...stats });
    } else {
      ctx.io.out(
        `loaded ${stats.entries} entries (${stats.hardLinks} more names of hard-linked files): ${stats.totals.inodes} inodes, ` +
          `${stats.totals.space} bytes used, ${stats.totals.slices} slices in ${(stats.ms / 1000).toFixed(1)} s`,
      );
    }
    return EXIT_OK;
  },
};

