import { XenkitError } from '../errors.js';
import { abi } from './abi.js';
import type { ReleaseId } from './releases.js';

/**
 * libxenctrl as facts: the prototypes of the functions xenkit calls are the release's own
 * (abi-data.ts `libxc`, read off each tag's xenctrl.h; test/xen/abi.test.ts checks them against
 * installed headers). This module parses them and says, per function, which pointer parameters
 * libxenctrl writes through, so a backend can bind them without writing a prototype of its own.
 */
export interface CParam {
  /** The C type, spaces normalised: 'uint32_t *', 'xen_domain_handle_t'. */
  type: string;
  name: string;
}

export interface CPrototype {
  name: string;
  returns: string;
  params: CParam[];
}

function badPrototype(text: string, why: string): XenkitError {
  return new XenkitError('ABI_MISMATCH', `libxc prototype ${JSON.stringify(text)}: ${why}`, { field: 'abi.libxc', value: text, hint: 'the facts for this release are inconsistent; report it' });
}

const normType = (t: string) => t.trim().replace(/\s*\*\s*/g, ' *').replace(/\s+/g, ' ').replace(/ \*/g, ' *').trim();

/** 'int xc_f(xc_interface *xch, uint32_t domid)' -> { name, returns, params }. */
export function parsePrototype(text: string): CPrototype {
  const m = /^\s*(.*?)\b([A-Za-z_]\w*)\s*\(([^()]*)\)\s*;?\s*$/.exec(text);
  if (!m) throw badPrototype(text, 'not a C function declaration');
  const params = m[3]!.trim() === '' || m[3]!.trim() === 'void' ? [] : m[3]!.split(',').map((p) => {
    const pm = /^(.*?)([A-Za-z_]\w*)\s*$/.exec(p.trim());
    if (!pm || !pm[1]!.trim()) throw badPrototype(text, `parameter ${JSON.stringify(p.trim())} has no type and name`);
    return { type: normType(pm[1]!), name: pm[2]! };
  });
  return { name: m[2]!, returns: normType(m[1]!), params };
}

/**
 * Pointer parameters libxenctrl writes through ('out': only written; 'inout': read and written);
 * every other pointer is read only. From the functions' bodies, tools/libs/ctrl/xc_domain.c and
 * xc_misc.c @RELEASE-4.17.0 (tools/libxc/ up to 4.14): xc_domain_create() copies the domid and the
 * config back (`*pdomid = domctl.domain; *config = domctl.u.createdomain`), the getinfo calls and
 * xc_physinfo() fill `info`, and XENMEM_populate_physmap writes the frames back into extent_start.
 */
export const LIBXC_WRITES: Readonly<Record<string, Readonly<Record<string, 'out' | 'inout'>>>> = {
  xc_domain_create: { pdomid: 'inout', config: 'inout' },
  xc_domain_create_config: { pdomid: 'inout', config: 'inout' },
  xc_domain_getinfo: { info: 'out' },
  xc_domain_getinfolist: { info: 'out' },
  xc_domain_getinfo_single: { info: 'out' },
  xc_physinfo: { info: 'out' },
  xc_domain_populate_physmap_exact: { extent_start: 'inout' },
};

/** The release's prototype of libxenctrl function `name`, or undefined when the release has none. */
export function libxcPrototype(r: ReleaseId, name: string): CPrototype | undefined {
  const text = abi(r).libxc[name];
  return text === undefined ? undefined : parsePrototype(text);
}

/**
 * The function that creates a domain from a full config on release r: the one whose parameters
 * include `config` (4.6: xc_domain_create_config, its xc_domain_create has none; 4.7+: xc_domain_create).
 */
export function createFunction(r: ReleaseId): CPrototype {
  for (const n of ['xc_domain_create', 'xc_domain_create_config']) {
    const p = libxcPrototype(r, n);
    if (p && p.params.some((x) => x.name === 'config')) return p;
  }
  throw badPrototype(`${r} xc_domain_create`, 'no create function with a config parameter');
}

/** The exact-id getdomaininfo of release r (xc_domain_getinfo_single, 4.18+), or undefined. */
export function getinfoSingleFunction(r: ReleaseId): CPrototype | undefined {
  return libxcPrototype(r, 'xc_domain_getinfo_single');
}
