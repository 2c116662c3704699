/**
 * Compares xenkit's facts for one release with what test/abi/probe.c reports from the installed Xen
 * headers (and with the member types and macro names test/abi/headers.ts reads off them).
 * Every function returns a list of differences, one line each; the empty list means "they agree".
 */
import { ABI } from '../../src/xen/abi-data.js';
import type { AbiFacts, StructLayout } from '../../src/xen/abi.js';
import { cdfFlags } from '../../src/xen/flags.js';
import { emuAll, emuBits } from '../../src/xen/emulation.js';
import { DOMID_FIRST_RESERVED, DOMID_IDLE, DOMID_INVALID } from '../../src/xen/domid.js';
import { createRules } from '../../src/xen/createdomain.js';
import type { RuleContext } from '../../src/xen/rules.js';
import { RELEASE_IDS, type ReleaseId } from '../../src/xen/releases.js';
import { FAMILIES, STRUCTS, type Family, type HeaderDecls, type StructName } from './headers.js';

/** [name, offset, size] */
export type ProbeField = [string, number, number];
export interface ProbeStruct {
  size: number;
  align: number;
  fields: ProbeField[];
}

/** What probe.c prints. Everything after `layouts` is present only when `layouts` is true (4.17 or 4.20 headers). */
export interface Probe {
  domctl_interface_version: number;
  sysctl_interface_version: number;
  domid: { DOMID_FIRST_RESERVED: number; DOMID_INVALID: number; DOMID_IDLE: number };
  layouts: boolean;
  domctl_size: number;
  structs: Record<StructName, ProbeStruct>;
  cdf: Record<string, number>;
  cdf_max: number;
  x86_emu: Record<string, number>;
  x86_emu_all: number;
  x86_msr_relaxed: number;
  x86_misc_flags_max: number;
  dominf: Record<string, number>;
  physcap: Record<string, number>;
  physcap_max: number;
}

export interface NamedBit {
  name: string;
  bit: number;
  value: number;
}

/** Everything xenkit states about a release that the headers can confirm, gathered from src/. */
export interface XenkitFacts {
  release: ReleaseId;
  /** abi-data.ts */
  abi: AbiFacts;
  /** flags.ts cdfFlags(r) */
  cdf: NamedBit[];
  /** emulation.ts emuBits(r) */
  emu: NamedBit[];
  /** emulation.ts emuAll(r) */
  emuAll: number;
  /** The misc_flags bits xenkit's x86 createdomain rules accept (createdomain.ts 'misc-flags-unknown'). */
  miscFlagsAccepted: number;
  /** domid.ts */
  domid: { DOMID_FIRST_RESERVED: number; DOMID_INVALID: number; DOMID_IDLE: number };
}

const hex = (n: number) => '0x' + (n >>> 0).toString(16);

/** Which misc_flags bits xenkit's createdomain rules let through (none checked = all accepted). */
export function miscFlagsAccepted(r: ReleaseId): number {
  const rules = createRules(r, 'x86_64').filter((x) => x.id === 'misc-flags-unknown');
  let mask = 0;
  for (let b = 0; b < 32; b++) {
    const ctx = {
      release: r,
      hwdom: false,
      args: { flags: 0, arch: { emulation_flags: 0, misc_flags: (1 << b) >>> 0 } },
    } as unknown as RuleContext;
    if (rules.every((x) => x.check(ctx) === undefined)) mask |= 1 << b;
  }
  return mask >>> 0;
}

export function xenkitFacts(r: ReleaseId): XenkitFacts {
  return {
    release: r,
    abi: ABI[r],
    cdf: cdfFlags(r).map(({ name, bit, value }) => ({ name, bit, value })),
    emu: emuBits(r).map(({ name, bit, value }) => ({ name, bit, value })),
    emuAll: emuAll(r),
    miscFlagsAccepted: miscFlagsAccepted(r),
    domid: { DOMID_FIRST_RESERVED, DOMID_INVALID, DOMID_IDLE },
  };
}

/** The releases whose facts carry this domctl interface version (to name what the headers are). */
export function releasesWithDomctlVersion(v: number): ReleaseId[] {
  return RELEASE_IDS.filter((r) => ABI[r].domctlInterfaceVersion === v);
}

/** Where each release's libxen-dev headers come from (for the "wrong headers" message). */
const HEADERS_FROM: Partial<Record<ReleaseId, string>> = {
  '4.17': "install Debian 12 (bookworm)'s libxen-dev (Xen 4.17)",
  '4.20': "stage Debian 13 (trixie)'s libxen-dev (Xen 4.20) with test/xen-qemu/trixie.sh",
};

/** undefined when the probe's headers are the release's; otherwise why not, in one line. */
export function checkRelease(facts: XenkitFacts, probe: Probe): string | undefined {
  const want = facts.abi.domctlInterfaceVersion;
  const got = probe.domctl_interface_version;
  if (got === want && probe.layouts) return undefined;
  const known = releasesWithDomctlVersion(got);
  const what = known.length ? `Xen ${known.join('/')}` : 'a release xenkit does not know';
  return (
    `installed Xen headers are not Xen ${facts.release}: XEN_DOMCTL_INTERFACE_VERSION is ${hex(got)} (${what}), ` +
    `${facts.release} has ${hex(want)}; ${HEADERS_FROM[facts.release] ?? `use Xen ${facts.release}'s libxen-dev`}`
  );
}

const FACT_STRUCT: Record<StructName, keyof AbiFacts> = {
  xen_domctl_createdomain: 'createdomain',
  xen_arch_domainconfig: 'x86Arch',
  xen_domctl_getdomaininfo: 'getdomaininfo',
  xen_sysctl_physinfo: 'physinfo',
};

/** One struct: size, alignment, member names in order, each member's offset, size and C type. */
export function compareStruct(name: StructName, fact: StructLayout, real: ProbeStruct, declared?: [string, string][]): string[] {
  const out: string[] = [];
  const s = `struct ${name}`;
  if (fact.size !== real.size) out.push(`${s}: sizeof: xenkit ${fact.size}, headers ${real.size}`);
  if (fact.align !== real.align) out.push(`${s}: alignment: xenkit ${fact.align}, headers ${real.align}`);
  const fNames = fact.fields.map((f) => f[0]);
  const rNames = real.fields.map((f) => f[0]);
  for (const n of rNames) if (!fNames.includes(n)) out.push(`${s}.${n}: in the headers, missing from xenkit's facts`);
  for (const n of fNames) if (!rNames.includes(n)) out.push(`${s}.${n}: in xenkit's facts, not in the headers`);
  const common = fNames.filter((n) => rNames.includes(n));
  if (common.join() !== rNames.filter((n) => fNames.includes(n)).join())
    out.push(`${s}: member order: xenkit [${fNames.join(', ')}], headers [${rNames.join(', ')}]`);
  for (const [n, ctype, off, size] of fact.fields) {
    const r = real.fields.find((f) => f[0] === n);
    if (!r) continue;
    if (off !== r[1]) out.push(`${s}.${n}: offset: xenkit ${off}, headers ${r[1]}`);
    if (size !== r[2]) out.push(`${s}.${n}: size: xenkit ${size}, headers ${r[2]}`);
    const d = declared?.find((x) => x[0] === n);
    if (d && d[1] !== ctype) out.push(`${s}.${n}: C type: xenkit "${ctype}", headers "${d[1]}"`);
  }
  return out;
}

export function compareLayouts(facts: XenkitFacts, probe: Probe, headers?: HeaderDecls): string[] {
  const out: string[] = [];
  const a = facts.abi;
  if (a.domctlInterfaceVersion !== probe.domctl_interface_version)
    out.push(`XEN_DOMCTL_INTERFACE_VERSION: xenkit ${hex(a.domctlInterfaceVersion)}, headers ${hex(probe.domctl_interface_version)}`);
  if (a.sysctlInterfaceVersion !== probe.sysctl_interface_version)
    out.push(`XEN_SYSCTL_INTERFACE_VERSION: xenkit ${hex(a.sysctlInterfaceVersion)}, headers ${hex(probe.sysctl_interface_version)}`);
  if (!probe.layouts) return [...out, 'the probe printed no layouts (headers are not this release)'];
  if (a.domctlSize !== probe.domctl_size) out.push(`sizeof(struct xen_domctl): xenkit ${a.domctlSize}, headers ${probe.domctl_size}`);
  for (const s of STRUCTS) out.push(...compareStruct(s, a[FACT_STRUCT[s]] as StructLayout, probe.structs[s], headers?.structs[s]));
  return out;
}

/** name -> bit from the probe's name -> value, each checked to be exactly one bit. */
function bitsOf(macro: string, values: Record<string, number>, out: string[]): Record<string, number> {
  const bits: Record<string, number> = {};
  for (const [n, v] of Object.entries(values)) {
    const b = Math.log2(v);
    if (!Number.isInteger(b)) out.push(`${macro}${n}: headers give ${hex(v)}, not a single bit`);
    else bits[n] = b;
  }
  return bits;
}

/** A name -> bit table from xenkit against the headers' name -> bit. */
export function compareBits(macro: string, source: string, xenkit: Record<string, number>, real: Record<string, number>): string[] {
  const out: string[] = [];
  for (const [n, b] of Object.entries(real)) {
    if (!(n in xenkit)) out.push(`${macro}${n}: in the headers (bit ${b}), missing from xenkit's ${source}`);
    else if (xenkit[n] !== b) out.push(`${macro}${n}: bit: xenkit's ${source} ${xenkit[n]}, headers ${b}`);
  }
  for (const [n, b] of Object.entries(xenkit)) if (!(n in real)) out.push(`${macro}${n}: in xenkit's ${source} (bit ${b}), not in the headers`);
  return out;
}

function table(rows: NamedBit[], macro: string, source: string, out: string[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const r of rows) {
    if (r.value !== 2 ** r.bit) out.push(`${macro}${r.name}: xenkit's ${source} gives value ${hex(r.value)} for bit ${r.bit}`);
    if (r.name in t) out.push(`${macro}${r.name}: listed twice in xenkit's ${source}`);
    t[r.name] = r.bit;
  }
  return t;
}

export function compareConstants(facts: XenkitFacts, probe: Probe): string[] {
  const out: string[] = [];
  if (!probe.layouts) return ['the probe printed no constants (headers are not this release)'];
  const cdf = bitsOf('XEN_DOMCTL_CDF_', probe.cdf, out);
  out.push(...compareBits('XEN_DOMCTL_CDF_', 'abi-data.ts cdf', facts.abi.cdf, cdf));
  out.push(...compareBits('XEN_DOMCTL_CDF_', 'flags.ts cdfFlags()', table(facts.cdf, 'XEN_DOMCTL_CDF_', 'flags.ts cdfFlags()', out), cdf));

  const emu = bitsOf('XEN_X86_EMU_', probe.x86_emu, out);
  out.push(...compareBits('XEN_X86_EMU_', 'emulation.ts emuBits()', table(facts.emu, 'XEN_X86_EMU_', 'emulation.ts emuBits()', out), emu));
  if (facts.emuAll !== probe.x86_emu_all) out.push(`XEN_X86_EMU_ALL: xenkit's emulation.ts emuAll() ${hex(facts.emuAll)}, headers ${hex(probe.x86_emu_all)}`);
  if (facts.abi.emuAll !== probe.x86_emu_all) out.push(`XEN_X86_EMU_ALL: xenkit's abi-data.ts emuAll ${hex(facts.abi.emuAll)}, headers ${hex(probe.x86_emu_all)}`);

  // xenkit has no misc_flags table: its x86 createdomain rule accepts exactly the bits it believes exist.
  const allMisc = (probe.x86_misc_flags_max * 2 - 1) >>> 0;
  if (facts.miscFlagsAccepted !== allMisc || probe.x86_msr_relaxed !== allMisc)
    out.push(
      `XEN_X86_MSR_RELAXED: xenkit's createdomain.ts accepts misc_flags ${hex(facts.miscFlagsAccepted)}, ` +
        `headers have XEN_X86_MSR_RELAXED ${hex(probe.x86_msr_relaxed)} (all misc flags ${hex(allMisc)})`,
    );

  out.push(...compareBits('XEN_DOMINF_', 'abi-data.ts dominf', facts.abi.dominf, bitsOf('XEN_DOMINF_', probe.dominf, out)));
  out.push(...compareBits('XEN_SYSCTL_PHYSCAP_', 'abi-data.ts physcap', facts.abi.physcap, bitsOf('XEN_SYSCTL_PHYSCAP_', probe.physcap, out)));

  for (const k of ['DOMID_FIRST_RESERVED', 'DOMID_INVALID', 'DOMID_IDLE'] as const)
    if (facts.domid[k] !== probe.domid[k]) out.push(`${k}: xenkit's domid.ts ${hex(facts.domid[k])}, headers ${hex(probe.domid[k])}`);
  return out;
}

export function compareAbi(facts: XenkitFacts, probe: Probe, headers?: HeaderDecls): string[] {
  return [...compareLayouts(facts, probe, headers), ...compareConstants(facts, probe)];
}

/**
 * The probe's own completeness: it must list every member the headers declare (and the members
 * must tile the struct, padding aside), and every constant of each family (the MAX macros agree).
 */
export function checkProbeCoverage(probe: Probe, headers: HeaderDecls): string[] {
  const out: string[] = [];
  if (!probe.layouts) return ['the probe printed no layouts (headers are neither 4.17 nor 4.20)'];
  for (const s of STRUCTS) {
    const declared = headers.structs[s].map((m) => m[0]);
    const listed = probe.structs[s].fields.map((f) => f[0]);
    if (declared.join() !== listed.join()) out.push(`probe.c struct ${s}: lists [${listed.join(', ')}], headers declare [${declared.join(', ')}]`);
    let end = 0;
    for (const [n, off, size] of [...probe.structs[s].fields].sort((x, y) => x[1] - y[1])) {
      if (off < end) out.push(`probe.c struct ${s}.${n}: overlaps the member before it`);
      else if (off - end >= probe.structs[s].align) out.push(`probe.c struct ${s}.${n}: ${off - end} unexplained bytes before it`);
      end = Math.max(end, off + size);
    }
    if (probe.structs[s].size - end >= probe.structs[s].align) out.push(`probe.c struct ${s}: ${probe.structs[s].size - end} unexplained bytes at the end`);
  }
  const listed: Record<Family, string[]> = {
    cdf: Object.keys(probe.cdf),
    x86_emu: Object.keys(probe.x86_emu),
    x86_misc: ['MSR_RELAXED'],
    dominf: Object.keys(probe.dominf),
    physcap: Object.keys(probe.physcap),
  };
  for (const fam of Object.keys(FAMILIES) as Family[]) {
    const want = [...headers.macros[fam]].sort().join(', ');
    const have = [...listed[fam]].sort().join(', ');
    if (want !== have) out.push(`probe.c ${FAMILIES[fam].prefix}*: lists [${have}], headers define [${want}]`);
  }
  const max = (o: Record<string, number>) => Math.max(...Object.values(o));
  if (max(probe.cdf) !== probe.cdf_max) out.push(`probe.c: highest XEN_DOMCTL_CDF_* ${hex(max(probe.cdf))} is not XEN_DOMCTL_CDF_MAX ${hex(probe.cdf_max)}`);
  if (max(probe.physcap) !== probe.physcap_max)
    out.push(`probe.c: highest XEN_SYSCTL_PHYSCAP_* ${hex(max(probe.physcap))} is not XEN_SYSCTL_PHYSCAP_MAX ${hex(probe.physcap_max)}`);
  const emuOr = Object.values(probe.x86_emu).reduce((m, v) => m | v, 0) >>> 0;
  if (emuOr !== probe.x86_emu_all) out.push(`probe.c: the XEN_X86_EMU_* bits make ${hex(emuOr)}, XEN_X86_EMU_ALL is ${hex(probe.x86_emu_all)}`);
  return out;
}

/** libxenctrl prototypes as the installed xenctrl.h declares them (comments out, whitespace collapsed). */
export function compareLibxc(facts: XenkitFacts, xenctrlH: string): string[] {
  const h = xenctrlH
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/^[ \t]*#(?:[^\n]*\\\n)*[^\n]*$/gm, ' ')
    .replace(/\s+/g, ' ');
  const out: string[] = [];
  for (const [fn, proto] of Object.entries(facts.abi.libxc)) {
    const m = new RegExp(`[^;{}]*\\b${fn}\\s*\\([^;{]*;`).exec(h);
    if (!m) out.push(`${fn}: in xenkit's libxc prototypes, not declared in xenctrl.h`);
    else {
      const decl = m[0].trim().replace(/\s*;$/, '').replace(/\s*\(\s*/, '(').replace(/\s*\)$/, ')');
      if (decl !== proto) out.push(`${fn}: xenkit "${proto}", xenctrl.h "${decl}"`);
    }
  }
  return out;
}
