import type { Command } from 'commander';
import { XenkitError } from '../errors.js';
import { loadSpec } from '../toolstack/load.js';
import { describeDeath } from '../toolstack/on-shutdown.js';
import type { Preview } from '../toolstack/toolstack.js';
import { formatHandle } from '../xc/config.js';
import { parseEmulationFlags } from '../xen/emulation.js';
import { cdfNames } from '../xen/flags.js';
import { parseRelease, type ReleaseId } from '../xen/releases.js';
import { LIBXL_JSON_RELEASES } from '../xen/xl-parse.js';
import { warn, withToolstack } from './context.js';
import { EXIT, jsonOut, out } from './io.js';

/** `xk create FILE [key=value ...]`: build a domain from an xl.cfg, as `xl create` does. */
export function register(program: Command): void {
  program
    .command('create')
    .description('create a domain from an xl.cfg file (the simulated host by default)')
    .argument('<file>', 'xl.cfg file, or - to read it from stdin')
    .argument('[settings...]', 'key=value settings applied after the file, as xl takes them')
    .option('-p, --paused', 'leave the domain paused')
    .option('-n, --dry-run', "print the createdomain config and the release's verdict; create nothing")
    .option('--libxl-json', 'with --dry-run: print the libxl_domain_config JSON exactly as `xl create -n` does')
    .option('--xen <ver>', `with --libxl-json: print that release's libxl layout (${LIBXL_JSON_RELEASES.join(', ')}; default ${LIBXL_JSON_RELEASES[0]})`)
    .option('--emulation-flags <n>', 'override the XEN_X86_EMU_* bitmap (number, 0x.., or device names)')
    .option('--watch', "stay, and apply on_poweroff/on_reboot/on_crash/on_watchdog when the guest shuts down (xl's daemon)")
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  xk create examples/hvm.cfg\n  xk create examples/pvh.cfg --paused memory=2048\n  xk create examples/pv.cfg --watch\n  xk create examples/hvm.cfg --dry-run --emulation-flags 0\n  xk create examples/pv.cfg --dry-run --libxl-json\n  xk create examples/hvm.cfg --dry-run --libxl-json --xen 4.20\n  xk --backend xen create guest.cfg --watch   (real guest through libxl, in dom0)\n\nExit status 1 when the release refuses the config, with --json and --dry-run too.',
    )
    .action(async (file: string, settings: string[], o: Record<string, unknown>, cmd: Command) => {
      const emu = o.emulationFlags === undefined ? undefined : parseEmulationFlags(o.emulationFlags, '--emulation-flags');
      // XENKIT_FIRMWARE_DIR: the target installation's libxl XENFIRMWAREDIR (Debian: /usr/lib/xen-4.17/boot), for firmware = "pvgrub64"
      const loaded = loadSpec(file, settings, { firmwareDir: process.env.XENKIT_FIRMWARE_DIR || undefined });
      warn(loaded.warnings);
      if (o.libxlJson) return printLibxlJson(loaded, !!o.dryRun, o.xen === undefined ? '4.17' : parseRelease(String(o.xen), '--xen'));
      if (o.xen !== undefined) throw new XenkitError('BAD_INPUT', '--xen: only with --dry-run --libxl-json (otherwise the release is the host\'s)', { field: '--xen', hint: 'add --dry-run --libxl-json, or leave --xen out' });
      const opts = { paused: !!o.paused, emulationFlags: emu, cfg: loaded.cfg };
      await withToolstack(cmd, async (ts) => {
        if (o.dryRun) return printPreview(await ts.preview(loaded.spec, opts), !!o.json);
        const c = await ts.create(loaded.spec, opts);
        warn(c.warnings);
        if (o.json) jsonOut(c);
        else out(`Domain ${c.domid} "${c.name}" created${c.paused ? ' (paused)' : ''} on Xen ${c.xen}${c.builder === 'libxl' ? ' through libxl' : ''}`);
        if (!o.watch) return;
        const debug = (cmd.optsWithGlobals() as { debug?: boolean }).debug;
        const onWatching = debug ? (how: string) => void process.stderr.write(`xk: watching domain ${c.domid}: ${how}\n`) : undefined;
        await ts.watch(c.domid, (e) => (o.json ? jsonOut({ event: 'shutdown', ...e }) : out(describeDeath(e))), { onWatching });
      });
    });
}

async function printLibxlJson(loaded: ReturnType<typeof loadSpec>, dryRun: boolean, release: ReleaseId): Promise<void> {
  if (!dryRun) throw new XenkitError('BAD_INPUT', '--libxl-json: only with --dry-run (xenkit prints the JSON; on a real host libxl builds the guest)', { field: '--libxl-json', hint: 'add --dry-run' });
  const { toLibxlJson } = await import('../toolstack/libxl/libxl-json.js');
  const { yajlBeautify } = await import('../toolstack/libxl/yajl.js');
  const { json, warnings } = toLibxlJson(loaded.spec, loaded.cfg, release);
  warn(warnings);
  process.stdout.write(yajlBeautify(json));
}

function printPreview(p: Preview, json: boolean): void {
  const v = p.verdict;
  if (!v.accept) process.exitCode = EXIT.REFUSED;
  if (json) {
    jsonOut({ dryRun: true, name: p.name, xen: p.xen, args: p.args, defaults: p.defaults, accept: v.accept, errno: v.errno, code: v.code, reason: v.reason, hint: v.hint, source: v.source });
    return;
  }
  out(`createdomain for "${p.name}" on Xen ${p.xen}:`);
  out(JSON.stringify(p.args, (_k, x) => (x instanceof Uint8Array ? formatHandle(x) : x), 2));
  out(`flags: ${cdfNames(p.xen, p.args.flags).join('|') || '0'}`);
  out(v.accept ? `verdict: Xen ${p.xen} accepts it` : `verdict: Xen ${p.xen} refuses it with ${v.errno}: ${v.reason}\n  instead: ${v.hint}\n  [${v.source}]`);
}
