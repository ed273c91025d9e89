import { MAX_SUMMARY_DEPTH, MAX_TOP_N, type Summary, type SummaryEntry } from '../meta/dir-stats';
import { FsError } from '../meta/errors';
import { CliError, DB_OPTIONS, DB_OPTIONS_HELP, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, bytes, table, type Command } from './command';
import { resolveTarget } from './info';
import { escapeName } from './names';

/** The CLI reads as root: permission checks are the API's business, not the operator's. */
const ROOT_CONTEXT = { sessionId: 0n, requestId: '', caller: { uid: 0, gid: 0, gids: [] } };

function count(v: unknown, flag: string, max: number): number {
  if (v === undefined) return 0;
  if (typeof v !== 'string' || !/^\d+$/.test(v) || Number(v) > max) throw new CliError(`${flag}: "${String(v)}" is not a whole number up to ${max}`, EXIT_USAGE);
  return Number(v);
}

function row(path: string, s: Summary): string[] {
  return [path, bytes(s.size), s.dirs.toString(), s.files.toString(), s.symlinks.toString(), s.length.toString()];
}

function rows(prefix: string, entries: SummaryEntry[]): string[][] {
  return entries.flatMap((e) => {
    const path = `${prefix === '/' ? '' : prefix}/${escapeName(e.name)}`;
    return [row(path, e), ...rows(path, e.children)];
  });
}

function entryJson(e: SummaryEntry): unknown {
  const { inode, name, length, size, files, dirs, symlinks, children } = e;
  return { inode, name: escapeName(name), length, size, files, dirs, symlinks, children: children.map(entryJson) };
}

/**
 * `fsmeta summary <path>` (as `juicefs summary`): GetSummary's totals of a tree, computed the
 * same way (directory statistics where the volume keeps them), with its depth-limited tree form.
 */
export const summary: Command = {
  name: 'summary',
  summary: 'recursive file, directory, symlink and size totals of a tree',
  usage: `usage: fsmeta summary <path|inode> [--depth N] [--entries N] [flags]

As juicefs summary: below a directory (itself included), the space it
accounts for (SIZE: 4 KiB-aligned file lengths, 4 KiB for anything else),
DIRS, FILES (everything that is not a directory, as JuiceFS counts),
SYMLINKS (how many of the files are symlinks) and LENGTH (the sum of file
lengths). The same numbers as the GetSummary RPC; on a volume with dir_stats
only directories are visited.

flags:
  --depth N           also list the entries down to N levels (at most ${MAX_SUMMARY_DEPTH})
  --entries N         per directory, the N largest entries (default 10); the rest fold into "..."
${DB_OPTIONS_HELP}`,
  options: { ...DB_OPTIONS, depth: { type: 'string' }, entries: { type: 'string' } },
  async run(ctx, args) {
    if (args.positionals.length !== 1) throw new CliError('summary needs one path or inode', EXIT_USAGE);
    const depth = count(args.values.depth, '--depth', MAX_SUMMARY_DEPTH);
    const topN = count(args.values.entries, '--entries', MAX_TOP_N);
    const { db, meta } = await ctx.connect();
    const path = args.positionals[0]!;
    const inode = await resolveTarget(db.reader, path);
    let total: Summary;
    let children: SummaryEntry[] = [];
    try {
      total = await meta.dirStats.getSummary(ROOT_CONTEXT, inode, true);
      if (total.dirs > 0n) children = await meta.dirStats.tree(inode, depth, topN);
    } catch (err) {
      if (err instanceof FsError) throw new CliError(`${path}: ${err.errno === 'ENOENT' ? 'not found' : err.errno}`, EXIT_PROBLEMS);
      throw err;
    }
    if (ctx.json) {
      ctx.printJson({ inode, ...total, children: children.map(entryJson) });
    } else {
      for (const l of table(['PATH', 'SIZE', 'DIRS', 'FILES', 'SYMLINKS', 'LENGTH'], [row(path, total), ...rows(path, children)])) ctx.io.out(l);
    }
    return EXIT_OK;
  },
};
