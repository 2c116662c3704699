import { useEffect, useRef, useState } from 'preact/hooks';
import type { EditorView } from '@codemirror/view';
import { createEditor, goTo, setText, withHint, type Mark } from './editor.js';
import { api } from './rpc.js';
import { inWords } from './words.js';

const SAMPLE = `# An HVM guest (xl.cfg(5)); edit it, paste yours, or upload a file.
name = "web1"
type = "hvm"
memory = 1024
vcpus = 2
disk = [ "format=raw, vdev=xvda, access=rw, target=/var/lib/xen/images/web1.img" ]
vif = [ "bridge=xenbr0" ]
`;

interface Preview {
  ok: boolean;
  marks: Mark[];
  name?: string;
  type?: string;
  xen?: string;
  createdomain?: unknown;
  defaults?: string[];
  verdict?: { accept: boolean; errno: string; code: string; reason: string; hint: string; source: string };
  libxl_json?: string;
}

let draft = SAMPLE;

function SidePanel({ p }: { p?: Preview }) {
  if (!p) return <aside class="side" aria-label="Derived configuration"><p class="muted">Checking…</p></aside>;
  if (!p.ok) return <aside class="side" aria-label="Derived configuration"><p class="muted">Fix the errors to see the createdomain config and libxl's JSON.</p></aside>;
  const v = p.verdict!;
  return (
    <aside class="side" aria-label="Derived configuration">
      <p id="preview-verdict" class={v.accept ? 'ok' : 'error'}>
        {v.accept ? `Xen ${p.xen} accepts "${p.name}" (${p.type?.toUpperCase()}).` : `Xen ${p.xen} refuses it with ${v.errno} (${v.code}): ${v.reason} Instead: ${v.hint}.`}
      </p>
      {!v.accept && <p class="muted small">{v.source}</p>}
      {p.defaults && p.defaults.length > 0 && <details><summary>Defaults applied ({p.defaults.length})</summary><ul>{p.defaults.map((d) => <li>{d}</li>)}</ul></details>}
      <h2>createdomain config</h2>
      <pre tabIndex={0} aria-label="createdomain config">{JSON.stringify(p.createdomain, null, 2)}</pre>
      <h2>libxl JSON (as xl create -n prints it)</h2>
      <pre tabIndex={0} aria-label="libxl JSON">{p.libxl_json}</pre>
    </aside>
  );
}

export function CreatePage() {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView>();
  const [preview, setPreview] = useState<Preview>();
  const [status, setStatus] = useState('');
  useEffect(() => {
    const check = async (text: string) => {
      try {
        const p = await api<Preview>('xenkit.xlcfg.preview', text);
        setPreview(p);
        return p.marks;
      } catch (e) {
        setStatus(inWords(e));
        return [];
      }
    };
    view.current = createEditor(host.current!, draft, check, (t) => (draft = t));
    return () => view.current?.destroy();
  }, []);
  const upload = async (e: Event) => {
    const f = (e.currentTarget as HTMLInputElement).files?.[0];
    if (f) setText(view.current!, await f.text());
  };
  const create = async () => {
    setStatus('Creating…');
    try {
      await api<string>('xenkit.VM.create_from_xlcfg', view.current!.state.doc.toString());
      setStatus(`Created a halted VM${preview?.name ? ` "${preview.name}"` : ''}; it is in the VM list.`);
    } catch (e) {
      setStatus(inWords(e));
    }
  };
  const marks = preview?.marks ?? [];
  return (
    <section aria-labelledby="create-title" class="create">
      <div class="bar">
        <h1 id="create-title">Create from xl.cfg</h1>
        <label class="file">Upload a file <input type="file" accept=".cfg,.conf,text/plain" onChange={upload} /></label>
        <button type="button" onClick={create} disabled={!preview?.ok}>Create VM</button>
        <span role="status" aria-live="polite">{status}</span>
      </div>
      <div class="split">
        <div class="editor-col">
          <div ref={host} class="editor" />
          <ul id="xlcfg-problems" class="problems" aria-label="Problems">
            {marks.length === 0 && preview && <li class="muted">No problems.</li>}
            {marks.map((m) => (
              <li class={m.severity}>
                <button type="button" class="link" onClick={() => goTo(view.current!, m)}>line {m.line}, column {m.col}</button>{' '}
                {m.severity}: {withHint(m)}
              </li>
            ))}
          </ul>
        </div>
        <SidePanel p={preview} />
      </div>
    </section>
  );
}
