import { Command, Option } from 'commander';
import { XenkitError } from '../errors.js';
import { excerptOf, LIMITS, parseJsonBounded, readBounded } from '../input.js';
import { defaultDom0MemoryMiB, hostFromPhysinfo, makeHost, type HostCaps } from '../xen/host.js';

/** Options that describe a simulated host (shared by replay, check, sim init). */
export function addHostOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--arch <arch>', 'host architecture').choices(['x86_64', 'arm64']))
    .option('--memory <MiB>', 'host memory in MiB (default 65536)')
    .option('--cpus <n>', 'physical CPUs (default 16)')
    .option('--no-hvm', 'host without VT-x/SVM')
    .option('--no-hap', 'host without EPT/NPT')
    .option('--no-shadow', 'Xen built without shadow paging (as Debian\'s 4.17)')
    .option('--no-iommu', 'host without an IOMMU')
    .option('--host-file <file>', 'describe the host from a JSON file: a host description, or a physinfo (xk info --json on a real host)');
}

function posInt(v: unknown, field: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0 || String(v).trim() === '')
    throw new XenkitError('BAD_INPUT', `${field}: ${JSON.stringify(v)} is not a positive whole number`, { field, value: v, hint: 'a positive integer' });
  return n;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `--host-file`: a JSON object, either a host description or a physinfo (bare or under "physinfo"). */
function readHostFile(file: string, release?: string): Record<string, unknown> {
  const what = { field: '--host-file', kind: 'a --host-file', hint: 'a JSON file: a host description or `xk info --json` output' };
  const text = readBounded(file, LIMITS.hostFileBytes, what);
  const j = parseJsonBounded(text, `--host-file ${file}`, '--host-file', LIMITS.hostFileBytes);
  const notObject = (field: string, v: unknown) =>
    new XenkitError('BAD_INPUT', `${field}: ${excerptOf(JSON.stringify(v) ?? String(v))} is not a JSON object`, {
      field,
      value: v,
      hint: 'a JSON object such as {"memoryMiB": 65536, "cpus": 16} or the output of `xk info --json`',
    });
  if (!isObject(j)) throw notObject('--host-file', j);
  const pi = 'physinfo' in j ? j.physinfo : j;
  if (!isObject(pi)) throw notObject('--host-file physinfo', pi);
  return 'total_pages' in pi ? { ...hostFromPhysinfo(pi, release ?? (j.release as string)) } : j;
}

export function hostFromOptions(o: Record<string, unknown>, release?: string): HostCaps {
  let base: Record<string, unknown> = {};
  if (typeof o.hostFile === 'string') base = readHostFile(o.hostFile, release);
  const h: Record<string, unknown> = { ...base };
  if (release) h.release = release;
  if (o.arch) h.arch = o.arch;
  const mem = posInt(o.memory, '--memory');
  if (mem) h.memoryMiB = mem;
  const cpus = posInt(o.cpus, '--cpus');
  if (cpus) h.cpus = cpus;
  for (const k of ['hvm', 'hap', 'shadow', 'iommu'] as const) if (o[k] === false) h[k] = false;
  if (h.memoryMiB && !h.dom0MemoryMiB) h.dom0MemoryMiB = defaultDom0MemoryMiB(h.memoryMiB as number);
  return makeHost(h, 'host');
}
