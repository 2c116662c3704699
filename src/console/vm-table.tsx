import { Component } from 'preact';
import { useCallback, useState } from 'preact/hooks';
import { useLive } from './use-live.js';
import { ACTIONS, allowed, pending, runAction, taskError } from './vm-actions.js';
import { inWords, sourceOf } from './words.js';
import type { Rec, Verdict } from './live.js';
import { mib } from './format.js';

const TYPE: Record<string, string> = { pv: 'PV', pvh: 'PVH', hvm: 'HVM' };

function VerdictCell({ v }: { v?: Verdict }) {
  if (!v) return <td class="muted">…</td>;
  if (v.accept) return <td><span class="badge ok">accepted by {v.xen}</span></td>;
  const why = `${v.errno ? `${v.errno}: ` : ''}${v.reason}${v.hint ? `\nInstead: ${v.hint}` : ''}${v.source ? `\n[${v.source}]` : ''}`;
  return <td><span class="badge bad" title={why}>refused by {v.xen}: {v.code}</span></td>;
}

type Pending = ReturnType<typeof pending.get>;

function TaskCell({ p, t }: { p: Pending; t?: Rec }) {
  if (!p) return <td />;
  const err = p.error ?? taskError(t);
  if (err) return <td class="task"><span class="error" role="alert" title={sourceOf(err)}>{p.action.label}: {inWords(err)}</span></td>;
  if (t?.status === 'success') return <td class="muted">{p.action.label}: done</td>;
  const pct = Math.round(Number(t?.progress ?? 0) * 100);
  return <td><label class="task">{p.action.label}… <progress max={100} value={pct} aria-label={`${p.action.label} progress`} /></label></td>;
}

interface RowProps { r: string; vm: Rec; p: Pending; t?: Rec; verdict?: Verdict; changed: () => void }

/** One VM; re-rendered only when its record, verdict or task changes (events replace those objects). */
class Row extends Component<RowProps> {
  shouldComponentUpdate(next: RowProps): boolean {
    const now = this.props as RowProps;
    return now.vm !== next.vm || now.p !== next.p || now.t !== next.t || now.verdict !== next.verdict;
  }

  render() {
    return <RowView {...(this.props as RowProps)} />;
  }
}

function RowView({ r, vm, p, t, verdict, changed }: RowProps) {
  const running = vm.power_state !== 'Halted';
  const name = vm.name_label as string;
  return (
    <tr data-ref={r} data-name={name}>
      <th scope="row">{name}</th>
      <td><span class={`power ${String(vm.power_state).toLowerCase()}`}>{vm.power_state}</span></td>
      <td class="num">{running ? vm.domid : '–'}</td>
      <td class="num">{mib(Number(running && vm.memory_target ? vm.memory_target : vm.memory_dynamic_max))}</td>
      <td class="num">{vm.VCPUs_at_startup}</td>
      <td>{TYPE[vm.domain_type as string] ?? vm.domain_type}</td>
      <VerdictCell v={verdict} />
      <td class="act">
        <div class="actions">
          {ACTIONS.filter((a) => allowed(vm, a)).map((a) => (
            <button type="button" aria-label={`${a.label} ${name}`} onClick={() => runAction(r, a, changed)}>{a.label}</button>
          ))}
        </div>
      </td>
      <TaskCell p={p} t={t} />
    </tr>
  );
}

export function VmTable() {
  const live = useLive();
  const [, tick] = useState(0);
  const [filter, setFilter] = useState('');
  const changed = useCallback(() => tick((n) => n + 1), []);
  const rows = [...live.vms].filter(([, v]) => !v.is_control_domain && !v.is_a_template && !v.is_a_snapshot && String(v.name_label).toLowerCase().includes(filter.toLowerCase()));
  rows.sort(([, a], [, b]) => String(a.name_label).localeCompare(String(b.name_label)));
  return (
    <section aria-labelledby="vms-title">
      <div class="bar">
        <h1 id="vms-title">VMs</h1>
        <label>Filter by name <input type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} /></label>
        <span class="muted" aria-live="polite">{live.loaded ? `${rows.length} shown` : 'Loading…'}</span>
      </div>
      {live.error && <p class="error" role="alert">Live updates paused: {live.error}</p>}
      <div class="scroll">
      <table class="vms" aria-busy={!live.loaded}>
        <thead>
          <tr><th scope="col">Name</th><th scope="col">Power</th><th scope="col">Domid</th><th scope="col">Memory</th><th scope="col">vCPUs</th><th scope="col">Type</th><th scope="col">Host release</th><th scope="col">Actions</th><th scope="col">Task</th></tr>
        </thead>
        <tbody>
          {rows.map(([r, vm]) => {
            const p = pending.get(r);
            return <Row key={r} r={r} vm={vm} p={p} t={p?.task ? live.tasks.get(p.task) : undefined} verdict={live.verdicts.get(r)} changed={changed} />;
          })}
        </tbody>
      </table>
      </div>
      {live.loaded && rows.length === 0 && <p class="muted">No VMs yet: create one from an xl.cfg.</p>}
    </section>
  );
}
