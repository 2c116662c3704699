import type { Command } from 'commander';
import { abi } from '../xen/abi.js';
import { describeRules } from '../xen/createdomain.js';
import { domidRule } from '../xen/domid.js';
import { emuAll, emuNames, hex } from '../xen/emulation.js';
import { cdfFlags } from '../xen/flags.js';
import { RELEASE_IDS } from '../xen/releases.js';
import { defaultEmulation } from '../xc/config.js';
import { jsonOut, out } from './io.js';

/** `xk releases`: the releases xenkit knows and their createdomain facts. */
export function register(program: Command): void {
  program
    .command('releases')
    .description('the Xen releases xenkit knows and their key createdomain facts')
    .option('--json', 'print JSON')
    .option('--rules', 'list each release\'s createdomain rules with their Xen source')
    .addHelpText('after', '\nExamples:\n  xk releases\n  xk releases --json --rules')
    .action((o: { json?: boolean; rules?: boolean }) => {
      const rows = RELEASE_IDS.map((r) => {
        const a = abi(r);
        const d = domidRule(r);
        return {
          xen: r,
          domctl_interface_version: hex(a.domctlInterfaceVersion),
          cdf_flags: cdfFlags(r).map((f) => `${f.name}=${f.bit}`),
          emu_all: hex(emuAll(r)),
          emu_bits: emuNames(emuAll(r)),
          createdomain_size: a.createdomain.size,
          hvm_default: hex(defaultEmulation(r, 'hvm').value),
          libxc: a.libxc.xc_domain_create ?? '',
          domid: `${d.kind}: in use ${d.inUse}, none free ${d.exhausted}`,
          ...(o.rules ? { rules: [...describeRules(r, 'x86_64').map((x) => ({ arch: 'x86_64', ...x })), ...describeRules(r, 'arm64').map((x) => ({ arch: 'arm64', ...x }))] } : {}),
        };
      });
      if (o.json) return jsonOut(rows);
      out('XEN   DOMCTL  SIZE  EMU_ALL  HVM_DEFAULT  DOMIDS                              CDF FLAGS');
      for (const r of rows)
        out(`${r.xen.padEnd(5)} ${r.domctl_interface_version.padEnd(7)} ${String(r.createdomain_size).padEnd(5)} ${r.emu_all.padEnd(8)} ${r.hvm_default.padEnd(12)} ${r.domid.padEnd(35)} ${r.cdf_flags.join(' ')}`);
      if (o.rules) for (const r of rows) for (const x of r.rules ?? []) out(`${r.xen.padEnd(5)} ${x.arch.padEnd(6)} ${x.phase.padEnd(8)} ${x.id.padEnd(26)} ${x.source}`);
    });

}
