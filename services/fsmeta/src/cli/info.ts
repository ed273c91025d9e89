import { decodeRecords } from '../meta/slices';
import { TYPE_DIRECTORY, TYPE_FILE, TYPE_SYMLINK, type Attr } from '../meta/types';
import { chunksOf, entriesOf, openCount, pathsOf, resolvePath, treeSummary, xattrNames } from '../store/admin';
import { getNode, getSymlink } from '../store/nodes';
import type { Tx } from '../store/db';
import { CliError, DB_OPTIONS, DB_OPTIONS_HELP, EXIT_OK, EXIT_USAGE, bytes, parseInode } from './command';
import type { Command } from './command';
import { escapeName, joinPath, splitPath } from './names';

const MAX_PATHS = 100;
export const TYPE_NAMES: Record<number, string> = {
  1: 'regular', 2: 'directory', 3: 'symlink', 4: 'fifo', 5: 'blockdev', 6: 'chardev', 7: 'socket',
};

/** An inode number, or a path from the root (percent-escapes allowed for non-UTF-8 names). */
export async function resolveTarget(q: Tx, target: string): Promise<bigint> {
  if (/^\d+$/.test(target)) return parseInode(target);
  const inode = await resolvePath(q, splitPath(target));
  if (inode === undefined) throw new CliError(`${target}: no such file or directory`, 1);
  return inode;
}

function attrJson(a: Attr) {
  return { ...a, typeName: TYPE_NAMES[a.type] ?? String(a.type), mode: `0${a.mode.toString(8)}` };
}

/** `fsmeta info <inode|path>`: attributes, every path (hard links), and the chunk map of a file (as `juicefs info`). */
export const info: Command = {
  name: 'info',
  summary: 'an inode or path: attributes, paths, chunks and slices',
  usage: `usage: fsmeta info <inode|path>... [flags]

For each inode number or path (from the volume root; %XX escapes name bytes
that are not UTF-8, as in dumps): type, mode, owner, times, length, nlink,
every path that reaches it (one per hard link), open references, xattr names;
for a file its chunks and slice records; for a directory a recursive summary.

flags:
${DB_OPTIONS_HELP}`,
  options: DB_OPTIONS,
  async run(ctx, args) {
    if (args.positionals.length === 0) throw new CliError('info needs an inode number or a path', EXIT_USAGE);
    const { db } = await ctx.connect();
    const q = db.reader;
    const reports = [];
    for (const target of args.positionals) {
      const inode = await resolveTarget(q, target);
      const attr = await getNode(q, inode);
      if (attr === undefined) throw new CliError(`inode ${inode}: not found`, 1);
      const paths = inode === 1n ? [[]] : await pathsOf(q, inode, MAX_PATHS);
      const entries = await entriesOf(q, inode);
      const report: Record<string, unknown> = {
        target,
        attr: attrJson(attr),
        paths: paths.map(joinPath),
        entries: entries.map((e) => ({ parent: e.parent, name: escapeName(e.name) })),
        openReferences: await openCount(q, inode),
        xattrs: (await xattrNames(q, inode)).map(escapeName),
      };
      if (attr.type === TYPE_SYMLINK) report.symlink = escapeName((await getSymlink(q, inode)) ?? Buffer.alloc(0));
      if (attr.type === TYPE_FILE) {
        report.chunks = (await chunksOf(q, inode)).map((c) => ({ index: c.indx, slices: decodeRecords(c.slices) ?? 'corrupt' }));
      }
      if (attr.type === TYPE_DIRECTORY) report.summary = await treeSummary(q, inode);
      reports.push(report);
    }
    if (ctx.json) {
      ctx.printJson(reports.length === 1 ? reports[0] : reports);
      return EXIT_OK;
    }
    const out = ctx.io.out;
    for (const r of reports) {
      const a = r.attr as ReturnType<typeof attrJson>;
      out(`${r.target}:`);
      out(`  inode ${a.inode}, ${a.typeName}, mode ${a.mode}, uid ${a.uid}, gid ${a.gid}, nlink ${a.nlink}, length ${a.length} (${bytes(a.length)})`);
      out(`  atime ${new Date(Number(a.atimeNs / 1_000_000n)).toISOString()}, mtime ${new Date(Number(a.mtimeNs / 1_000_000n)).toISOString()}, ctime ${new Date(Number(a.ctimeNs / 1_000_000n)).toISOString()}`);
      const paths = r.paths as string[];
      out(`  paths (${paths.length}): ${paths.join(', ') || '(none: not reachable)'}`);
      if ((r.openReferences as bigint) > 0n) out(`  open references: ${r.openReferences}`);
      const xattrs = r.xattrs as string[];
      if (xattrs.length > 0) out(`  xattrs: ${xattrs.join(', ')}`);
      if (r.symlink !== undefined) out(`  target: ${r.symlink as string}`);
      if (r.chunks !== undefined) {
        for (const c of r.chunks as { index: bigint; slices: { pos: number; id: bigint; size: number; off: number; len: number }[] | string }[]) {
          if (typeof c.slices === 'string') {
            out(`  chunk ${c.index}: corrupt record blob`);
            continue;
          }
          out(`  chunk ${c.index}: ${c.slices.length} slices`);
          for (const s of c.slices) out(`    pos ${s.pos} id ${s.id} size ${s.size} off ${s.off} len ${s.len}`);
        }
      }
      if (r.summary !== undefined) {
        const s = r.summary as Awaited<ReturnType<typeof treeSummary>>;
        out(`  tree: ${s.files} files, ${s.directories} directories, ${s.symlinks} symlinks, ${s.others} other, length ${bytes(s.length)}, space ${bytes(s.space)}`);
      }
    }
    return EXIT_OK;
  },
};
