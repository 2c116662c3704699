import type { Command } from 'commander';
import { XenkitError } from '../errors.js';
import { parseEmulationFlags } from '../xen/emulation.js';
import { checkLine } from '../xc/batch.js';
import { addHostOptions, hostFromOptions } from './host-options.js';
import { EXIT, jsonOut, readLines } from './io.js';
import { checkFiles } from './check-files.js';
import { releasesArg } from './releases-arg.js';
import { NEWEST_RELEASE, RELEASE_IDS } from '../xen/releases.js';

/** `xk check`: xl.cfg files, or raw createdomain configs, against releases. */
export function register(program: Command): void {
  addHostOptions(
    program
      .command('check')
      .description('check xl.cfg files, or raw createdomain configs (--jsonl), against Xen releases')
      .argument('[files...]', 'xl.cfg files')
      .requiredOption('--xen <ver>', `a release (${RELEASE_IDS[0]} .. ${NEWEST_RELEASE}), a comma list, or "all"`)
      .option('--jsonl <file>', 'instead of files: one raw createdomain config per line ("-" for stdin)')
      .option('--json', 'with files: one JSON verdict per file and release')
      .option('--emulation-flags <n>', 'with files: force the XEN_X86_EMU_* bitmap (e.g. 0: a zeroed arch config)'),
  )
    .addHelpText(
      'after',
      `
Files: a table of file x release, accept or the errno and the reason in words; exit 1 if any is refused.
JSON lines: {"id": "web1", "arch": "x86_64", "flags": ["hvm", "hap"], "emulation_flags": 1023}
  flags: XEN_DOMCTL_CDF_* names (hvm_guest or hvm, hap, ...) or a number; emulation_flags: number or "0x...".
  No "emulation_flags" key means no arch config was passed: the release's defaults apply.
Examples:
  xk check examples/*.cfg --xen all
  echo '{"id":"zeroed","flags":["hvm","hap"],"emulation_flags":0}' | xk check --xen all --jsonl -
  xk check --xen 4.17 --jsonl configs.jsonl`,
    )
    .action(async (files: string[], o: Record<string, unknown>) => {
      const releases = releasesArg(String(o.xen));
      const host = hostFromOptions(o);
      if (files.length && typeof o.jsonl === 'string')
        throw new XenkitError('BAD_INPUT', 'check: give xl.cfg files or --jsonl, not both', { field: '--jsonl', hint: 'run two commands' });
      if (files.length) {
        const emu = o.emulationFlags === undefined ? undefined : parseEmulationFlags(o.emulationFlags, '--emulation-flags');
        process.exitCode = checkFiles(files, releases, host, !!o.json, emu);
        return;
      }
      if (typeof o.jsonl !== 'string')
        throw new XenkitError('BAD_INPUT', 'check: nothing to check', { field: 'FILE', hint: 'give xl.cfg files, or --jsonl FILE (- for stdin)' });
      let n = 0;
      let status: number = EXIT.OK;
      for await (const line of readLines(o.jsonl)) {
        n++;
        for (const r of checkLine(line, n, releases, { ...host, release: undefined as never })) {
          // A malformed line is bad input (2), as in replay; it outranks a refusal (1).
          status = Math.max(status, r.error ? EXIT.BAD_INPUT : r.accept === false ? EXIT.REFUSED : EXIT.OK);
          jsonOut(r);
        }
      }
      process.exitCode = status;
    });

}
