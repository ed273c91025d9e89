import * as fs from 'node:fs';
import { decodeRecords } from '../meta/slices';
import { TYPE_DIRECTORY, TYPE_FILE, TYPE_SYMLINK } from '../meta/types';
import { resolvePath } from '../store/admin';
import type { Tx } from '../store/db';
import {
  TRASH_INODE_MIN, aclRows, allSettings, chunksOfMany, counters, dirPage, inTree, nodeWithTarget, pendingReleases, quotaLimits, sustained, xattrsOf,
  type AclRow, type NodeRecord,
} from '../store/dump';
import { getUsage } from '../store/nodes';
import { CliError, DB_OPTIONS, DB_OPTIONS_HELP, EXIT_OK, EXIT_USAGE, type Command, type CommandContext } from './command';
import { attrJson, settingFromFormat, slicesJson } from './juicefs-format';
import { escapeName, splitPath } from './names';
import { Progress } from './progress';
import { FEATURES, KEPT_SETTING } from './load';
import type { VolumeFormat } from '../meta/volume';

const PAGE = 1000;
const WRITE_BUFFER = 64 * 1024;
const INDENT = '  ';

/** Buffered writes that wait when the stream pushes back, so memory stays bounded. */
class Output {
  private buf = '';
  bytes = 0;
  constructor(private readonly stream: NodeJS.WritableStream) {}

  async write(s: string): Promise<void> {
    this.buf += s;
    if (this.buf.length >= WRITE_BUFFER) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buf === '') return;
    const chunk = this.buf;
    this.buf = '';
    this.bytes += Buffer.byteLength(chunk);
    if (!this.stream.write(chunk)) await new Promise<void>((resolve) => this.stream.once('drain', resolve));
  }

  async end(): Promise<void> {
    await this.flush();
    if (this.stream === process.stdout) return;
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
  }
}

export interface DumpStats {
  entries: number;
  directories: number;
  files: number;
  symlinks: number;
  xattrs: number;
  chunks: number;
  slices: number;
  bytes: number;
  ms: number;
}

/** Re-indents a JSON text by `depth` levels (the header sections). */
function indented(value: unknown, depth: number): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, `\n${INDENT.repeat(depth)}`);
}

/**
 * Writes the volume (or the tree under `subdir`) as a JuiceFS JSON dump, from
 * one consistent snapshot, one directory page at a time (memory grows with
 * tree depth, not size). Entries are in byte order of their names, as JuiceFS.
 */
export async function dumpVolume(
  tx: Tx,
  out: Output,
  format: VolumeFormat,
  opts: { subdir?: Buffer[]; progress?: Progress },
): Promise<DumpStats> {
  const started = Date.now();
  const stats: DumpStats = { entries: 0, directories: 0, files: 0, symlinks: 0, xattrs: 0, chunks: 0, slices: 0, bytes: 0, ms: 0 };
  let rootInode = 1n;
  if (opts.subdir !== undefined && opts.subdir.length > 0) {
    const found = await resolvePath(tx, opts.subdir);
    if (found === undefined) throw new CliError(`--subdir: no such directory`, 1);
    rootInode = found;
  }
  const root = await nodeWithTarget(tx, rootInode);
  if (root === undefined) throw new CliError(`inode ${rootInode} not found`, 1);
  if (root.type !== TYPE_DIRECTORY) throw new CliError('--subdir: not a directory', EXIT_USAGE);

  const settings = await allSettings(tx);
  const kept = (settings.get(KEPT_SETTING) as Record<string, unknown> | undefined) ?? {};
  const c = await counters(tx);
  const releases = await pendingReleases(tx);
  const kept2 = await sustained(tx);
  await out.write('{\n');
  await out.write(`${INDENT}"Setting": ${indented(settingFromFormat(format, kept, FEATURES), 1)},\n`);
  await out.write(
    `${INDENT}"Counters": {\n${INDENT}${INDENT}"usedSpace": ${c.usedSpace},\n${INDENT}${INDENT}"usedInodes": ${c.usedInodes},\n` +
      `${INDENT}${INDENT}"nextInodes": ${c.nextInode},\n${INDENT}${INDENT}"nextChunk": ${c.nextSlice},\n` +
      `${INDENT}${INDENT}"nextSession": ${c.nextSession},\n${INDENT}${INDENT}"nextTrash": ${c.nextTrash}\n${INDENT}},\n`,
  );
  await out.write(`${INDENT}"Sustained": [${kept2.map((s) => `{"sid":${s.sid},"inodes":[${s.inodes.join(',')}]}`).join(',')}],\n`);
  // fsmeta does not keep a deleted file's length; JuiceFS uses it only for logging.
  await out.write(
    `${INDENT}"DelFiles": [${releases.map((r) => `\n${INDENT}${INDENT}{"inode":${r.inode},"length":0,"expire":${r.queued_s}}`).join(',')}${releases.length > 0 ? `\n${INDENT}` : ''}],\n`,
  );
  // Quotas (limits; usage is recounted by a load). A --subdir dump keeps the directory quotas inside it.
  const sections: Record<number, string[]> = { 1: [], 2: [], 3: [] };
  for (const q of await quotaLimits(tx)) {
    let key = q.key;
    if (q.kind === 1 && rootInode !== 1n) {
      if (!(await inTree(tx, rootInode, q.key))) continue;
      if (q.key === rootInode) key = 1n;
    }
    sections[q.kind]?.push(`\n${INDENT}${INDENT}"${key}": {\n${INDENT}${INDENT}${INDENT}"maxSpace": ${q.max_space},\n${INDENT}${INDENT}${INDENT}"maxInodes": ${q.max_inodes}\n${INDENT}${INDENT}}`);
  }
  for (const [kind, name] of [[1, 'Quotas'], [2, 'UserQuotas'], [3, 'GroupQuotas']] as const) {
    if (sections[kind]!.length > 0) await out.write(`${INDENT}"${name}": {${sections[kind]!.join(',')}\n${INDENT}},\n`);
  }
  await out.write(`${INDENT}"FSTree": {`);
  await writeBody(tx, out, root, 1, stats, opts.progress, undefined, 1n);
  await out.write(`\n${INDENT}}`);
  const trash = rootInode === 1n ? await nodeWithTarget(tx, TRASH_INODE_MIN) : undefined;
  if (trash !== undefined) {
    await out.write(`,\n${INDENT}"Trash": {`);
    await writeBody(tx, out, trash, 1, stats, opts.progress, undefined, TRASH_INODE_MIN);
    await out.write(`\n${INDENT}}`);
  }
  await out.write('\n}\n');
  await out.flush();
  stats.bytes = out.bytes;
  stats.ms = Date.now() - started;
  return stats;
}

interface Extras {
  xattrs: Map<bigint, { name: Buffer; value: Buffer }[]>;
  chunks: Map<bigint, { indx: bigint; slices: Buffer }[]>;
  acls: Map<bigint, AclRow>;
}

/** DumpedACL: named entries back from their 6-byte records; no entries is null, as JuiceFS writes it. */
function aclJson(a: AclRow): string {
  const named = (b: Buffer) => {
    if (b.length === 0) return 'null';
    const out: string[] = [];
    for (let i = 0; i + 6 <= b.length; i += 6) out.push(`{"id":${b.readUInt32BE(i)},"perm":${b.readUInt16BE(i + 4)}}`);
    return `[${out.join(',')}]`;
  };
  return `{"owner":${a.owner},"group":${a.grp},"other":${a.other},"mask":${a.mask},"users":${named(a.named_users)},"groups":${named(a.named_groups)}}`;
}

async function extrasFor(tx: Tx, nodes: NodeRecord[]): Promise<Extras> {
  const inodes = nodes.map((n) => n.inode);
  const files = nodes.filter((n) => n.type === TYPE_FILE).map((n) => n.inode);
  const xattrs = new Map<bigint, { name: Buffer; value: Buffer }[]>();
  for (const x of await xattrsOf(tx, inodes)) {
    if (!xattrs.has(x.inode)) xattrs.set(x.inode, []);
    xattrs.get(x.inode)!.push(x);
  }
  const chunks = new Map<bigint, { indx: bigint; slices: Buffer }[]>();
  for (const ch of await chunksOfMany(tx, files)) {
    if (!chunks.has(ch.inode)) chunks.set(ch.inode, []);
    chunks.get(ch.inode)!.push(ch);
  }
  const aclIds = [...new Set(nodes.flatMap((n) => [n.access_acl_id ?? 0n, n.default_acl_id ?? 0n]).filter((id) => id !== 0n))];
  const acls = new Map((await aclRows(tx, aclIds)).map((a) => [a.id, a]));
  return { xattrs, chunks, acls };
}

/** The fields of one entry after its opening brace: attr, symlink, xattrs, chunks, entries (JuiceFS order). */
async function writeBody(
  tx: Tx,
  out: Output,
  node: NodeRecord & { target: Buffer | null },
  depth: number,
  stats: DumpStats,
  progress: Progress | undefined,
  extras?: Extras,
  topInode?: bigint,
): Promise<void> {
  const pre = INDENT.repeat(depth + 1);
  stats.entries++;
  progress?.increment();
  // The dump's root is inode 1 whatever it is here (JuiceFS load does the same for a subdir dump).
  await out.write(`\n${pre}"attr": ${attrJson(node, topInode ?? node.inode)}`);
  if (node.type === TYPE_SYMLINK) {
    stats.symlinks++;
    await out.write(`,\n${pre}"symlink": ${JSON.stringify(escapeName(node.target ?? Buffer.alloc(0)))}`);
  }
  const ex = extras ?? (await extrasFor(tx, [node]));
  const xattrs = ex.xattrs.get(node.inode) ?? [];
  if (xattrs.length > 0) {
    stats.xattrs += xattrs.length;
    // JuiceFS escapes xattr values only; names are written as text.
    await out.write(`,\n${pre}"xattrs": [${xattrs.map((x) => `{"name":${JSON.stringify(x.name.toString('utf8'))},"value":${JSON.stringify(escapeName(x.value))}}`).join(',')}]`);
  }
  for (const [key, id] of [['posix_acl_access', node.access_acl_id], ['posix_acl_default', node.default_acl_id]] as const) {
    const acl = id !== undefined && id !== 0n ? ex.acls.get(id) : undefined;
    if (acl !== undefined) await out.write(`,\n${pre}"${key}": ${aclJson(acl)}`);
  }
  if (node.type === TYPE_FILE) {
    stats.files++;
    const chunks = ex.chunks.get(node.inode) ?? [];
    const parts: string[] = [];
    for (const ch of chunks) {
      const records = decodeRecords(ch.slices);
      if (records === undefined) throw new CliError(`inode ${node.inode} chunk ${ch.indx}: corrupt slice records (run fsmeta fsck)`);
      stats.chunks++;
      stats.slices += records.length;
      parts.push(`{"index":${ch.indx},"slices":${slicesJson(records)}}`);
    }
    if (parts.length === 1) await out.write(`,\n${pre}"chunks": [${parts[0]}]`);
    else if (parts.length > 1) await out.write(`,\n${pre}"chunks": [\n${pre}${INDENT}${parts.join(`,\n${pre}${INDENT}`)}\n${pre}]`);
  }
  if (node.type === TYPE_DIRECTORY) {
    stats.directories++;
    await out.write(`,\n${pre}"entries": {`);
    let after: Buffer | undefined;
    let first = true;
    for (;;) {
      const page = await dirPage(tx, node.inode, after, PAGE);
      if (page.length === 0) break;
      const pageExtras = await extrasFor(tx, page);
      for (const child of page) {
        await out.write(`${first ? '' : ','}\n${pre}${INDENT}${JSON.stringify(escapeName(child.name))}: {`);
        first = false;
        await writeBody(tx, out, child, depth + 2, stats, progress, pageExtras);
        await out.write(`\n${pre}${INDENT}}`);
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.name;
    }
    await out.write(`${first ? '' : `\n${pre}`}}`);
  }
}

export const dump: Command = {
  name: 'dump',
  summary: "write the volume's metadata as a JuiceFS JSON dump",
  usage: `usage: fsmeta dump [FILE] [--subdir PATH] [flags]

Writes the metadata in JuiceFS's JSON dump format (what \`juicefs dump\` writes
and \`juicefs load\` / \`fsmeta load\` read) to FILE, or to stdout without one.
The dump is one consistent snapshot (a REPEATABLE READ transaction) taken
while the volume stays in use, and is streamed: memory does not grow with the
volume. Names that are not UTF-8 are percent-encoded as JuiceFS does.

flags:
  --subdir PATH       dump only the tree under PATH (it becomes the root, inode 1, as in JuiceFS)
${DB_OPTIONS_HELP}
  (--json prints the summary as JSON; it needs FILE)`,
  options: { ...DB_OPTIONS, subdir: { type: 'string' } },
  async run(ctx: CommandContext, args) {
    if (args.positionals.length > 1) throw new CliError('dump takes at most one FILE', EXIT_USAGE);
    const file = args.positionals[0];
    const toStdout = file === undefined || file === '-';
    if (toStdout && ctx.json) throw new CliError('--json needs FILE: the dump itself goes to stdout', EXIT_USAGE);
    const { db, meta } = await ctx.connect();
    const format = await meta.volume.getFormat();
    if (format === undefined) throw new CliError('the database holds no volume (not formatted)', 1);
    const total = Number((await getUsage(db.reader)).inodes) + 1;
    const subdir = typeof args.values.subdir === 'string' ? splitPath(args.values.subdir) : undefined;
    const stream = toStdout ? process.stdout : fs.createWriteStream(file!);
    const out = new Output(stream);
    const progress = new Progress(ctx.io, 'dump', total, 'entries');
    let stats: DumpStats;
    try {
      stats = await db.once('isolation level repeatable read read only', (tx) => dumpVolume(tx, out, format, { subdir, progress }));
      await out.end();
    } finally {
      progress.stop();
    }
    if (ctx.json) {
      ctx.printJson({ file, ...stats });
    } else {
      const line = `dumped ${stats.entries} entries (${stats.directories} directories, ${stats.files} files, ${stats.symlinks} symlinks), ` +
        `${stats.chunks} chunks, ${stats.slices} slices, ${stats.xattrs} xattrs: ${stats.bytes} bytes in ${(stats.ms / 1000).toFixed(1)} s`;
      if (toStdout) ctx.io.err(line);
      else ctx.io.out(line);
    }
    return EXIT_OK;
  },
};
