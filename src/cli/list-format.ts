import type { DomainRecord } from '../toolstack/toolstack.js';
import { formatHandle } from '../xen/handle.js';
import { pagesToMiB } from '../xen/pages.js';

export interface ListRow {
  name: string;
  id: number;
  mem: number;
  vcpus: number;
  state: string;
  time: number;
  hvm: boolean;
  handle: string;
}

/** `xl list` state column: r running, b blocked, p paused, s shutdown, c crashed, d dying. */
export function stateString(i: { running: boolean; blocked: boolean; paused: boolean; shutdown: boolean; shutdown_reason: string | null; dying: boolean }): string {
  return (
    (i.running ? 'r' : '-') +
    (i.blocked ? 'b' : '-') +
    (i.paused ? 'p' : '-') +
    (i.shutdown && i.shutdown_reason !== 'crash' ? 's' : '-') +
    (i.shutdown && i.shutdown_reason === 'crash' ? 'c' : '-') +
    (i.dying ? 'd' : '-')
  );
}

export function listRows(records: DomainRecord[]): ListRow[] {
  return records.map(({ info: i, name }) => ({
    name,
    id: i.domid,
    mem: pagesToMiB(i.tot_pages),
    vcpus: i.nr_online_vcpus,
    state: stateString(i),
    time: i.cpu_time_ns / 1e9,
    hvm: i.hvm,
    handle: formatHandle(i.handle),
  }));
}

/** `cpuTime` false: the backend runs no guest code (the sim), so Time(s) shows "-" rather than a made-up 0.0. */
export function formatList(rows: ListRow[], verbose = false, cpuTime = true): string[] {
  const long = verbose;
  const w = Math.max(40, ...rows.map((r) => r.name.length + 1));
  const head = `${'Name'.padEnd(w)}${'ID'.padStart(5)}${'Mem'.padStart(6)} VCPUs\tState\tTime(s)` + (long ? '\tType\tUUID' : '');
  return [
    head,
    ...rows.map(
      (r) => `${r.name.padEnd(w)}${String(r.id).padStart(5)}${String(r.mem).padStart(6)}${String(r.vcpus).padStart(6)}     ${r.state}${(cpuTime ? r.time.toFixed(1) : '-').padStart(10)}` + (long ? `\t${r.hvm ? 'hvm' : 'pv'}\t${r.handle}` : ''),
    ),
  ];
}
