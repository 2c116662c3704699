import type { LibxlIdl } from '../../xen/libxl-idl.js';
import type { LibxlObject } from '../libxl/gen-json.js';
import type { GuestType, XlKey } from './keys.js';
import type { CfgReader, Fail } from './reader.js';
import { enumFromString, setPath } from './to-libxl.js';
import { where } from './syntax-error.js';

const PCI = 'tools/libs/util/libxlu_pci.c xlu_pci_parse_spec_string() @RELEASE-4.17.0';
const XL = (line: number) => `tools/xl/xl_parse.c:${line} @RELEASE-4.17.0`;
const HEX = /^[0-9a-fA-F]+/;
/** LIBXL_PCI_FUNC_ALL (~0U), tools/include/libxl.h @RELEASE-4.17.0. */
const FUNC_ALL = 4294967295;

/**
 * pci, rdm, dtdev, ioports, irqs, iomem: parse_config_data() @RELEASE-4.17.0 (xl_parse.c:1482-1545,
 * 1906-2020). xenkit reads hex fields as hex digits only where sscanf("%x") would also take
 * blanks, a sign or 0x (README: stricter than xl).
 */
export function applyPassthrough(r: CfgReader, idl: LibxlIdl, type: GuestType, config: LibxlObject, warnings: string[]): XlKey[] {
  const rdm = r.string('rdm');
  // pci's rdm_policy starts as b_info->u.hvm.rdm.policy, read through the union for PV and PVH too,
  // where that memory is zero: STRICT (real xl 4.17.7 prints "strict" for keys/pci--pv.cfg)
  let policy: string | undefined = type === 'hvm' ? undefined : 'strict';
  if (rdm !== undefined && type === 'hvm') {
    const got = parseRdm(rdm, idl, r.failer(r.get('rdm')!, undefined, PCI));
    if (got.policy !== undefined) warnings.push(`${where(r.get('rdm')!.file, r.get('rdm')!)}: rdm: xl 4.17 ignores rdm when its policy= is valid (xlu_rdm_parse() treats parse_rdm_policy()'s success as an error, ${PCI}); nothing is reserved`);
    else {
      warnings.push(`${where(r.get('rdm')!.file, r.get('rdm')!)}: rdm: without policy=, xl 4.17 copies an uninitialised policy (${PCI}); xenkit leaves libxl's default`);
      setPath(config, 'u.rdm', got);
    }
  }
  const flag = (k: XlKey) => (r.get(k) ? r.number(k, `0 or 1, e.g. ${k} = 1`) !== 0 : false);
  const opts = { msitranslate: flag('pci_msitranslate'), power_mgmt: flag('pci_power_mgmt'), permissive: flag('pci_permissive'), seize: flag('pci_seize') };
  const pcis = r.get('pci') ? r.list('pci')! : undefined;
  if (pcis) {
    config.pcidevs = pcis.items.map((i) => parsePciSpec(i.value, idl, { ...opts, rdm_policy: policy }, r.failer(pcis.s, i, PCI)));
    if (pcis.items.length && type === 'pv') setPath(config, 'u.e820_host', true); // xl_parse.c:1520
  }
  const dt = r.get('dtdev') ? r.list('dtdev')! : undefined;
  if (dt) config.dtdevs = dt.items.map((i) => ({ path: i.value }));
  listOf(r, 'ioports', config, (v, fail) => ioport(v, fail));
  listOf(r, 'irqs', config, (v, fail) => {
    if (!/^\d+$/.test(v)) fail(`xl: "Invalid argument parsing irq: ${v}"`, 'a decimal IRQ number');
    const n = Number(v);
    if (n >= 4294967295) fail(`xl: "irq ${n.toString(16)} too big"`, 'an IRQ below 2^32 - 1');
    return n;
  });
  listOf(r, 'iomem', config, (v, fail) => iomem(v, fail));
  return (['rdm', 'pci', 'dtdev', 'ioports', 'irqs', 'iomem', 'pci_msitranslate', 'pci_power_mgmt', 'pci_permissive', 'pci_seize'] as const).filter((k) => r.get(k));
}

function listOf(r: CfgReader, key: 'ioports' | 'irqs' | 'iomem', config: LibxlObject, each: (v: string, fail: Fail) => LibxlObject | number): void {
  const l = r.get(key) ? r.list(key)! : undefined;
  if (l) setPath(config, `b.${key}`, l.items.map((i) => each(i.value, r.failer(l.s, i, XL(key === 'ioports' ? 1906 : key === 'irqs' ? 1962 : 1992)))));
}

/** "[DDDD:]BB:DD.F[@VSLOT][,KEY=VALUE...]" or "bdf=...", "name=...", with permissive, msitranslate, seize, power_mgmt, rdm_policy, vslot. */
export function parsePciSpec(spec: string, idl: LibxlIdl, defaults: LibxlObject, fail: Fail): LibxlObject {
  const pci: LibxlObject = { ...defaults };
  const accepted = '"[DDDD:]BB:DD.F[@VSLOT][,permissive=1,msitranslate=1,seize=1,power_mgmt=1,rdm_policy=strict|relaxed]" or "name=..."';
  let rest = spec;
  let bdf = false;
  let name = false;
  const b = parseBdf(rest);
  if (b) {
    Object.assign(pci, b.pci);
    bdf = true;
    rest = b.rest;
    if (rest.startsWith('@')) {
      const v = parseVslot(rest.slice(1));
      if (!v) fail('a bad vslot after @ (hex 0 .. 1f)', accepted);
      pci.vdevfn = v.vdevfn;
      rest = v.rest;
    }
    if (rest.startsWith(',')) rest = rest.slice(1);
    else if (rest !== '') fail(`unexpected "${rest}" after the BDF`, accepted);
  }
  for (const kv of rest === '' ? [] : rest.split(',')) {
    const eq = kv.indexOf('=');
    if (eq < 0) fail(`"${kv}" is not KEY=VALUE`, accepted);
    const [key, val] = [kv.slice(0, eq), kv.slice(eq + 1)];
    if (key === 'bdf') {
      const got = parseBdf(val);
      if (got && got.rest === '') [bdf] = [true, Object.assign(pci, got.pci)];
    } else if (key === 'vslot') {
      const v = parseVslot(val);
      if (!v) fail(`a bad vslot "${val}" (hex 0 .. 1f)`, accepted);
      pci.vdevfn = v.vdevfn;
    } else if (['permissive', 'msitranslate', 'seize', 'power_mgmt'].includes(key)) pci[key] = atoi(val) !== 0;
    else if (key === 'rdm_policy') {
      const p = enumFromString(idl, 'libxl_rdm_reserve_policy', val);
      if (!p) fail(`libxlu: "Unknown RDM policy: ${val}"`, '"strict" or "relaxed"');
      pci.rdm_policy = p;
    } else if (key === 'name') [name, pci.name] = [true, val];
    else fail(`libxlu: "Unknown PCI_SPEC_STRING option: ${key}"`, accepted);
  }
  if (bdf === name) fail(bdf ? 'both a BDF and name= given' : 'no BDF and no name=', accepted);
  return pci;
}

/** parse_bdf(): one colon (bus:dev.func) or two (domain:bus:dev.func); func "*" is every function. */
function parseBdf(s: string): { pci: LibxlObject; rest: string } | undefined {
  const m = /^(?:([0-9a-fA-F]+):)?([0-9a-fA-F]+):([0-9a-fA-F]+)\.(\*|[0-9a-fA-F]+)/.exec(s);
  if (!m) return undefined;
  const [domain, bus, dev] = [m[1] ? parseInt(m[1], 16) : 0, parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
  if (domain > 0xffff || bus > 0xff || dev > 0x1f) return undefined;
  const all = m[4] === '*';
  const func = all ? 0 : parseInt(m[4]!, 16);
  if (func > 7) return undefined;
  return { pci: { func, dev, bus, domain, vfunc_mask: all ? FUNC_ALL : 1 }, rest: s.slice(m[0].length) };
}

function parseVslot(s: string): { vdevfn: number; rest: string } | undefined {
  const m = HEX.exec(s);
  if (!m || parseInt(m[0], 16) > 0x1f) return undefined;
  return { vdevfn: parseInt(m[0], 16) << 3, rest: s.slice(m[0].length) };
}

function atoi(s: string): number {
  return parseInt(/^\s*[-+]?\d+/.exec(s)?.[0] ?? '0', 10);
}

/** xlu_rdm_parse(): "strategy=host", "policy=strict|relaxed", comma-separated. */
function parseRdm(s: string, idl: LibxlIdl, fail: Fail): LibxlObject {
  const out: LibxlObject = {};
  for (const kv of s.split(',')) {
    const [k, v] = [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)];
    if (kv.indexOf('=') < 0) fail(`"${kv}" is not KEY=VALUE`, '"strategy=host,policy=strict|relaxed"');
    if (k === 'strategy') {
      if (v !== 'host') fail(`libxlu: "Unknown RDM strategy option: ${v}"`, 'strategy=host');
      out.strategy = 'host';
    } else if (k === 'policy') {
      const p = enumFromString(idl, 'libxl_rdm_reserve_policy', v);
      if (!p) fail(`libxlu: "Unknown RDM policy: ${v}"`, 'policy=strict or policy=relaxed');
      out.policy = p;
    } else fail(`libxlu: "Unknown RDM state option: ${k}"`, '"strategy=host,policy=strict|relaxed"');
  }
  return out;
}

/** strtoul(s, &end, 16) on a prefix: blanks, a sign and 0x allowed; the value wraps as an unsigned long. */
function hexPrefix(s: string): { n: bigint; rest: string } | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(?:0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]+)/.exec(s);
  if (!m) return undefined;
  const n = BigInt(`0x${m[2]}`);
  return { n: BigInt.asUintN(64, m[1] === '-' ? -n : n), rest: s.slice(m[0].length) };
}

/**
 * "START[-END]", each read by strtoul(..., 16) (so "0x2e8" too): first and number
 * (xl_parse.c:1909-1958). Where xl only prints "Invalid argument" and goes on (junk after START),
 * or wraps the count (END below START, which xl's check compares with START itself), xenkit refuses.
 */
function ioport(v: string, fail: Fail): LibxlObject {
  const bad = (): never => fail(`xl: "Invalid argument parsing ioport: ${v}"`, 'a hex port or range START-END with START <= END, e.g. "2f8-2ff" or "0x2e8-0x2ef"');
  const a = hexPrefix(v) ?? bad();
  const big = (n: bigint) => n >= 4294967295n && fail(`xl: "ioport ${n.toString(16)} too big"`, 'ports below 0xffffffff');
  big(a.n);
  let end = a.n;
  if (a.rest.startsWith('-')) {
    const b = hexPrefix(a.rest.slice(1));
    if (!b || b.rest !== '') bad();
    big(b!.n);
    end = b!.n;
  } else if (a.rest !== '') bad();
  if (a.n > end) bad();
  return { first: Number(a.n), number: Number(end - a.n + 1n) };
}

/** "START,NUMBER[@GFN]" in hex pages (xl_parse.c:2010). */
function iomem(v: string, fail: Fail): LibxlObject {
  const m = /^([0-9a-fA-F]+),([0-9a-fA-F]+)(?:@([0-9a-fA-F]+))?$/.exec(v);
  if (!m) fail(`xl: "Invalid argument parsing iomem: ${v}"`, 'hex "START,NUMBER[@GFN]", e.g. "fe000,1"');
  const hex = (s: string) => {
    const n = BigInt(`0x${s}`);
    return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  };
  return { start: hex(m[1]!), number: hex(m[2]!), ...(m[3] !== undefined ? { gfn: hex(m[3]) } : {}) };
}
