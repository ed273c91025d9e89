import { TYPE_DIRECTORY } from '../meta/types';
import { treeSummary } from '../store/admin';
import { getNode } from '../store/nodes';
import { CliError, DB_OPTIONS, DB_OPTIONS_HELP, EXIT_OK, EXIT_USAGE, bytes, type Command } from './command';
import { resolveTarget } from './info';

/** `fsmeta summary <path>`: recursive counts and sizes of a tree (as `juicefs summary`, one level). */
export const summary: Command = {
  name: 'summary',
  summary: 'recursive file, directory and size totals of a tree',
  usage: `usage: fsmeta summary <path|inode> [flags]

Counts files, directories, symlinks and other nodes below a directory (itself
included), the sum of file lengths, the space they account for (4 KiB units,
as used space is counted) and their slice records.

flags:
${DB_OPTIONS_HELP}`,
  options: DB_OPTIONS,
  async run(ctx, args) {
    if (args.positionals.length !== 1) throw new CliError('summary needs one path or inode', EXIT_USAGE);
    const { db } = await ctx.connect();
    const inode = await resolveTarget(db.reader, args.positionals[0]!);
    const attr = await getNode(db.reader, inode);
    if (attr === undefined) throw new CliError(`inode ${inode}: not found`, 1);
    const s = await treeSummary(db.reader, inode);
    if (ctx.json) {
      ctx.printJson({ inode, ...s });
    } else {
      ctx.io.out(`${args.positionals[0]} (inode ${inode}${attr.type === TYPE_DIRECTORY ? '' : ', not a directory'}):`);
      ctx.io.out(`  files ${s.files}, directories ${s.directories}, symlinks ${s.symlinks}, other ${s.others}`);
      ctx.io.out(`  length ${s.length} (${bytes(s.length)}), space ${bytes(s.space)}, slices ${s.slices}`);
    }
    return EXIT_OK;
  },
};
