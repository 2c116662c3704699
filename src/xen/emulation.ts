import { badInput } from '../errors.js';
import { perRelease, releaseTag, type ReleaseId } from './releases.js';
import { cdfValue } from './flags.js';
import { abi } from './abi.js';

/**
 * XEN_X86_EMU_* bits of struct xen_arch_domainconfig (x86), xen/include/public/arch-x86/xen.h.
 * Added by c/s 171946ab in 4.7 (LAPIC..PIT); USE_PIRQ in 4.9; VPCI in 4.11.
 */
const EMU_ROWS = [
  { name: 'LAPIC', bit: 0, what: 'local APIC' },
  { name: 'HPET', bit: 1, what: 'HPET' },
  { name: 'PM', bit: 2, what: 'ACPI PM timer and PM1 registers' },
  { name: 'RTC', bit: 3, what: 'RTC/CMOS' },
  { name: 'IOAPIC', bit: 4, what: 'IO-APIC' },
  { name: 'PIC', bit: 5, what: '8259 PIC' },
  { name: 'VGA', bit: 6, what: 'standard VGA' },
  { name: 'IOMMU', bit: 7, what: 'emulated IOMMU' },
  { name: 'PIT', bit: 8, what: '8254 PIT' },
  { name: 'USE_PIRQ', bit: 9, what: 'event channels for physical IRQs (HVM PIRQ)' },
  { name: 'VPCI', bit: 10, what: 'virtual PCI (vPCI)' },
] as const satisfies readonly { name: string; bit: number; what: string }[];

export type EmuName = (typeof EMU_ROWS)[number]['name'];

export const EMU: Record<EmuName, number> = Object.fromEntries(EMU_ROWS.map((r) => [r.name, 1 << r.bit])) as Record<
  EmuName,
  number
>;

export interface EmuBit {
  name: EmuName;
  bit: number;
  value: number;
  what: string;
}

/** The bits release r defines (none in 4.6: its x86 xen_arch_domainconfig is `{ char dummy; }`). */
export function emuBits(r: ReleaseId): EmuBit[] {
  // The release's XEN_X86_EMU_ALL (abi-data.ts, read off its header) says which bits it defines.
  const all = abi(r).emuAll;
  return EMU_ROWS.filter((x) => (all >>> x.bit) & 1).map((x) => ({ name: x.name, bit: x.bit, value: 1 << x.bit, what: x.what }));
}

/** XEN_X86_EMU_ALL of release r (0 for 4.6, which has no bitmap). */
export function emuAll(r: ReleaseId): number {
  return abi(r).emuAll;
}


/** "LAPIC|IOAPIC" style; unknown bits as bitN. */
export function emuNames(bits: number): string[] {
  const out: string[] = [];
  for (let b = 0; b < 32; b++) {
    if (!(bits & (1 << b))) continue;
    const row = EMU_ROWS.find((x) => x.bit === b);
    out.push(row ? row.name : `bit${b}`);
  }
  return out;
}

export function describeEmu(bits: number): string {
  return bits === 0 ? '0 (no emulated devices)' : `${hex(bits)} (${emuNames(bits).join('|')})`;
}

export function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16);
}

/** emulation_flags given as a number, "0x.." string, or a list of device names (with or without XEN_X86_EMU_). */
export function parseEmulationFlags(input: unknown, field = 'emulation_flags'): number {
  if (typeof input === 'string' && /^\s*(0x[0-9a-f]+|\d+)\s*$/i.test(input)) return parseEmulationFlags(Number(input.trim()), field);
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input < 0 || input > 0xffffffff)
      throw badInput(field, input, 'a 32-bit unsigned XEN_X86_EMU_* bitmap (0 .. 0xffffffff)');
    return input >>> 0;
  }
  const list = typeof input === 'string' ? input.split(/[\s,|]+/).filter(Boolean) : input;
  // An empty string names no device: refuse it rather than read it as 0 (a zeroed arch config).
  if (typeof input === 'string' && (list as string[]).length === 0)
    throw badInput(field, input, 'a number (0 for no emulated devices), a "0x..." string, or XEN_X86_EMU_* device names');
  if (Array.isArray(list)) {
    let v = 0;
    list.forEach((n, i) => {
      const name = typeof n === 'string' ? n.trim().toUpperCase().replace(/^XEN_X86_EMU_/, '') : n;
      const row = EMU_ROWS.find((x) => x.name === name);
      if (!row) throw badInput(`${field}[${i}]`, n, `a XEN_X86_EMU_* device name: ${EMU_ROWS.map((x) => x.name).join(', ')}`);
      v |= 1 << row.bit;
    });
    return v >>> 0;
  }
  throw badInput(field, input, 'a number, a "0x..." string, or a list of XEN_X86_EMU_* device names');
}

/**
 * What the hypervisor accepts, as Xen 4.21 states it (xen/arch/x86/domain.c emulation_flags_ok()'s
 * `configs[]`): a bitmap is accepted for a guest kind when (flags & ~opt) == min for one row.
 * Earlier releases wrote the same thing as if/else chains; each is transcribed into rows below.
 */
export interface EmuAllowed {
  guest: 'hvm' | 'pv';
  domain: 'domU' | 'hwdom';
  min: number;
  opt: number;
  label: string;
}

export interface EmulationRule {
  /** Accepted rows; the empty list means "no check at all" (4.6: no bitmap). */
  allowed: EmuAllowed[];
  /** Hardware domain gets PIT or'ed in before (4.8+) or after (4.7) the EINVAL mask check. */
  hwdomPit: 'before-mask' | 'after-mask' | 'none';
  /** Wording of the EOPNOTSUPP log line. */
  message: string;
  /** Wording of the EINVAL log line for bits beyond XEN_X86_EMU_ALL ("Invalid emulation bitmap"; lower case from 4.21). */
  bitmapLog: string;
  source: string;
}

const { LAPIC, IOAPIC, PIT, USE_PIRQ, VPCI } = EMU;

const pvRows: EmuAllowed[] = [
  { guest: 'pv', domain: 'domU', min: 0, opt: PIT, label: 'PV: none, or PIT alone' },
  { guest: 'pv', domain: 'hwdom', min: 0, opt: PIT, label: 'PV hardware domain: none, or PIT alone' },
];
const OLD_MSG = 'Xen does not allow %s domain creation with the current selection of emulators';
const okSource = (r: ReleaseId) => `xen/arch/x86/domain.c emulation_flags_ok() @${releaseTag(r)}`;

/** Each release's check, as a row builder (all = the release's XEN_X86_EMU_ALL). */
type RuleRow = (r: ReleaseId, all: number) => EmulationRule;

const EMULATION_RULES = perRelease<RuleRow>('emulation', [
  {
    from: '4.6',
    to: '4.6',
    row: () => ({ allowed: [], hwdomPit: 'none', message: '', bitmapLog: '', source: 'xen/include/public/arch-x86/xen.h @RELEASE-4.6.0 (struct xen_arch_domainconfig { char dummy; }: no bitmap, no check)' }),
  },
  {
    // arch_domain_create(): `emulation_flags != 0 && emulation_flags != (hvm ? XEN_X86_EMU_ALL : XEN_X86_EMU_PIT)`
    from: '4.7',
    to: '4.7',
    row: (_r, all) => ({
      allowed: [
        { guest: 'hvm', domain: 'domU', min: 0, opt: 0, label: 'HVM: 0 (nothing checked)' },
        { guest: 'hvm', domain: 'domU', min: all, opt: 0, label: 'HVM: XEN_X86_EMU_ALL' },
        { guest: 'hvm', domain: 'hwdom', min: all, opt: 0, label: 'HVM hardware domain: XEN_X86_EMU_ALL' },
        ...pvRows,
      ],
      hwdomPit: 'after-mask',
      message: OLD_MSG,
      bitmapLog: 'Invalid emulation bitmap',
      source: 'xen/arch/x86/domain.c arch_domain_create() @RELEASE-4.7.0',
    }),
  },
  {
    // arch_domain_create(): "PVHv2 guests can request emulated APIC": `emflags && (hvm ? emflags != ALL && emflags != LAPIC : emflags != PIT)`
    from: '4.8',
    to: '4.8',
    row: (_r, all) => ({
      allowed: [
        { guest: 'hvm', domain: 'domU', min: 0, opt: 0, label: 'HVM: 0 (nothing checked)' },
        { guest: 'hvm', domain: 'domU', min: all, opt: 0, label: 'HVM: XEN_X86_EMU_ALL' },
        { guest: 'hvm', domain: 'domU', min: LAPIC, opt: 0, label: 'PVH: LAPIC alone' },
        { guest: 'hvm', domain: 'hwdom', min: all, opt: 0, label: 'HVM hardware domain: XEN_X86_EMU_ALL' },
        ...pvRows,
      ],
      hwdomPit: 'before-mask',
      message: OLD_MSG,
      bitmapLog: 'Invalid emulation bitmap',
      source: 'xen/arch/x86/domain.c arch_domain_create() @RELEASE-4.8.0',
    }),
  },
  {
    // emulation_flags_ok(): domU `emflags && emflags != ALL && emflags != LAPIC`; hwdom exactly LAPIC|IOAPIC.
    from: '4.9',
    to: '4.10',
    row: (r, all) => ({
      allowed: [
        { guest: 'hvm', domain: 'domU', min: 0, opt: 0, label: 'HVM: 0 (nothing checked)' },
        { guest: 'hvm', domain: 'domU', min: all, opt: 0, label: 'HVM: XEN_X86_EMU_ALL' },
        { guest: 'hvm', domain: 'domU', min: LAPIC, opt: 0, label: 'PVH: LAPIC alone' },
        { guest: 'hvm', domain: 'hwdom', min: LAPIC | IOAPIC, opt: 0, label: 'PVH hardware domain: LAPIC|IOAPIC' },
        ...pvRows,
      ],
      hwdomPit: 'before-mask',
      message: OLD_MSG,
      bitmapLog: 'Invalid emulation bitmap',
      source: okSource(r),
    }),
  },
  {
    // emulation_flags_ok(): domU exactly ALL & ~VPCI or LAPIC (0 no longer passes); hwdom VPCI|LAPIC|IOAPIC.
    from: '4.11',
    to: '4.18',
    row: (r, all) => ({
      allowed: [
        { guest: 'hvm', domain: 'domU', min: all & ~VPCI, opt: 0, label: 'HVM: XEN_X86_EMU_ALL & ~VPCI' },
        { guest: 'hvm', domain: 'domU', min: LAPIC, opt: 0, label: 'PVH: LAPIC alone' },
        { guest: 'hvm', domain: 'hwdom', min: VPCI | LAPIC | IOAPIC, opt: 0, label: 'PVH hardware domain: VPCI|LAPIC|IOAPIC' },
        ...pvRows,
      ],
      hwdomPit: 'before-mask',
      message: OLD_MSG,
      bitmapLog: 'Invalid emulation bitmap',
      source: okSource(r),
    }),
  },
  // 4.19 (USE_PIRQ user-selectable for HVM domU) and 4.21+ (the configs[] table; new log wording).
  { from: '4.19', to: '4.20', row: (r, all) => pirqRule(r, all, OLD_MSG, 'Invalid emulation bitmap') },
  { from: '4.21', to: '4.22', row: (r, all) => pirqRule(r, all, 'will not create %s domain with emulators', 'invalid emulation bitmap') },
]);

function pirqRule(r: ReleaseId, all: number, message: string, bitmapLog: string): EmulationRule {
  return {
    allowed: [
      { guest: 'hvm', domain: 'domU', min: all & ~(VPCI | USE_PIRQ), opt: USE_PIRQ, label: 'HVM: XEN_X86_EMU_ALL & ~VPCI, USE_PIRQ optional' },
      { guest: 'hvm', domain: 'domU', min: LAPIC, opt: 0, label: 'PVH: LAPIC alone' },
      { guest: 'hvm', domain: 'hwdom', min: VPCI | LAPIC | IOAPIC, opt: 0, label: 'PVH hardware domain: VPCI|LAPIC|IOAPIC' },
      ...pvRows,
    ],
    hwdomPit: 'before-mask',
    message,
    bitmapLog,
    source: okSource(r),
  };
}

function rule(r: ReleaseId): EmulationRule {
  return EMULATION_RULES[r](r, emuAll(r));
}

const rules = new Map<ReleaseId, EmulationRule>();
export function emulationRule(r: ReleaseId): EmulationRule {
  let x = rules.get(r);
  if (!x) rules.set(r, (x = rule(r)));
  return x;
}

/** Is `flags` accepted for this guest kind? (The bitmap is assumed within XEN_X86_EMU_ALL.) */
export function emulationAccepted(r: ReleaseId, hvm: boolean, hwdom: boolean, flags: number): boolean {
  const rl = emulationRule(r);
  if (rl.allowed.length === 0) return true;
  const guest = hvm ? 'hvm' : 'pv';
  const domain = hwdom ? 'hwdom' : 'domU';
  for (const a of rl.allowed) if (a.guest === guest && a.domain === domain && ((flags & ~a.opt) >>> 0) === a.min) return true;
  return false;
}

/** Every concrete bitmap accepted for this guest kind (expanding `opt` bits), for messages. */
export function acceptedValues(r: ReleaseId, hvm: boolean, hwdom = false): { value: number; label: string }[] {
  const out: { value: number; label: string }[] = [];
  const guest = hvm ? 'hvm' : 'pv';
  const domain = hwdom ? 'hwdom' : 'domU';
  for (const a of emulationRule(r).allowed) {
    if (a.guest !== guest || a.domain !== domain) continue;
    const optBits = [...Array(32).keys()].filter((b) => a.opt & (1 << b));
    for (let m = 0; m < 1 << optBits.length; m++) {
      let v = a.min;
      optBits.forEach((b, i) => {
        if (m & (1 << i)) v |= 1 << b;
      });
      const on = v & a.opt;
      const label = a.opt ? `${a.label.split(',')[0]}, ${on ? 'with' : 'without'} ${emuNames(a.opt).join('|')}` : a.label;
      if (!out.some((o) => o.value === v >>> 0)) out.push({ value: v >>> 0, label });
    }
  }
  return out;
}

/** What libxc/libxl give an HVM guest that passes no arch config, per release. */
const HVM_DEFAULT = perRelease<'none' | 'all' | 'all-but-vpci'>('emulation-default', [
  { from: '4.6', to: '4.6', row: 'none' },
  { from: '4.7', to: '4.10', row: 'all' },
  { from: '4.11', to: '4.22', row: 'all-but-vpci' },
]);

/** xenkit's default emulation bitmap for a guest kind on release r (libxc 4.7-4.11's NULL-config default; libxl's choice for PVH). */
export function defaultEmulation(r: ReleaseId, kind: 'pv' | 'pvh' | 'hvm'): { value: number; why: string } {
  const hvm = HVM_DEFAULT[r];
  if (hvm === 'none') return { value: 0, why: `Xen ${r} has no emulation bitmap` };
  if (kind === 'pv') return { value: 0, why: 'PV guests get no emulated devices (libxc xc_domain_create(), tools/libxc/xc_domain.c @RELEASE-4.7.0 .. 4.11.0)' };
  // Classic PVH (XEN_DOMCTL_CDF_pvh_guest, 4.6 .. 4.8) is a PV domain.
  if (kind === 'pvh' && cdfValue(r, 'pvh_guest') !== undefined) return { value: 0, why: 'classic PVH (pvh_guest, 4.6-4.8) is a PV domain: no emulated devices' };
  if (kind === 'pvh') return { value: EMU.LAPIC, why: 'PVH guests get the LAPIC alone (libxl__arch_domain_prepare_config(), libxl_x86.c @RELEASE-4.11.0+)' };
  if (hvm === 'all')
    return { value: emuAll(r), why: `HVM guests get XEN_X86_EMU_ALL (libxc xc_domain_create(), tools/libxc/xc_domain.c @${releaseTag(r)})` };
  return {
    value: emuAll(r) & ~EMU.VPCI,
    why: 'HVM guests get XEN_X86_EMU_ALL & ~XEN_X86_EMU_VPCI (libxc xc_domain_create(), tools/libxc/xc_domain.c @RELEASE-4.11.0, and libxl since)',
  };
}
