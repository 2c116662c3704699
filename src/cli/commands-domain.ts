import { Command, Option } from 'commander';
import { XenkitError } from '../errors.js';
import { SHUTDOWN_REASONS, type Hypervisor, type ShutdownReason } from '../hv/hypervisor.js';
import type { NameTable } from '../sim/store.js';
import { hostOf } from '../xc/domain-create.js';
import { resolveCreate } from '../xc/config.js';
import { ruleCode, verdictOf } from '../xc/check.js';
import { describeRules } from '../xen/createdomain.js';
import { describeEmu, hex, parseEmulationFlags } from '../xen/emulation.js';
import { cdfNames } from '../xen/flags.js';
import { makeHost, type HostCaps } from '../xen/host.js';
import { parseRelease, type ReleaseId } from '../xen/releases.js';
import { buildDomain, destroyDomain, pauseDomain, resolveDomain, unpauseDomain } from '../toolstack/lifecycle.js';
import { loadSpec, planFor } from '../toolstack/load.js';
import { toLibxlJson } from '../toolstack/spec/libxl-json.js';
import { yajlBeautify } from '../toolstack/spec/yajl.js';
import { libxlEmulationFlags } from '../toolstack/spec/emulation.js';
import type { DomainSpec } from '../toolstack/spec/domain-spec.js';
import { formatHandle } from '../xc/config.js';
import { actionFor, watchGuest } from '../toolstack/guest.js';
import { withHost } from './host.js';
import { EXIT, jsonOut, out } from './io.js';

function warn(ws: string[]): void {
  for (const w of ws) process.stderr.write(`xk: warning: ${w}\n`);
}

export function registerDomain(program: Command): void {
  program
    .command('create')
    .description('create a domain from an xl.cfg file (the simulated host by default)')
    .argument('<file>', 'xl.cfg file')
    .argument('[settings...]', 'key=value settings applied after the file, as xl takes them')
    .option('-p, --paused', 'leave the domain paused')
    .option('-n, --dry-run', 'print the createdomain config and the release\'s verdict; create nothing')
    .option('--libxl-json', 'with --dry-run: print the libxl_domain_config JSON exactly as `xl create -n` does')
    .option('--emulation-flags <n>', 'override the XEN_X86_EMU_* bitmap (number, 0x.., or device names)')
    .option('--watch', 'xen backend: stay, and apply on_poweroff/on_reboot/on_crash when the guest shuts down (xl\'s daemon)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  xk create examples/hvm.cfg\n  xk --backend xen create guest.cfg --watch   (real guest through libxl, in dom0)\n  xk create examples/pvh.cfg --paused memory=2048\n  xk create examples/hvm.cfg --dry-run --emulation-flags 0\n  xk create examples/pv.cfg --dry-run --libxl-json')
    .action(async (file: string, settings: string[], o: Record<string, unknown>, cmd: Command) => {
      const emu = o.emulationFlags === undefined ? undefined : parseEmulationFlags(o.emulationFlags, '--emulation-flags');
      const loaded = loadSpec(file, settings);
      warn(loaded.warnings);
      if (o.libxlJson) {
        if (!o.dryRun) throw new XenkitError('BAD_INPUT', '--libxl-json: only with --dry-run (xenkit prints the JSON; on a real host libxl builds the guest)', { field: '--libxl-json', hint: 'add --dry-run' });
        const { json, warnings } = toLibxlJson(loaded.spec, loaded.cfg);
        warn(warnings);
        process.stdout.write(yajlBeautify(json));
        return;
      }
      const result = await withHost(cmd, { write: !o.dryRun }, (hv, names) => {
        const host = hostOf(hv);
        const release = hv.version().release;
        const plan = planFor(release, host, loaded.spec, { paused: !!o.paused, emulationFlags: emu });
        if (o.dryRun) {
          const v = verdictOf(release, host, resolveCreate(release, host, plan.config));
          return { dryRun: true, name: plan.name, xen: release, args: v.args, defaults: v.defaults, accept: v.accept, errno: v.errno, code: v.code, reason: v.reason, hint: v.hint, source: v.source };
        }
        if (hv.backend === 'xen') return { dryRun: false, name: plan.name, xen: release, real: true, defaults: [], paused: plan.paused, domid: -1 };
        const r = buildDomain(hv, names, plan);
        return { dryRun: false, name: plan.name, domid: r.domid, xen: release, defaults: r.defaults, paused: plan.paused };
      });
      if ((result as { real?: boolean }).real) return createReal(loaded, !!o.paused, !!o.watch, !!o.json);
      if (o.json) return jsonOut(result);
      if (result.dryRun) {
        const d = result as { args: { flags: number; arch: unknown }; xen: ReleaseId; accept: boolean };
        out(`createdomain for "${result.name}" on Xen ${result.xen}:`);
        out(JSON.stringify(result.args, (k, v) => (v instanceof Uint8Array ? formatHandle(v) : v), 2));
        out(`flags: ${cdfNames(d.xen, d.args.flags).join('|') || '0'}`);
        out(d.accept ? `verdict: Xen ${result.xen} accepts it` : `verdict: Xen ${result.xen} refuses it with ${(result as { errno: string }).errno}: ${(result as { reason: string }).reason}\n  instead: ${(result as { hint: string }).hint}\n  [${(result as { source: string }).source}]`);
        if (!d.accept) process.exitCode = EXIT.REFUSED;
        return;
      }
      out(`Domain ${(result as { domid: number }).domid} "${result.name}" created${(result as { paused: boolean }).paused ? ' (paused)' : ''} on Xen ${result.xen}`);
    });

  for (const [name, what, fn] of [
    ['pause', 'pause a domain', pauseDomain],
    ['unpause', 'unpause a domain', unpauseDomain],
  ] as const)
    program
      .command(name)
      .description(what)
      .argument('<domain>', 'name or id')
      .addHelpText('after', `\nExamples:\n  xk ${name} web1\n  xk ${name} 3`)
      .action(async (ref: string, _o: unknown, cmd: Command) => {
        const id = await withHost(cmd, { write: true }, (hv, names) => fn(hv, names, ref));
        out(`domain ${id} ${name}d`);
      });

  program
    .command('destroy')
    .description('destroy a domain at once')
    .argument('<domain>', 'name or id')
    .addHelpText('after', '\nExamples:\n  xk destroy web1')
    .action(async (ref: string, _o: unknown, cmd: Command) => {
      const id = await withHost(cmd, { write: true }, (hv, names) => (hv.backend === 'xen' ? viaLibxl(hv, ref, 'destroy') : destroyDomain(hv, names, ref)));
      out(`domain ${id} destroyed`);
    });

  program
    .command('shutdown')
    .description('shut a domain down with a reason, then apply its on_poweroff/on_reboot/on_crash action (as xl\'s daemon does)')
    .argument('<domain>', 'name or id')
    .addOption(new Option('--reason <reason>', 'SHUTDOWN_* reason').choices([...SHUTDOWN_REASONS]).default('poweroff'))
    .addHelpText('after', '\nExamples:\n  xk shutdown web1\n  xk shutdown web1 --reason reboot')
    .action(async (ref: string, o: { reason: ShutdownReason }, cmd: Command) => {
      const msg = await withHost(cmd, { write: true }, (hv, names) => {
        if (hv.backend !== 'xen') return shutdownWithAction(hv, names, ref, o.reason);
        if (o.reason !== 'poweroff' && o.reason !== 'reboot')
          throw new XenkitError('NOT_ON_BACKEND', `--reason ${o.reason}: on real Xen a guest is asked to power off or reboot (libxl); it chooses crash or watchdog itself`, { field: '--reason', value: o.reason, hint: 'poweroff or reboot' });
        return viaLibxl(hv, ref, o.reason === 'reboot' ? 'reboot' : 'shutdown').then(
          (id) => `domain ${id} asked to ${o.reason === 'reboot' ? 'reboot' : 'power off'} (its on_* action applies where \`xk create --watch\` watches it)`,
        );
      });
      out(msg);
    });

  program
    .command('explain')
    .description('the whole derivation for an xl.cfg on a release: spec -> flags -> emulation bits -> rules -> verdict')
    .argument('<file>', 'xl.cfg file')
    .requiredOption('--xen <ver>', 'Xen release')
    .option('--json', 'print JSON')
    .option('--no-hap', 'host without EPT/NPT')
    .option('--no-shadow', 'Xen built without shadow paging')
    .addHelpText('after', '\nExamples:\n  xk explain examples/hvm.cfg --xen 4.11')
    .action((file: string, o: Record<string, unknown>) => {
      const release = parseRelease(o.xen, '--xen');
      const host = makeHost({ release, ...(o.hap === false ? { hap: false } : {}), ...(o.shadow === false ? { shadow: false } : {}) });
      const loaded = loadSpec(file);
      warn(loaded.warnings);
      const e = explain(release, host, loaded.spec);
      if (o.json) return jsonOut(e);
      for (const l of e.text) out(l);
      if (!e.accept) process.exitCode = EXIT.REFUSED;
    });
}

/**
 * On real Xen the guest is built by libxl from the libxl JSON (what `xl create -n` prints), then
 * optionally watched so its on_* actions apply. Verdict first: a config the release refuses never
 * reaches libxl.
 */
async function createReal(loaded: ReturnType<typeof loadSpec>, paused: boolean, watch: boolean, json: boolean): Promise<void> {
  const { openXen } = await import('../backend/select.js');
  const { LibxlClient } = await import('../backend/libxl-client.js');
  const { validateLibxlJson } = await import('../backend/libxl.js');
  const hv = await openXen();
  const libxl = new LibxlClient(hv.release);
  try {
    const host = hostOf(hv);
    const release = hv.version().release;
    const v = verdictOf(release, host, resolveCreate(release, host, planFor(release, host, loaded.spec).config));
    if (!v.accept) throw new XenkitError(v.code!, `Xen ${release} would refuse "${loaded.spec.name}" with ${v.errno}: ${v.reason}`, { field: v.field, errno: v.errno, hint: v.hint, source: v.source });
    const lj = toLibxlJson(loaded.spec, loaded.cfg);
    warn(lj.warnings);
    validateLibxlJson(lj.json as Record<string, unknown>);
    const domid = libxl.createNew(lj.json as Record<string, unknown>, paused);
    if (json) jsonOut({ name: loaded.spec.name, domid, xen: release });
    else out(`Domain ${domid} "${loaded.spec.name}" created${paused ? ' (paused)' : ''} on Xen ${release} through libxl`);
    if (!watch) return;
    await watchGuest(hv, libxl, domid, loaded.spec, lj.json as Record<string, unknown>, (e) => {
      if (e.action === 'gone') out(`domain ${e.domid} is gone`);
      else out(`domain ${e.domid} shut down (${e.reason}); on_${e.reason}: ${e.limit ? 'restart limit reached, destroyed' : e.action}${e.newDomid !== undefined ? `, restarted as domain ${e.newDomid}` : ''}`);
    });
  } finally {
    libxl.close();
    hv.close();
  }
}

/** destroy/shutdown/reboot of a real guest through libxl (it also tears down xenstore entries and backends). */
async function viaLibxl(hv: Hypervisor, ref: string, op: 'destroy' | 'shutdown' | 'reboot'): Promise<number> {
  const d = resolveDomain(hv, undefined, ref);
  const { LibxlClient } = await import('../backend/libxl-client.js');
  new LibxlClient(hv.version().release)[op](d.domid);
  return d.domid;
}

/** After a shutdown, do what the config says (xl's daemon: tools/xl/xl_vmcontrol.c handle_domain_death()). */
function shutdownWithAction(hv: Hypervisor, names: NameTable | undefined, ref: string, reason: ShutdownReason): string {
  const d = resolveDomain(hv, names, ref);
  hv.shutdown(d.domid, reason);
  const rec = names?.get(d.domid);
  const spec = (rec?.config as { spec?: DomainSpec; emulationFlags?: number | null } | null)?.spec;
  if (!spec || !names) return `domain ${d.domid} shut down (${reason})`;
  const action = actionFor(spec, reason);
  if (action === 'preserve' || reason === 'suspend') return `domain ${d.domid} shut down (${reason}); on_${reason}: preserve, left as it is`;
  hv.destroyDomain(d.domid);
  names.delete(d.domid);
  if (action === 'destroy' || action === 'coredump-destroy') return `domain ${d.domid} shut down (${reason}); on_${reason}: ${action}, destroyed`;
  // restart, rename-restart, coredump-restart, soft-reset: build it again from the same spec.
  const host = hostOf(hv);
  const release = hv.version().release;
  const ef = (rec!.config as { emulationFlags?: number | null }).emulationFlags ?? undefined;
  const r = buildDomain(hv, names, planFor(release, host, spec, { emulationFlags: ef }));
  return `domain ${d.domid} shut down (${reason}); on_${reason}: ${action}, "${spec.name}" restarted as domain ${r.domid}`;
}

export function explain(release: ReleaseId, host: HostCaps, spec: DomainSpec): { accept: boolean; text: string[]; verdict: unknown } {
  const plan = planFor(release, host, spec);
  const resolved = resolveCreate(release, host, plan.config);
  const v = verdictOf(release, host, resolved);
  const emu = libxlEmulationFlags(release, spec.type, { apic: spec.apic });
  const text = [
    `spec      : ${spec.name}: type ${spec.type}, ${spec.memoryMiB} MiB (max ${spec.maxMemoryMiB}), ${spec.vcpus}/${spec.maxVcpus} vCPUs`,
    `flags     : ${cdfNames(release, resolved.args.flags).join('|') || '0 (PV)'} (libxl_create.c @RELEASE-${release}.0; host ${host.hap ? 'has' : 'lacks'} HAP)`,
    `emulation : ${describeEmu(emu.value)} [${emu.source}]`,
    `struct    : ${Object.entries(resolved.args).filter(([k]) => !['arch', 'handle', 'flags'].includes(k)).map(([k, x]) => `${k}=${x}`).join(' ')}`,
    `rules     : Xen ${release}, in order:`,
  ];
  // Rule ids are unique within a release; the verdict names the one that refused (its code).
  let reached = true;
  for (const r of describeRules(release, host.arch)) {
    const failed = !v.accept && ruleCode(r.id) === v.code;
    text.push(reached ? `  ${failed ? 'FAIL' : 'ok  '} ${r.id.padEnd(26)} ${r.source}` : `  -    ${r.id} (not reached)`);
    if (failed) reached = false;
  }
  text.push(v.accept ? `verdict   : Xen ${release} accepts it (emulation_flags ${hex(v.emulation_flags ?? 0)})` : `verdict   : Xen ${release} refuses it with ${v.errno}: ${v.reason}`, ...(v.accept ? [] : [`instead   : ${v.hint}`]));
  return { accept: v.accept, text, verdict: v };
}
