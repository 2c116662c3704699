import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { XenkitError } from '../errors.js';
import { SimXen } from '../sim/sim.js';
import { nameTableOf } from '../sim/store.js';
import { buildDomain } from '../toolstack/lifecycle.js';
import { loadSpec, planFor } from '../toolstack/load.js';
import { toolstackOver } from '../toolstack/open.js';
import { domainCreate } from '../xc/domain-create.js';
import { describeEmu } from '../xen/emulation.js';
import { cdfNames } from '../xen/flags.js';
import { parseRelease, type ReleaseId } from '../xen/releases.js';
import { jsonOut, out } from './io.js';
import { formatList, listRows } from '../toolstack/xl-list.js';
import { recordsTable } from '../toolstack/domain-table.js';

/** `xk demo`: the Quick start job. */
export function register(program: Command): void {
  program
    .command('demo')
    .description('the main job on an in-memory simulated Xen: create domains with and without a config, explain a rejection, list them')
    .option('--xen <ver>', 'Xen release to simulate', '4.22')
    .option('--json', 'print the results as JSON')
    .addHelpText('after', '\nExamples:\n  xk demo\n  xk demo --xen 4.11')
    .action((o: { xen: string; json?: boolean }) => runDemo(parseRelease(o.xen, '--xen'), !!o.json));
}

const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples');

/** The Quick start job: the built-in examples on an in-memory sim, with and without a config. */
async function runDemo(release: ReleaseId, json: boolean): Promise<void> {
  const hv = new SimXen({ release });
  const names = nameTableOf();
  const log: Record<string, unknown>[] = [];
  const say = (s: string) => !json && out(s);
  say(`Simulated Xen ${release} on ${hv.host.arch}: ${hv.host.memoryMiB} MiB, ${hv.host.cpus} cpus, hvm hap shadow iommu`);
  const steps: { title: string; run: () => { domid: number; defaults: string[]; args: { flags: number; arch: unknown } } }[] = [
    { title: 'domainCreate(hv): no config at all (a PV guest, defaults)', run: () => domainCreate(hv) },
    { title: 'domainCreate(hv, { type: "hvm" }): no arch config (defaults)', run: () => domainCreate(hv, { type: 'hvm' }) },
    ...['pv.cfg', 'pvh.cfg', 'hvm.cfg'].map((f) => ({
      title: `xk create examples/${f} (the config libxl ${release} would pass)`,
      run: () => buildDomain(hv, names, planFor(release, hv.host, loadSpec(join(EXAMPLES, f)).spec)),
    })),
    {
      title: 'examples/hvm.cfg with a zeroed arch config (what the old xc_domain_create() passed)',
      run: () => buildDomain(hv, names, planFor(release, hv.host, { ...loadSpec(join(EXAMPLES, 'hvm.cfg')).spec, name: 'win-zeroed' }, { emulationFlags: 0 })),
    },
  ];
  for (const s of steps) {
    say(`\n== ${s.title}`);
    try {
      const r = s.run();
      const emu = (r.args.arch as { emulation_flags?: number }).emulation_flags ?? 0;
      say(`created domain ${r.domid}: flags ${cdfNames(release, r.args.flags).join('|') || '0 (PV)'}, emulation_flags ${describeEmu(emu)}`);
      const shown = r.defaults.filter((d) => d.startsWith('flags') || d.startsWith('arch'));
      for (const d of shown) say(`  default: ${d}`);
      if (r.defaults.length > shown.length) say(`  default: ${r.defaults.filter((d) => !shown.includes(d)).map((d) => d.split(' (')[0]).join(', ')}`);
      log.push({ step: s.title, ok: true, domid: r.domid, defaults: r.defaults });
    } catch (e) {
      if (!(e instanceof XenkitError)) throw e;
      say(`refused [${e.code}, ${e.errno}]:\n  ${e.message.replace(/\. Instead: /, '.\n  instead: ')}`);
      log.push({ step: s.title, ok: false, code: e.code, errno: e.errno, message: e.message });
    }
  }
  const ts = toolstackOver(hv, names);
  const records = await ts.list();
  if (json) return jsonOut({ release, steps: log, domains: listRows(recordsTable(records)) });
  say('\n== xk list');
  process.stdout.write(formatList(recordsTable(records), false, ts.cpuTime));
}
