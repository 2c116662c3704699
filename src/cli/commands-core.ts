import { Command } from 'commander';
import { XenkitError } from '../errors.js';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIM_OPS, SimXen } from '../sim/sim.js';
import { nameTableOf } from '../sim/store.js';
import { buildDomain } from '../toolstack/lifecycle.js';
import { loadSpec, planFor } from '../toolstack/load.js';
import { cdfNames } from '../xen/flags.js';
import { describeEmu, parseEmulationFlags } from '../xen/emulation.js';
import { openSimState, resetSimState } from '../sim/store.js';
import { statePath, withHost } from './host.js';
import { replayLine } from '../replay/replay.js';
import { checkLine } from '../xc/batch.js';
import { domainCreate } from '../xc/domain-create.js';
import { abi } from '../xen/abi.js';
import { describeRules } from '../xen/createdomain.js';
import { domidRule } from '../xen/domid.js';
import { emuAll, emuNames, hex } from '../xen/emulation.js';
import { cdfFlags } from '../xen/flags.js';
import { parseRelease, RELEASE_IDS, type ReleaseId } from '../xen/releases.js';
import { defaultEmulation } from '../xc/config.js';
import { addHostOptions, hostFromOptions } from './host-options.js';
import { backendName, openXen } from '../backend/select.js';
import { EXIT, jsonOut, out, readLines } from './io.js';
import { formatList, listRows } from './list.js';
import { checkFiles } from './check-files.js';

export function releasesArg(v: string): ReleaseId[] {
  return v === 'all' ? [...RELEASE_IDS] : v.split(',').map((x) => parseRelease(x, '--xen'));
}

export function registerCore(program: Command): void {
  program
    .command('demo')
    .description('the main job on an in-memory simulated Xen: create domains with and without a config, explain a rejection, list them')
    .option('--xen <ver>', 'Xen release to simulate', '4.22')
    .option('--json', 'print the results as JSON')
    .addHelpText('after', '\nExamples:\n  xk demo\n  xk demo --xen 4.11')
    .action((o: { xen: string; json?: boolean }) => runDemo(parseRelease(o.xen, '--xen'), !!o.json));

  addHostOptions(
    program
      .command('check')
      .description('check xl.cfg files, or raw createdomain configs (--jsonl), against Xen releases')
      .argument('[files...]', 'xl.cfg files')
      .requiredOption('--xen <ver>', 'a release (4.6 .. 4.22), a comma list, or "all"')
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
        if (!checkFiles(files, releases, host, !!o.json, emu)) process.exitCode = EXIT.REFUSED;
        return;
      }
      if (typeof o.jsonl !== 'string')
        throw new XenkitError('BAD_INPUT', 'check: nothing to check', { field: 'FILE', hint: 'give xl.cfg files, or --jsonl FILE (- for stdin)' });
      let n = 0;
      let rejected = false;
      for await (const line of readLines(o.jsonl)) {
        n++;
        for (const r of checkLine(line, n, releases, { ...host, release: undefined as never })) {
          if (r.accept === false || r.error) rejected = true;
          jsonOut(r);
        }
      }
      if (rejected) process.exitCode = EXIT.REFUSED;
    });

  addHostOptions(
    program
      .command('replay')
      .description('run a script of raw hypervisor operations (JSON lines) against a fresh host of a release')
      .argument('<file>', 'script file, or - for stdin')
      .option('--xen <ver>', 'Xen release of the simulated host (with --backend xen: the running release, checked)')
      .option('--backend <name>', 'sim (default) or xen ($XENKIT_BACKEND)')
      .option('--explain', 'add the reason in words to failed operations'),
  )
    .addHelpText(
      'after',
      `
Operations: physinfo, createdomain, destroydomain, pausedomain, unpausedomain, getdomaininfo,
  max_vcpus {"domid","max"}, max_mem {"domid","max_memkb"}, populate_physmap {"domid","kib"},
  shutdown {"domid","reason"}, inject {"target","errno","count"} (sim only).
createdomain takes the release's own struct xen_domctl_createdomain fields plus domid and
emulation_flags/misc_flags; an absent key is zero, as in a zeroed struct.
Examples:
  printf '%s\\n' '{"op":"createdomain","flags":["hvm","hap"]}' | xk replay --xen 4.10 -
  xk replay --xen 4.22 --explain test/conformance/domid-4.22.jsonl`,
    )
    .action(async (file: string, o: Record<string, unknown>, cmd: Command) => {
      const backend = backendName(o.backend ?? (cmd.optsWithGlobals() as { backend?: string }).backend);
      if (backend === 'sim' && o.xen === undefined)
        throw new XenkitError('BAD_INPUT', 'replay: --xen VER is required for the simulated host', { field: '--xen', hint: 'e.g. --xen 4.17' });
      const hv = backend === 'xen' ? await openXen() : new SimXen(hostFromOptions(o, parseRelease(o.xen, '--xen')));
      const release = hv.version().release;
      if (o.xen !== undefined && parseRelease(o.xen, '--xen') !== release)
        throw new XenkitError('RELEASE_MISMATCH', `--xen ${o.xen}: the hypervisor runs Xen ${release}`, { field: '--xen', value: o.xen, hint: `--xen ${release}, or leave it out` });
      let n = 0;
      let failed = false;
      for await (const line of readLines(file)) {
        n++;
        const r = replayLine(hv, release, line, n, !!o.explain);
        if (!r) continue;
        if (r.error) failed = true;
        jsonOut(r);
      }
      if (failed) process.exitCode = EXIT.BAD_INPUT;
    });

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

  program
    .command('info')
    .description('the host: backend, release, arch, memory, free memory, cpus, virtualisation capabilities')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  xk info\n  xk --state /tmp/lab.db info --json\n  xk --backend xen info   (in a Xen dom0, as root)')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const info = await withHost(cmd, { write: false }, (hv, _names, where) => {
        const p = hv.physinfo();
        const v = hv.version();
        return { backend: hv.backend, where, release: v.release, version: `${v.major}.${v.minor}${v.extra}`, ...p, total_memory_mib: Math.floor(p.total_pages / 256), free_memory_mib: Math.floor(p.free_pages / 256) };
      });
      if (o.json) return jsonOut(info);
      out(`backend         : ${info.backend} (${info.where})`);
      out(`xen_version     : ${info.version}`);
      out(`arch            : ${info.arch}`);
      out(`nr_cpus         : ${info.nr_cpus}`);
      out(`total_memory    : ${info.total_memory_mib} MiB`);
      out(`free_memory     : ${info.free_memory_mib} MiB`);
      out(`virt_caps       : ${info.capabilities.join(' ')}`);
    });

  program
    .command('list')
    .description('list domains, in `xl list` columns')
    .option('--long', 'more columns (type, UUID)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  xk list\n  xk list --long\n  xk list --json')
    .action(async (o: { long?: boolean; json?: boolean }, cmd: Command) => {
      const rows = await withHost(cmd, { write: false }, (hv, names) => listRows(hv, names));
      if (o.json) jsonOut(rows);
      // One write, not one per domain (20,000 lines are 20,000 system calls to a file).
      else out(formatList(rows, !!o.long).join('\n'));
    });

  const sim = program.command('sim').description('the simulated host: init, reset, status');
  addHostOptions(sim.command('init').description('make a new simulated host in the state file').option('--xen <ver>', 'Xen release', '4.22').option('--force', 'replace an existing state file'))
    .addHelpText('after', '\nExamples:\n  xk sim init --xen 4.17 --no-shadow\n  xk --state lab.db sim init --xen 4.11 --memory 16384 --cpus 8')
    .action((o: Record<string, unknown>, cmd: Command) => {
      const path = statePath(cmd);
      const host = hostFromOptions(o, parseRelease(o.xen, '--xen'));
      // One write transaction on the open file: another xk sees the old host or the new one.
      resetSimState(path, { host, ifNew: !o.force, force: !!o.force });
      out(`simulated Xen ${host.release} ${host.arch} host created in ${path}`);
    });
  sim
    .command('reset')
    .description('destroy every domain: the same host, freshly booted')
    .option('--force', 'start over even if the state file is unreadable (default host)')
    .addHelpText('after', '\nExamples:\n  xk sim reset')
    .action((o: { force?: boolean }, cmd: Command) => {
      const path = statePath(cmd);
      resetSimState(path, { force: !!o.force });
      out(`simulated host in ${path} reset`);
    });
  sim
    .command('inject')
    .description('make the next COUNT calls of an operation fail with an errno (test your error paths)')
    .requiredOption('--op <op>', `one of ${SIM_OPS.join(', ')}`)
    .requiredOption('--errno <name>', 'errno name, e.g. ENOMEM')
    .option('--count <n>', 'how many calls (0 clears)', '1')
    .addHelpText('after', '\nExamples:\n  xk sim inject --op populate_physmap --errno ENOMEM\n  xk sim inject --op createdomain --errno EBUSY --count 3')
    .action(async (o: { op: string; errno: string; count: string }, cmd: Command) => {
      if (!/^\d+$/.test(o.count.trim())) throw new XenkitError('BAD_INPUT', `--count: ${JSON.stringify(o.count)} is not a whole number`, { field: '--count', value: o.count, hint: 'a whole number of calls, 0 to clear' });
      const count = Number(o.count);
      const st = openSimState(statePath(cmd));
      try {
        st.run((s) => s.inject(o.op, o.errno, count));
      } finally {
        st.close();
      }
      out(`next ${count} ${o.op} call(s) will fail with ${o.errno}`);
    });
  sim
    .command('status')
    .description('the simulated host and its state file')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  xk sim status\n  XENKIT_STATE=/tmp/lab.db xk sim status --json')
    .action((o: { json?: boolean }, cmd: Command) => {
      const st = openSimState(statePath(cmd));
      try {
        st.read((s) => {
          const snap = s.snapshot();
          const status = { state: st.path, host: s.host, domains: s.domainCount, last_domid: snap.lastDomid, free_pages: snap.freePages, pending_faults: snap.faults, leaked_domids: snap.leakedDomids };
          if (o.json) return jsonOut(status);
          out(`state      : ${st.path}`);
          out(`host       : Xen ${s.host.release} ${s.host.arch}, ${s.host.memoryMiB} MiB, ${s.host.cpus} cpus, hvm=${s.host.hvm} hap=${s.host.hap} shadow=${s.host.shadow} iommu=${s.host.iommu}`);
          out(`domains    : ${s.domainCount} (last id picked ${snap.lastDomid})`);
          out(`free memory: ${Math.floor(snap.freePages / 256)} MiB`);
          if (Object.keys(snap.faults).length) out(`faults     : ${JSON.stringify(snap.faults)}`);
        });
      } finally {
        st.close();
      }
    });
}

const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples');

/** The Quick start job: the built-in examples on an in-memory sim, with and without a config. */
function runDemo(release: ReleaseId, json: boolean): void {
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
  const rows = listRows(hv, names);
  if (json) return jsonOut({ release, steps: log, domains: rows });
  say('\n== xk list');
  for (const l of formatList(rows, false)) out(l);
}
