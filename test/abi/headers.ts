/**
 * Reads the installed Xen public headers as text: the members each struct declares (names and C
 * types, which the compiled probe cannot tell) and the constants each family #defines (to check the
 * probe lists every one of them). Offsets and sizes come from the compiled probe, not from here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const STRUCTS = ['xen_domctl_createdomain', 'xen_arch_domainconfig', 'xen_domctl_getdomaininfo', 'xen_sysctl_physinfo'] as const;
export type StructName = (typeof STRUCTS)[number];

/** Constant families: macro prefix, the header that defines them, and the helper macros that are not members of the family. */
export const FAMILIES = {
  cdf: { prefix: 'XEN_DOMCTL_CDF_', header: 'xen/domctl.h', not: ['MAX'] },
  x86_emu: { prefix: 'XEN_X86_EMU_', header: 'xen/arch-x86/xen.h', not: ['ALL'] },
  x86_misc: { prefix: 'XEN_X86_', header: 'xen/arch-x86/xen.h', not: ['MISC_FLAGS_MAX'], exclude: /^EMU_/ },
  dominf: { prefix: 'XEN_DOMINF_', header: 'xen/domctl.h', not: ['shutdownmask', 'shutdownshift'] },
  // (ARM_SVE_MASK, since 4.18: a mask of arch_capabilities on Arm, the SVE vector length, not a capabilities bit)
  physcap: { prefix: 'XEN_SYSCTL_PHYSCAP_', header: 'xen/sysctl.h', not: ['MAX', 'ARM_SVE_MASK'] },
} as const satisfies Record<string, { prefix: string; header: string; not: readonly string[]; exclude?: RegExp }>;
export type Family = keyof typeof FAMILIES;

const STRUCT_HEADER: Record<StructName, string> = {
  xen_domctl_createdomain: 'xen/domctl.h',
  xen_arch_domainconfig: 'xen/arch-x86/xen.h',
  xen_domctl_getdomaininfo: 'xen/domctl.h',
  xen_sysctl_physinfo: 'xen/sysctl.h',
};

export interface HeaderDecls {
  /** Members in declaration order: [name, C type] with arrays as "uint8_t[7]" and anonymous structs as "struct {...}". */
  structs: Record<StructName, [string, string][]>;
  /** The names (without prefix) each family #defines, in header order. */
  macros: Record<Family, string[]>;
}

/** Comments out, preprocessor lines (with their continuations) out. */
function strip(text: string): string {
  const noComments = text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
  return noComments.replace(/^[ \t]*#(?:[^\n]*\\\n)*[^\n]*$/gm, ' ');
}

/** The body of `struct name { ... }` (first definition), braces balanced. */
function structBody(text: string, name: string, file: string): string {
  const m = new RegExp(`\\bstruct\\s+${name}\\s*\\{`).exec(text);
  if (!m) throw new Error(`${file}: no definition of struct ${name}`);
  const start = m.index + m[0].length;
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(start, i);
  }
  throw new Error(`${file}: unbalanced braces in struct ${name}`);
}

/** Splits a struct body into member declarations, nested `{...}` collapsed. */
export function members(body: string): [string, string][] {
  const decls: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of body) {
    if (ch === '{') {
      if (depth++ === 0) cur += '{...}';
      continue;
    }
    if (ch === '}') {
      depth--;
      continue;
    }
    if (depth > 0) continue;
    if (ch === ';') {
      if (cur.trim()) decls.push(cur);
      cur = '';
    } else cur += ch;
  }
  return decls.map((d) => {
    const s = d.replace(/\s+/g, ' ').trim();
    const m = /^(.*?)\s*\b(\w+)\s*(?:\[\s*(\w+)\s*\])?$/.exec(s);
    if (!m) throw new Error(`cannot read member declaration "${s}"`);
    const type = m[1]!.replace(/\s*\{\.\.\.\}\s*/, ' {...}').trim();
    return [m[2]!, m[3] ? `${type}[${m[3]}]` : type];
  });
}

export function readHeaders(includeDir = '/usr/include'): HeaderDecls {
  const cache = new Map<string, string>();
  const raw = (file: string) => {
    let t = cache.get(file);
    if (t === undefined) cache.set(file, (t = readFileSync(join(includeDir, file), 'utf8')));
    return t;
  };
  const structs = {} as HeaderDecls['structs'];
  for (const s of STRUCTS) structs[s] = members(structBody(strip(raw(STRUCT_HEADER[s])), s, STRUCT_HEADER[s]));
  const macros = {} as HeaderDecls['macros'];
  for (const [fam, spec] of Object.entries(FAMILIES) as [Family, (typeof FAMILIES)[Family]][]) {
    const names: string[] = [];
    const re = new RegExp(`^[ \\t]*#[ \\t]*define[ \\t]+${spec.prefix}(\\w+)`, 'gm');
    for (const m of raw(spec.header).matchAll(re)) {
      const n = m[1]!;
      if ((spec.not as readonly string[]).includes(n) || ('exclude' in spec && spec.exclude.test(n)) || names.includes(n)) continue;
      names.push(n);
    }
    macros[fam] = names;
  }
  return { structs, macros };
}
