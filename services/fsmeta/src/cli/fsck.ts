import { CHECKS, type CheckResult } from '../store/fsck';
import { DB_OPTIONS, DB_OPTIONS_HELP, EXIT_OK, EXIT_PROBLEMS, type Command } from './command';
import { Progress } from './progress';

const EXAMPLES = 20;
const MAX_REPAIR_PASSES = 3;

interface Report {
  check: string;
  description: string;
  found: number;
  examples: string[];
  repaired?: number;
  repair?: string;
  remaining?: number;
}

/** `fsmeta fsck [--repair]`: every consistency check; with --repair the safe fixes, then the checks again. */
export const fsck: Command = {
  name: 'fsck',
  summary: 'check the metadata for inconsistencies (--repair fixes what is safe)',
  usage: `usage: fsmeta fsck [--repair] [flags]

Checks, each in one consistent statement, while the volume stays in use:
${CHECKS.map((c) => `  ${c.name.padEnd(28)} ${c.description}`).join('\n')}

Prints what each check found (up to ${EXAMPLES} examples). Exit code 0 when
nothing is wrong (or --repair fixed all of it), 1 when problems remain.

flags:
  --repair            fix what can be fixed safely (each fix in one transaction that locks what it
                      changes), say what was done, and check again
${DB_OPTIONS_HELP}`,
  options: { ...DB_OPTIONS, repair: { type: 'boolean' } },
  async run(ctx, args) {
    const { db } = await ctx.connect();
    const repair = args.values.repair === true;
    const progress = new Progress(ctx.io, 'fsck', CHECKS.length * (repair ? 2 : 1), 'checks');
    const reports: Report[] = [];
    try {
      for (const check of CHECKS) {
        const r: CheckResult = await check.run(db.reader, EXAMPLES);
        reports.push({ check: check.name, description: check.description, found: r.count, examples: r.examples });
        progress.increment();
      }
      if (repair) {
        // A repair can uncover work for another (an orphan linked into /lost+found changes link
        // counts): repeat while repairs change something, a few passes at most.
        for (let pass = 0; pass < MAX_REPAIR_PASSES; pass++) {
          let changed = 0;
          for (const [i, check] of CHECKS.entries()) {
            if (check.repair === undefined || (await check.run(db.reader, 1)).count === 0) continue;
            const n = await db.transaction((tx) => check.repair!(tx), { structure: () => (check.exclusive === true ? 'exclusive' : 'shared') });
            reports[i]!.repaired = (reports[i]!.repaired ?? 0) + n;
            reports[i]!.repair = check.repairText;
            changed += n;
          }
          if (changed === 0) break;
        }
        // Checks again: a repair may resolve (or, for orphans put in lost+found, change) others.
        for (const [i, check] of CHECKS.entries()) {
          reports[i]!.remaining = (await check.run(db.reader, 1)).count;
          progress.increment();
        }
      }
    } finally {
      progress.stop();
    }
    const problems = reports.reduce((n, r) => n + (repair ? r.remaining! : r.found), 0);
    if (ctx.json) {
      ctx.printJson({ ok: problems === 0, repaired: repair, checks: reports });
    } else {
      for (const r of reports) {
        if (r.found === 0 && (r.remaining ?? 0) === 0) continue;
        ctx.io.out(`${r.check}: ${r.found} found (${r.description})`);
        for (const e of r.examples) ctx.io.out(`  ${e}`);
        if (r.found > r.examples.length) ctx.io.out(`  ... and ${r.found - r.examples.length} more`);
        if (r.repaired !== undefined) ctx.io.out(`  repaired ${r.repaired}: ${r.repair}`);
        if (repair && (r.remaining ?? 0) > 0) ctx.io.out(`  still ${r.remaining} after repair${r.repaired === undefined ? ' (not repairable automatically)' : ''}`);
      }
      ctx.io.out(problems === 0 ? `fsck: ${repair ? 'no problems left' : 'no problems found'} (${CHECKS.length} checks)` : `fsck: ${problems} problems${repair ? ' remain' : ' found; fsmeta fsck --repair fixes what it safely can'}`);
    }
    return problems === 0 ? EXIT_OK : EXIT_PROBLEMS;
  },
};
