import type { Fail } from './reader.js';

export const CPUS_SOURCE = 'tools/xl/xl_parse.c parse_cpurange(), update_cpumap_range() @RELEASE-4.17.0';
const ACCEPTED = 'a cpu list such as "3", "0-3", "0-7,^2", "all" or "nodes:0-1" (comma-separated)';

/** Check one parse_cpurange() string: [^][node:|nodes:](all | N | N-M), comma-separated; "^all" refused. */
export function checkCpuRange(s: string, fail: Fail): void {
  for (const part of s.split(',')) {
    if (part === '') continue; // strtok skips empty fields
    const m = /^(\^?)(?:nodes?:)?(all|(\d+)(?:-(\d+))?)$/.exec(part);
    if (!m) fail(`Invalid pcpu range: ${part}`, ACCEPTED);
    if (m[2] === 'all' && m[1]) fail(`Can't combine "^" and "all"`, ACCEPTED);
    if (m[4] !== undefined && Number(m[4]) < Number(m[3])) fail(`Invalid pcpu range: ${part} (the end is before the start)`, ACCEPTED);
  }
}

/**
 * The pcpus a range string selects, or undefined when that depends on the host ("all" and
 * "nodes:" need its cpu count and NUMA layout). Bits are set and cleared left to right.
 */
export function cpuSet(s: string): number[] | undefined {
  const set = new Set<number>();
  for (const part of s.split(',')) {
    if (part === '') continue;
    const m = /^(\^?)(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return undefined;
    for (let c = Number(m[2]); c <= Number(m[3] ?? m[2]); c++) m[1] ? set.delete(c) : set.add(c);
  }
  return [...set].sort((a, b) => a - b);
}
