import { useEffect, useState } from 'preact/hooks';
import { api } from './rpc.js';
import { inWords } from './words.js';
import { mib } from './format.js';
import { MemoryChart } from './memory-chart.js';
import type { Rec } from './live.js';

/** Memory samples (used bytes) over the last minutes, kept while the tab lives. */
export interface Sample { at: number; used: number; total: number }
const HISTORY_MS = 10 * 60_000;
const EVERY_MS = 5000;
const history: Sample[] = [];

const MiB = 1048576;

/** The host, and its memory as the backend reports it (host_metrics has no memory_free in XAPI's model). */
async function sample(): Promise<{ host: Rec; physinfo: Rec; metrics: { memory_total: number; memory_free: number } }> {
  const hosts = await api<Record<string, Rec>>('host.get_all_records');
  const [ref, host] = Object.entries(hosts)[0]!;
  const physinfo = await api<Rec>('xenkit.host.get_physinfo', ref);
  const metrics = { memory_total: Number(physinfo.total_memory_mib) * MiB, memory_free: Number(physinfo.free_memory_mib) * MiB };
  const now = Date.now();
  history.push({ at: now, used: metrics.memory_total - metrics.memory_free, total: metrics.memory_total });
  while (history.length && history[0]!.at < now - HISTORY_MS) history.shift();
  return { host, physinfo, metrics };
}

export function HostPanel() {
  const [data, setData] = useState<Awaited<ReturnType<typeof sample>>>();
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    const go = () => sample().then((d) => live && (setData(d), setError('')), (e) => live && setError(inWords(e)));
    go();
    const t = setInterval(go, EVERY_MS);
    return () => ((live = false), clearInterval(t));
  }, []);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  const { host, physinfo: p, metrics: m } = data;
  const used = m.memory_total - m.memory_free;
  const pct = m.memory_total ? Math.round((used / m.memory_total) * 100) : 0;
  return (
    <section aria-labelledby="host-title" class="host">
      <h1 id="host-title">Host {host.name_label}</h1>
      <dl class="facts">
        <dt>Xen release</dt><dd data-field="release">{p.release} <span class="muted">({p.version}, {p.backend} backend)</span></dd>
        <dt>Architecture</dt><dd data-field="arch">{p.arch}</dd>
        <dt>CPUs</dt><dd>{p.nr_cpus} <span class="muted">({p.cores_per_socket} cores per socket, {p.threads_per_core} thread{p.threads_per_core === 1 ? '' : 's'} per core, {p.nr_nodes} NUMA node{p.nr_nodes === 1 ? '' : 's'})</span></dd>
        <dt>Capabilities</dt><dd><ul class="caps">{(p.capabilities as string[]).map((c) => <li>{c}</li>)}</ul></dd>
        <dt>Memory</dt>
        <dd>
          <div class="membar" role="meter" aria-label="Memory used" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-valuetext={`${mib(used)} used of ${mib(m.memory_total)}`}>
            <div class="used" style={{ width: `${pct}%` }} />
          </div>
          <span>{mib(used)} used, {mib(m.memory_free)} free of {mib(m.memory_total)}</span>
        </dd>
      </dl>
      <h2>Memory used, last {Math.round(HISTORY_MS / 60000)} minutes</h2>
      <MemoryChart samples={history} windowMs={HISTORY_MS} />
    </section>
  );
}
