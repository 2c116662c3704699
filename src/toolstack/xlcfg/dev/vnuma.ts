import type { LibxlObject } from '../../libxl/gen-json.js';
import type { CfgReader, Fail } from '../reader.js';
import { pairOf, strtoul } from './tokens.js';

export const VNUMA_SOURCE = 'tools/xl/xl_parse.c:579-765 parse_vnuma_config() @RELEASE-4.17.0';

/** What parse_vnuma_config() asks libxl about the host; without it the host checks are skipped (and said so). */
export interface XlHost {
  /** physinfo.nr_nodes */
  nrNodes: number;
  /** libxl_get_online_cpus() */
  onlineCpus: number;
}

/**
 * `vnuma = [ [ "pnode=0", "size=1024", "vcpus=0-1", "vdistances=10,20" ], ... ]` into
 * b_info.vnuma_nodes, and the max_vcpus / max_memkb the nodes add up to (xl refuses a maxvcpus or
 * maxmem that disagrees). A pnode turns NUMA placement off.
 */
export function applyVnuma(r: CfgReader, release: string, b: LibxlObject, host: XlHost | undefined, warnings: string[]): void {
  const s = r.get('vnuma');
  if (!s) return;
  if (s.value.kind !== 'list') r.fail('vnuma', 'xl reads vnuma as a list of node lists (xl ignores a single value)', 'vnuma = [ [ "pnode=0", "size=1024", "vcpus=0", "vdistances=10" ] ]');
  const nodes = s.value.items;
  if (!nodes.length) return;
  if (!host) warnings.push(`vnuma: pnode and the vCPU count are not checked against a host here (xl checks them against the host's NUMA nodes and online CPUs)`);
  let [vcpuCount, memkb] = [0, 0];
  b.vnuma_nodes = nodes.map((node) => {
    const out: LibxlObject = { distances: Array<number>(nodes.length).fill(0) };
    const vcpus: number[] = [];
    const fail: Fail = r.failer(s, node, VNUMA_SOURCE);
    if (node.kind !== 'list') fail('xl: cannot get vnode config option list', 'each node a list of "pnode=N", "size=MiB", "vcpus=RANGES", "vdistances=D,D..."');
    for (const opt of node.items) {
      if (opt.kind !== 'string') continue; // xl skips a non-string option
      const f: Fail = r.failer(s, opt, VNUMA_SOURCE);
      const kv = pairOf(release, opt.value, '=');
      if (!kv) f(`xl: failed to split "${opt.value}" into pair`, 'OPTION=VALUE');
      const [k, v] = kv;
      if (k === 'pnode') {
        out.pnode = strtoul(v, f, k, 10, 4294967294);
        if (host && (out.pnode as number) >= host.nrNodes) f(`xl: invalid pnode number: ${out.pnode}`, `a host NUMA node, 0 .. ${host.nrNodes - 1}`);
        b.numa_placement = false;
      } else if (k === 'size') {
        out.memkb = strtoul(v, f, k, 10, Math.floor(Number.MAX_SAFE_INTEGER / 1024)) * 1024;
        memkb += out.memkb as number;
      } else if (k === 'vcpus') vcpuCount += ranges(v, vcpus, f);
      else if (k === 'vdistances') distances(v, out.distances as number[], f);
      else warnings.push(`vnuma: unknown option "${k}": xl ignores it (accepted: pnode, size, vcpus, vdistances)`);
    }
    out.vcpus = [...new Set(vcpus)].sort((a, c) => a - c);
    return out;
  });
  limits(r, b, host, vcpuCount, memkb);
}

/** "0-1,3": each CPU of each range is counted (a repeated one twice, as xl does). */
function ranges(v: string, into: number[], fail: Fail): number {
  let n = 0;
  for (const part of v.split(',').filter((x) => x !== '')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    const [a, z] = m ? [Number(m[1]), Number(m[2] ?? m[1])] : [NaN, NaN];
    if (!m || z < a) fail(`xl: vnuma vcpus "${part}" is not a CPU or a range (xl's parse_range() fails; xl would go on with what it read)`, 'vcpus=N or vcpus=N-M, comma-separated');
    for (let c = a; c <= z; c++, n++) into.push(c);
  }
  return n;
}

function distances(v: string, out: number[], fail: Fail): void {
  const ds = v.split(',').filter((x) => x !== '');
  if (ds.length > out.length) fail(`${ds.length} vdistances for ${out.length} nodes (xl writes past its array)`, `at most ${out.length} distances, one per node`);
  ds.forEach((d, j) => (out[j] = strtoul(d, fail, 'vdistances', 10)));
}

function limits(r: CfgReader, b: LibxlObject, host: XlHost | undefined, vcpuCount: number, memkb: number): void {
  const fail: Fail = (rule, accepted) => r.fail('vnuma', rule, accepted, VNUMA_SOURCE);
  const maxv = r.get('maxvcpus') ? r.number('maxvcpus', 'a number of vCPUs') : undefined;
  if (maxv) {
    if (maxv !== vcpuCount) fail(`xl: vnuma vcpus and maxvcpus= mismatch (the nodes have ${vcpuCount}, maxvcpus is ${maxv})`, `as many vnuma vcpus as maxvcpus`);
  } else {
    if (host && host.onlineCpus < vcpuCount) fail(`xl: vnuma specifies more vcpus (${vcpuCount}) than pcpus (${host.onlineCpus}), use maxvcpus= to override this check.`, 'at most the host\'s online CPUs, or maxvcpus=');
    b.max_vcpus = vcpuCount;
  }
  const maxmem = r.get('maxmem') ? r.number('maxmem', 'MiB') : undefined;
  if (maxmem !== undefined && maxmem * 1024 !== memkb) fail(`xl: maxmem and vnuma memory size mismatch (the nodes have ${memkb / 1024} MiB, maxmem is ${maxmem})`, 'vnuma sizes adding up to maxmem');
  b.max_memkb = memkb;
  const vcpus = r.get('vcpus') ? r.number('vcpus', 'a number of vCPUs') : undefined;
  if (vcpus !== undefined && (b.max_vcpus as number) < vcpus) fail('xl: maxvcpus < vcpus', 'vnuma vcpus covering every vCPU');
}
