import { CPUID_FLAGS, FEATURE_NAMES, FEATURE_WORDS } from '../../../xen/cpuid-names.js';

/**
 * libxl_cpuid_policy_list as libxl 4.17.7 builds it (tools/libs/light/libxl_cpuid.c
 * @RELEASE-4.17.7) and prints it: {"cpuid": [{leaf, subleaf?, eax?, ebx?, ecx?, edx?}], "msr":
 * [{index, policy}]}, each register a 32-character filter of 0, 1, x, k, s (an MSR's 64).
 * The functions return libxl's error numbers (0: done); an entry is created before its value
 * is checked, as libxl does, so a refused value can leave an empty entry behind.
 */
export interface CpuidEntry {
  leaf: number;
  subleaf?: number;
  eax?: string;
  ebx?: string;
  ecx?: string;
  edx?: string;
}
export interface CpuidPolicy {
  cpuid: CpuidEntry[];
  msr: { index: number; policy: string }[];
}
const REGS = ['eax', 'ebx', 'ecx', 'edx'] as const;

/** cpuid_find_match(): the entry for leaf/subleaf (null: none), appended when missing. */
function entryOf(p: CpuidPolicy, leaf: number, subleaf: number | null): CpuidEntry {
  const hit = p.cpuid.find((e) => e.leaf === leaf && (e.subleaf ?? null) === subleaf);
  if (hit) return hit;
  const e: CpuidEntry = subleaf === null ? { leaf } : { leaf, subleaf };
  p.cpuid.push(e);
  return e;
}

/** strtoul(s, &end, 0) on a prefix: the value (64-bit, wrapped) and the rest, or undefined when no digits. */
export function strtoulPrefix(s: string): { n: bigint; rest: string } | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)/.exec(s);
  if (!m) return undefined;
  const d = m[2]!;
  let n = /^0[xX]/.test(d) ? BigInt(d) : d.length > 1 && d[0] === '0' ? BigInt(`0o${d.slice(1)}`) : BigInt(d);
  if (m[1] === '-') n = -n;
  return { n: BigInt.asUintN(64, n), rest: s.slice(m[0].length) };
}

/** cpuid_add(): NAME=VALUE for `length` bits at `bit` of a leaf's register; family and model are split as libxl splits them. */
function cpuidAdd(p: CpuidPolicy, name: string, leaf: number, subleaf: number | null, reg: number, bit: number, length: number, val: string): number {
  const e = entryOf(p, leaf, subleaf);
  const num = strtoulPrefix(val);
  let flags: string[];
  if (num) flags = [...Array(length)].map((_, i) => ((num.n >> BigInt(length - 1 - i)) & 1n ? '1' : '0'));
  else if ('xks'.includes(val[0] ?? '\0')) flags = Array<string>(length).fill(val[0]!);
  else return 3;
  const r = [...(e[REGS[reg]!] ?? 'x'.repeat(32))];
  const put = (at: number, chars: string[]) => chars.forEach((c, i) => (r[at + i] = c));
  let n = num?.n ?? 0n;
  if (name === 'family' && n < 16n) [put(28 - bit, flags.slice(4, 8)), put(4, [...'00000000'])];
  else if (name === 'family') {
    n -= 15n;
    put(28 - bit, [...'1111']);
    for (let i = 0; i < 7; i++, n >>= 1n) flags[7 - i] = n & 1n ? '1' : '0';
    put(4, flags.slice(0, 8));
  } else if (name === 'model') [put(12, flags.slice(0, 4)), put(28 - bit, flags.slice(4, 8))];
  else put(32 - length - bit, flags);
  e[REGS[reg]!] = r.join('');
  return 0;
}

/** msr_add(): one character (0, 1, x, k; s is stored as k) for a bit of a 64-bit MSR filter. */
function msrAdd(p: CpuidPolicy, index: number, bit: number, val: string): number {
  let e = p.msr.find((m) => m.index === index);
  if (!e) p.msr.push((e = { index, policy: 'x'.repeat(64) }));
  if (val.length !== 1 || !'01xks'.includes(val)) return 3;
  const r = [...e.policy];
  r[63 - bit] = val === 's' ? 'k' : val;
  e.policy = r.join('');
  return 0;
}

/** libxl_cpuid_parse_config(): one NAME=VALUE of the `cpuid = "host,..."` form. 1: no '=', 2: unknown name, 3: bad value. */
export function cpuidParseConfig(p: CpuidPolicy, str: string): number {
  const eq = str.indexOf('=');
  if (eq < 0) return 1;
  const [name, val] = [str.slice(0, eq), str.slice(eq + 1)];
  const flag = CPUID_FLAGS.find(([n]) => n === name);
  if (flag) return cpuidAdd(p, ...flag, val);
  const feat = FEATURE_NAMES.find(([n]) => n === name);
  if (!feat) return 2;
  const w = FEATURE_WORDS[Math.floor(feat[1] / 32)]!;
  if (w[0] === 'cpuid') return cpuidAdd(p, name, w[1], w[2], w[3], feat[1] % 32, 1, val);
  return msrAdd(p, w[1], (feat[1] % 32) + (w[2] === 3 ? 32 : 0), val);
}

/** libxl_cpuid_parse_config_xend(): "LEAF[,SUBLEAF]:eXx=<32 chars>[,eXx=...]". 1, 2: bad leaf, subleaf; 3: no ':'; 4: bad register; 5: not 32 characters. */
export function cpuidParseXend(p: CpuidPolicy, str: string): number {
  const leaf = strtoulPrefix(str);
  if (!leaf) return 1;
  let rest = leaf.rest;
  let subleaf: number | null = null;
  if (rest.startsWith(',')) {
    const s = strtoulPrefix(rest.slice(1));
    if (!s) return 2;
    [subleaf, rest] = [Number(BigInt.asUintN(32, s.n)), s.rest];
  }
  if (!rest.startsWith(':')) return 3;
  const e = entryOf(p, Number(BigInt.asUintN(32, leaf.n)), subleaf);
  let s = rest.slice(1);
  while (s !== '') {
    const reg = s.charCodeAt(1) - 97;
    const eq = s.indexOf('=');
    if (s[0] !== 'e' || s[2] !== 'x' || !(reg >= 0 && reg <= 3) || eq < 0) return 4;
    s = s.slice(eq + 1);
    const end = s.indexOf(',') < 0 ? s.length : s.indexOf(',');
    if (end !== 32) return 5;
    e[REGS[reg]!] = s.slice(0, 32);
    if (end === s.length) break;
    s = s.slice(end + 1).replace(/^[ \n]+/, '');
  }
  return 0;
}
