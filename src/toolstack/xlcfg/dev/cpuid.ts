import type { LibxlObject } from '../../libxl/gen-json.js';
import type { CfgReader } from '../reader.js';
import { where } from '../syntax-error.js';
import { cpuidParseConfig, cpuidParseXend, type CpuidPolicy } from './cpuid-policy.js';

export const CPUID_SOURCE = 'tools/xl/xl_parse.c:2423-2495 parse_config_data() @RELEASE-4.17.0';

const XEND_ERRORS = ['', 'illegal leaf number', 'illegal subleaf number', 'missing colon', 'invalid register name (must be e[abcd]x)', 'policy string must be exactly 32 characters long'];
const CONFIG_ERRORS = ['', 'missing "=" in key=value', 'unknown CPUID flag name', 'illegal CPUID value (must be: [0|1|x|k|s])'];

/**
 * `cpuid = "host,NAME=VALUE,..."` or the xend list `cpuid = [ "LEAF:eXx=...", ... ]` into
 * b_info.cpuid. xl prints an error for a bad item and goes on with the rest (and ignores the whole
 * string unless its first word is "host"); xenkit does the same, each error a warning in xl's words.
 */
export function applyCpuid(r: CfgReader, b: LibxlObject, warnings: string[]): void {
  const s = r.get('cpuid');
  if (!s) return;
  const warn = (msg: string): void => void warnings.push(`${where(s.file, s)}: cpuid: ${msg} (xl prints this and carries on)`);
  const p: CpuidPolicy = { cpuid: [], msr: [] };
  if (s.value.kind === 'list') {
    for (const item of r.list('cpuid')!.items) {
      const e = cpuidParseXend(p, item.value);
      if (e) warn(`while parsing CPUID line: "${item.value}": error #${e}: ${XEND_ERRORS[e]}`);
    }
  } else {
    const [first, ...words] = s.value.value.split(',').filter((w) => w !== '');
    if (first === undefined) return;
    if (first !== 'host') return warn(`while parsing CPUID string: "${s.value.value}": error: first word must be "host" (xl ignores the cpuid key)`);
    for (const w of words) {
      const e = cpuidParseConfig(p, w);
      if (e) warn(`while parsing CPUID flag: "${w}": error #${e}: ${CONFIG_ERRORS[e]}`);
    }
  }
  // libxl_cpuid_policy_list_gen_json() prints leaf, subleaf, then eax .. edx, whatever order they were set in
  const ordered = p.cpuid.map((e) => Object.fromEntries((['leaf', 'subleaf', 'eax', 'ebx', 'ecx', 'edx'] as const).filter((k) => e[k] !== undefined).map((k) => [k, e[k]!])));
  if (p.cpuid.length || p.msr.length) b.cpuid = { cpuid: ordered, msr: p.msr } as unknown as LibxlObject;
}
