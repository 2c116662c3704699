import { useState } from 'preact/hooks';
import { api } from './rpc.js';
import { inWords } from './words.js';
import { download, matrixCsv, type Cell, type Matrix, type Row } from './matrix-export.js';

let configs: Record<string, string> = {};
let lastMatrix: Matrix | undefined;

const hex = (n?: number) => (n === undefined ? '' : `0x${n.toString(16)}`);

function cellTitle(c: Cell): string {
  const xl = c.xl.map((f) => `\nxl ${f.severity}: ${f.key}: ${f.text}`).join('');
  if (c.accept) return `Xen ${c.xen}: accepted${c.emulation_flags !== undefined ? ` (emulation_flags ${hex(c.emulation_flags)})` : ''}${xl}`;
  return `Xen ${c.xen}: refused${c.errno ? ` with ${c.errno}` : ''} (${c.code})\n${c.reason}\nInstead: ${c.hint ?? ''}\n[${c.source ?? ''}]${xl}`;
}

function Details({ row, cell }: { row: Row; cell: Cell }) {
  return (
    <div class="details" role="region" aria-label="Cell details" id="cell-details">
      <h2>{row.config} on Xen {cell.xen}: {cell.accept ? 'accepted' : 'refused'}</h2>
      <dl>
        {cell.emulation_flags !== undefined && (<><dt>emulation_flags</dt><dd>{hex(cell.emulation_flags)}</dd></>)}
        {!cell.accept && (<><dt>Error</dt><dd>{cell.errno} {cell.code}</dd><dt>Reason</dt><dd>{cell.reason}</dd><dt>Hint</dt><dd>{cell.hint}</dd><dt>Xen source</dt><dd><code>{cell.source}</code></dd></>)}
      </dl>
      {cell.xl.length > 0 && <><h3>xl</h3><ul>{cell.xl.map((f) => <li>{f.severity}: {f.key}: {f.text} <code>{f.source}</code></li>)}</ul></>}
    </div>
  );
}

function Grid({ m, pick, picked }: { m: Matrix; pick: (r: Row, c: Cell) => void; picked?: [Row, Cell] }) {
  return (
    <table class="matrix" aria-label="Verdict of each release">
      <thead><tr><th scope="col">Config</th>{m.releases.map((x) => <th scope="col">{x}</th>)}</tr></thead>
      <tbody>
        {m.rows.map((r) => (
          <tr data-config={r.config}>
            <th scope="row">{r.config}</th>
            {r.error
              ? <td colSpan={m.releases.length} class="unreadable">line {r.error.line}, column {r.error.col}: {r.error.message}</td>
              : r.cells.map((c) => (
                  <td class={c.accept ? 'ok' : 'bad'} data-xen={c.xen} data-verdict={c.accept ? 'accepted' : 'refused'}>
                    <button type="button" title={cellTitle(c)} aria-pressed={picked?.[1] === c} aria-label={`${r.config} on ${c.xen}: ${c.accept ? 'accepted' : `refused, ${c.code}`}${c.xl.length ? `, ${c.xl.length} xl note${c.xl.length === 1 ? '' : 's'}` : ''}`} onClick={() => pick(r, c)}>{c.accept ? '✓' : '✗'}{c.xl.length > 0 && <sup aria-hidden="true">*</sup>}</button>
                  </td>
                ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function MatrixPage() {
  const [names, setNames] = useState(Object.keys(configs));
  const [paste, setPaste] = useState('');
  const [emu, setEmu] = useState('');
  const [m, setM] = useState(lastMatrix);
  const [picked, setPicked] = useState<[Row, Cell]>();
  const [status, setStatus] = useState('');
  const upload = async (e: Event) => {
    for (const f of (e.currentTarget as HTMLInputElement).files ?? []) configs[f.name] = await f.text();
    setNames(Object.keys(configs));
  };
  const run = async (e: Event) => {
    e.preventDefault();
    const all = { ...configs, ...(paste.trim() ? { 'pasted.cfg': paste } : {}) };
    if (!Object.keys(all).length) return setStatus('Upload or paste at least one xl.cfg.');
    setStatus('Checking…');
    try {
      const r = await api<Matrix>('xenkit.xlcfg.matrix', all, emu.trim());
      setM((lastMatrix = r));
      setPicked(undefined);
      setStatus(`${r.rows.length} config${r.rows.length === 1 ? '' : 's'} x ${r.releases.length} releases.`);
    } catch (err) {
      setStatus(inWords(err));
    }
  };
  return (
    <section aria-labelledby="matrix-title" class="matrix-page">
      <h1 id="matrix-title">Release matrix</h1>
      <form onSubmit={run} class="matrix-form">
        <label>xl.cfg files <input type="file" multiple accept=".cfg,.conf,text/plain" onChange={upload} /></label>
        {names.length > 0 && <p class="muted">Uploaded: {names.join(', ')} <button type="button" class="link" onClick={() => ((configs = {}), setNames([]))}>clear</button></p>}
        <label for="paste">or paste one xl.cfg</label>
        <textarea id="paste" rows={6} value={paste} onInput={(e) => setPaste(e.currentTarget.value)} spellcheck={false} />
        <label for="emu">Force emulation_flags</label>
        <input id="emu" value={emu} onInput={(e) => setEmu(e.currentTarget.value)} placeholder="empty: libxl's defaults" aria-describedby="emu-help" />
        <p id="emu-help" class="muted small">Empty: each release's libxl fills in the arch config. 0: a zeroed arch config (no emulated devices), as libxc's old xc_domain_create() passed.</p>
        <button type="submit">Check against 4.6 … 4.22</button>
        <span role="status" aria-live="polite">{status}</span>
      </form>
      {m && (
        <>
          <div class="bar">
            <button type="button" onClick={() => download('xenkit-matrix.json', 'application/json', JSON.stringify(m, null, 2))}>Download JSON</button>
            <button type="button" onClick={() => download('xenkit-matrix.csv', 'text/csv', matrixCsv(m))}>Download CSV</button>
            <span class="legend"><span class="swatch ok" /> accepted <span class="swatch bad" /> refused <span class="note">* xl notes (keys a release's xl ignores, deprecates or refuses): click the cell</span></span>
          </div>
          <Grid m={m} pick={(r, c) => setPicked([r, c])} picked={picked} />
          {picked && <Details row={picked[0]} cell={picked[1]} />}
        </>
      )}
    </section>
  );
}
