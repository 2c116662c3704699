import type { Command } from 'commander';
import { explainSpec } from '../toolstack/explain.js';
import { loadSpec } from '../toolstack/load.js';
import { makeHost } from '../xen/host.js';
import { parseRelease } from '../xen/releases.js';
import { warn } from './context.js';
import { EXIT, jsonOut, out } from './io.js';

/** `xk explain FILE --xen VER`. */
export function register(program: Command): void {
  program
    .command('explain')
    .description('the whole derivation for an xl.cfg on a release: spec -> flags -> emulation bits -> rules -> verdict')
    .argument('<file>', 'xl.cfg file ("-" for stdin)')
    .requiredOption('--xen <ver>', 'Xen release')
    .option('--json', 'print JSON')
    .option('--no-hap', 'host without EPT/NPT')
    .option('--no-shadow', 'Xen built without shadow paging')
    .addHelpText('after', '\nExamples:\n  xk explain examples/hvm.cfg --xen 4.11\n\nExit status 1 when the release refuses it, with --json too.')
    .action((file: string, o: Record<string, unknown>) => {
      const release = parseRelease(o.xen, '--xen');
      const host = makeHost({ release, ...(o.hap === false ? { hap: false } : {}), ...(o.shadow === false ? { shadow: false } : {}) });
      const loaded = loadSpec(file);
      warn(loaded.warnings);
      const e = explainSpec(release, host, loaded.spec);
      if (o.json) jsonOut({ accept: e.accept, xen: e.xen, flags: e.flags, emulation: e.emulation, rules: e.rules, verdict: e.verdict, text: e.text });
      else for (const l of e.text) out(l);
      if (!e.accept) process.exitCode = EXIT.REFUSED;
    });
}
