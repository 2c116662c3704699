import type { Command } from 'commander';
import { renameSync, writeFileSync, copyFileSync } from 'node:fs';
import { XenkitError } from '../errors.js';
import { LIMITS, readBounded } from '../input.js';
import { NEWEST_RELEASE, parseRelease, RELEASE_IDS } from '../xen/releases.js';
import { fixXlCfg, lineDiff } from '../toolstack/xlcfg/fix.js';
import { out } from './io.js';

/** `xk fix FILE... --xen VER`: deprecated or unread keys rewritten into the form that release reads. */
export function register(program: Command): void {
  program
    .command('fix')
    .description("rewrite xl.cfg keys into the form a Xen release's xl reads (a unified diff by default)")
    .argument('<files...>', 'xl.cfg files')
    .requiredOption('--xen <ver>', `the release to fix for (${RELEASE_IDS[0]} .. ${NEWEST_RELEASE})`)
    .option('--in-place', 'write the files (atomically: a temp file and rename), keeping a backup')
    .option('--backup <suffix>', 'with --in-place: the backup suffix', '.bak')
    .addHelpText('after', '\nExamples:\n  xk fix /etc/xen/*.cfg --xen 4.17\n  xk fix old.cfg --xen 4.21 --in-place\n\nWhat has no form on that release is listed on stderr and left as it is; `xk check` explains it.')
    .action((files: string[], o: Record<string, unknown>) => {
      const release = parseRelease(String(o.xen), '--xen');
      const suffix = String(o.backup);
      if (!suffix || suffix.includes('/')) throw new XenkitError('BAD_INPUT', `--backup: ${JSON.stringify(suffix)} is not a file name suffix`, { field: '--backup', value: suffix, hint: 'e.g. --backup .orig' });
      for (const file of files) {
        const text = readBounded(file, LIMITS.xlcfgBytes, { field: 'FILE', kind: 'an xl.cfg file', hint: 'give the path of an xl.cfg file' });
        const r = fixXlCfg(text, file, release);
        for (const f of r.left) process.stderr.write(`xk: ${file}: not rewritten: ${f.key}: ${f.text} [${f.source}]\n`);
        if (r.text === text) continue;
        if (!o.inPlace) {
          process.stdout.write(lineDiff(text, r.text, `a/${file}`, `b/${file}`));
          continue;
        }
        copyFileSync(file, file + suffix);
        const tmp = `${file}.xk-fix-${process.pid}`;
        writeFileSync(tmp, r.text);
        renameSync(tmp, file);
        out(`${file}: ${r.fixed.map((f) => `${f.key} -> ${f.instead!.key}`).join(', ')} (backup ${file + suffix})`);
      }
    });
}
