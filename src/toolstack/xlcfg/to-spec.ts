import type { XlCfg, XlSetting, XlString } from './ast.js';
import { isXlKey, suggestKey, XL_KEY_TYPES, xlReadsFor, type GuestType, type XlKey } from './keys.js';
import { nearest } from './nearest.js';
import { parseXlCfg } from './parse.js';
import { where } from './syntax-error.js';
import { checkCpuRange, CPUS_SOURCE } from './cpus.js';
import { applyDefaults, DEFAULT_TYPE, type GivenSpec } from '../domain/defaults.js';
import { DISK_SOURCE, parseDiskSpec } from './disk.js';
import { PASSTHROUGH_MODES, SHUTDOWN_ACTIONS, type CpuAffinity, type DomainSpec, type Passthrough, type ShutdownAction } from '../domain/domain-spec.js';
import { CfgReader, missing } from './reader.js';
import { parseVifSpec, VIF_SOURCE } from './vif.js';
import { XENFIRMWAREDIR } from './to-config.js';
import { XL_BUILDER_DEPRECATED_FROM } from '../../xen/xl-changes.js';

const XL = 'tools/xl/xl_parse.c parse_config_data() @RELEASE-4.17.0';
/** memory/maxmem in MiB: xl multiplies by 1024 into a 64-bit MemKB; xenkit keeps it exact in a double. */
const MAX_MIB = Math.floor(Number.MAX_SAFE_INTEGER / 1024);

export interface SpecOptions {
  /** `key=value` settings from the command line (`xl create cfg key=value ...`), parsed with the same grammar, applied after the file. */
  overrides?: string[];
  /**
   * libxl's XENFIRMWAREDIR, where `firmware = "pvgrub64"` finds its kernel: a build-time path,
   * upstream's $libexecdir/xen/boot (/usr/lib/xen/boot, the default); Debian's xen-utils-4.17 has
   * /usr/lib/xen-4.17/boot (real xl 4.17.7, test/xen-qemu/recorded/xl-create-n/corpus/keys-firmware.json).
   */
  firmwareDir?: string;
}

/** Where a setting is: file:line:column. */
const at = (s: XlSetting) => where(s.file, s);

/**
 * An xl.cfg as xl 4.17's parse_config_data() reads it, into a DomainSpec with xl's and libxl's
 * defaults applied (defaults.ts). Stricter than xl where xl only warns and drops a key; warnings
 * for what xl accepts but is probably a mistake (unknown keys, keys for another guest type,
 * memory above maxmem, keys set twice).
 */
export function specFromXlCfg(cfg: XlCfg, opts: SpecOptions = {}): { spec: DomainSpec; warnings: string[] } {
  // xl appends each override and a newline to the file's text (xl_vmcontrol.c main_create() @RELEASE-4.17.0)
  for (const o of opts.overrides ?? []) cfg = parseXlCfg(`${o}\n`, 'command line', cfg);
  const r: CfgReader = new CfgReader(cfg);
  const warnings: string[] = [];

  keyWarnings(cfg, warnings);
  const given = guestType(r, warnings);
  const type = given ?? DEFAULT_TYPE;
  for (const s of cfg.settings.values()) {
    if (!isXlKey(s.key) || xlReadsFor(s.key, type)) continue;
    if (s.key === 'timer_mode') r.fail(s.key, 'xl: "timer_mode" option is not supported for PV guests', 'no timer_mode for a PV guest', XL);
    warnings.push(`${at(s)}: ${s.key} is read by xl for ${XL_KEY_TYPES[s.key]!.join('/')} guests only; ignored for this ${type} guest`);
  }

  const name = r.string('name');
  if (name === undefined) throw missing(cfg.file, 'name', 'xl: "Domain name must be specified."', 'name = "..."', XL);
  if (name === '') r.fail('name', 'a domain needs a name', 'a non-empty name');

  const g: GivenSpec = { name, type: given, pool: r.string('pool') };
  const uuid = r.string('uuid');
  if (uuid !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uuid))
    r.fail('uuid', 'xl: "Failed to parse UUID"', 'a UUID such as "5f0e7a7c-3c3a-4d8e-9b1e-0a7c2d4e6f80" (8-4-4-4-12 hex digits)', 'libxl_uuid_from_string() (libuuid uuid_parse)');
  g.uuid = uuid?.toLowerCase();
  g.hap = r.bool('hap');
  g.oos = r.bool('oos');

  sizing(r, g, warnings);
  g.onPoweroff = action(r, 'on_poweroff');
  g.onReboot = action(r, 'on_reboot');
  g.onWatchdog = action(r, 'on_watchdog');
  g.onCrash = action(r, 'on_crash');
  g.onSoftReset = action(r, 'on_soft_reset');

  boot(r, g, type, cfg.file, opts, warnings);
  g.acpi = r.bool('acpi');
  g.nestedHvm = r.bool('nestedhvm');
  g.vpmu = r.bool('vpmu');
  if (type === 'hvm') {
    g.apic = r.bool('apic');
    g.pae = r.bool('pae');
    g.vnc = r.bool('vnc');
    g.sdl = r.bool('sdl');
  }

  const pt = r.string('passthrough');
  if (pt !== undefined) {
    const v = pt.toLowerCase(); // libxl_passthrough_from_string(): strcasecmp
    if (!(PASSTHROUGH_MODES as readonly string[]).includes(v)) r.fail('passthrough', 'xl: "unknown passthrough option"', PASSTHROUGH_MODES.join(', '), XL);
    g.passthrough = v as Passthrough;
  }
  g.pci = r.list('pci')?.items.map((i) => i.value);

  const disks = r.list('disk');
  if (disks) g.disks = disks.items.map((v) => parseDiskSpec(v.value, r.failer(disks.s, v, DISK_SOURCE)));
  const vifs = r.list('vif');
  if (vifs) g.nics = vifs.items.map((v, i) => parseVifSpec(v.value, i, (m) => warnings.push(`${where(vifs.s.file, v)}: ${m}`), r.failer(vifs.s, v, VIF_SOURCE)));

  return { spec: applyDefaults(g), warnings };
}

/** Keys set twice in one file, and keys xl does not know (with the nearest it does). */
function keyWarnings(cfg: XlCfg, warnings: string[]): void {
  const seen = new Map<string, XlSetting>();
  for (const a of cfg.assignments) {
    const before = seen.get(a.key);
    if (before && before.file === a.file && a.op === '=') warnings.push(`${at(a)}: ${a.key} is set again (first at ${at(before)}); the last setting wins, as in xl`);
    seen.set(a.key, a);
  }
  for (const s of cfg.settings.values()) {
    if (isXlKey(s.key)) continue;
    const near = suggestKey(s.key);
    warnings.push(`${at(s)}: unknown key "${s.key}" (xl ignores it)${near ? `; did you mean "${near}"?` : ''}`);
  }
}

/** memory, maxmem, vcpus, maxvcpus, cpus and cpus_soft, with xl's checks between them. */
function sizing(r: CfgReader, g: GivenSpec, warnings: string[]): void {
  g.memoryMiB = r.number('memory', 'a whole number of MiB, e.g. memory = 1024', 1, MAX_MIB);
  g.maxMemoryMiB = r.number('maxmem', 'a whole number of MiB, e.g. maxmem = 2048', 1, MAX_MIB);
  if (g.memoryMiB !== undefined && g.maxMemoryMiB !== undefined && g.memoryMiB > g.maxMemoryMiB)
    warnings.push(`${at(r.get('memory')!)}: memory (${g.memoryMiB} MiB) is above maxmem (${g.maxMemoryMiB} MiB); xl accepts it, but the man page asks maxmem >= memory`);
  g.vcpus = r.number('vcpus', 'a number of vCPUs, e.g. vcpus = 2', 1);
  g.maxVcpus = r.number('maxvcpus', 'a number of vCPUs, e.g. maxvcpus = 4', 1);
  if (g.vcpus !== undefined && g.maxVcpus !== undefined && g.vcpus > g.maxVcpus)
    r.fail('vcpus', `xl: "maxvcpus < vcpus" (maxvcpus = ${g.maxVcpus} at ${at(r.get('maxvcpus')!)})`, `vcpus <= ${g.maxVcpus}, or a larger maxvcpus`, XL);
  g.cpus = affinity(r, 'cpus');
  g.cpusSoft = affinity(r, 'cpus_soft');
}

/** kernel (and PV firmware), ramdisk, bootloader and cmdline, as xl reads them for the guest type. */
function boot(r: CfgReader, g: GivenSpec, type: GuestType, file: string, opts: SpecOptions, warnings: string[]): void {
  g.kernel = r.string('kernel');
  if (type === 'hvm' && g.kernel !== undefined && g.kernel.split('/').pop() === 'hvmloader') {
    warnings.push(`${at(r.get('kernel')!)}: kernel "${g.kernel}" is dropped: xl ignores "kernel" pointing at hvmloader for HVM guests (use firmware_override)`);
    g.kernel = undefined;
  }
  if (type !== 'hvm') g.kernel = pvFirmware(r, g.kernel, opts.firmwareDir);
  g.ramdisk = r.string('ramdisk');
  g.bootloader = r.string('bootloader');
  g.cmdline = cmdline(r, warnings);
  if (type !== 'hvm' && g.kernel === undefined && g.bootloader === undefined)
    throw missing(file, 'kernel', `xl: "Neither kernel nor bootloader specified" (a ${type} guest boots a kernel)`, 'kernel = "/path/to/vmlinuz" or bootloader = "pygrub"', XL);
}

/**
 * `type`, matched as xl does: a prefix of "hvm", then "pv", then "pvh" (so "" and "h" mean hvm,
 * "p" pv); or the deprecated `builder` (a prefix of "hvm" or "generic"); else undefined.
 */
function guestType(r: CfgReader, warnings: string[]): GuestType | undefined {
  const prefixOf = (v: string, names: [string, GuestType][]) => names.find(([n]) => n.startsWith(v));
  let type: GuestType | undefined;
  const t = r.get('type');
  if (t) {
    const v = r.string('type')!;
    const hit = prefixOf(v, [['hvm', 'hvm'], ['pv', 'pv'], ['pvh', 'pvh']]);
    if (!hit) r.fail('type', `xl: "Invalid domain type ${v}."`, '"pv", "pvh" or "hvm"', XL);
    if (hit[0] !== v) warnings.push(`${where(t.file, t.value)}: type "${v}" is read as "${hit[1]}" (xl matches a prefix); write "${hit[1]}"`);
    type = hit[1];
  }
  const b = r.get('builder');
  if (b) {
    const v = r.string('builder')!;
    const hit = prefixOf(v, [['hvm', 'hvm'], ['generic', 'pv']]);
    if (!hit) r.fail('builder', `xl: "Invalid domain type ${v}."`, '"hvm" or "generic" (or, better, type = "pv" | "pvh" | "hvm")', XL);
    if (type && type !== hit[1]) r.fail('builder', 'xl: "Contradicting \\"builder\\" and \\"type\\" options specified."', `builder agreeing with type = "${type}", or no builder`, XL);
    warnings.push(`${where(b.file, b.value)}: builder is deprecated since Xen ${XL_BUILDER_DEPRECATED_FROM}; write type = "${hit[1]}"`);
    type = hit[1];
  }
  return type;
}

function action(r: CfgReader, key: XlKey): ShutdownAction | undefined {
  const v = r.string(key);
  if (v === undefined) return undefined;
  if (!(SHUTDOWN_ACTIONS as readonly string[]).includes(v)) {
    const near = nearest(v, SHUTDOWN_ACTIONS);
    r.fail(key, `xl: "Unknown ${key} action"${near ? ` (did you mean "${near}"?)` : ''}`, SHUTDOWN_ACTIONS.join(', '), XL);
  }
  return v as ShutdownAction;
}

/** parse_cmdline(): cmdline wins over root and extra; else "root=R E", "root=R" or "E". */
function cmdline(r: CfgReader, warnings: string[]): string | undefined {
  const [cmd, root, extra] = [r.string('cmdline'), r.string('root'), r.string('extra')];
  if (cmd !== undefined) {
    if (root !== undefined || extra !== undefined) warnings.push(`${where(r.get('cmdline')!.file, r.get('cmdline')!)}: root= and extra= are ignored in favour of cmdline= (as xl does)`);
    return cmd;
  }
  if (root !== undefined) return extra !== undefined ? `root=${root} ${extra}` : `root=${root}`;
  return extra;
}

/** cpus / cpus_soft: a string for all vCPUs, or a list with one entry per vCPU. */
function affinity(r: CfgReader, key: 'cpus' | 'cpus_soft'): CpuAffinity | undefined {
  const s = r.get(key);
  if (!s) return undefined;
  const items: XlString[] = s.value.kind === 'list' ? r.list(key)!.items : [s.value];
  for (const v of items) checkCpuRange(v.value, r.failer(s, v, CPUS_SOURCE));
  return { form: s.value.kind === 'list' ? 'per-vcpu' : 'all-vcpus', ranges: items.map((v) => v.value) };
}

/** PV/PVH `firmware`: a prefix of "pvgrub32" or "pvgrub64" becomes the kernel XENFIRMWAREDIR/<value>.bin (xl_parse.c:1864-1880). */
function pvFirmware(r: CfgReader, kernel: string | undefined, dir = XENFIRMWAREDIR): string | undefined {
  const f = r.string('firmware');
  if (f === undefined) return kernel;
  if (kernel !== undefined) r.fail('firmware', 'xl: "ERROR: both kernel and firmware specified"', 'kernel or firmware, not both', XL);
  if (!'pvgrub32'.startsWith(f) && !'pvgrub64'.startsWith(f)) r.fail('firmware', 'xl: "ERROR: only pvgrub{32|64} supported as firmware options"', '"pvgrub32" or "pvgrub64"', XL);
  return `${dir}/${f}.bin`;
}
