import { useEffect, useState } from 'preact/hooks';
import { currentSession, logout, onSessionLost } from './rpc.js';
import { Login } from './login.js';
import { HostPanel } from './host-panel.js';
import { VmTable } from './vm-table.js';
import { startLive } from './live.js';
import { lazyPage } from './lazy.js';

const CreatePage = lazyPage(() => import('./create-page.js').then((m) => m.CreatePage));
const MatrixPage = lazyPage(() => import('./matrix-page.js').then((m) => m.MatrixPage));

const PAGES = [
  { id: 'vms', title: 'VMs' },
  { id: 'host', title: 'Host' },
  { id: 'create', title: 'Create from xl.cfg' },
  { id: 'matrix', title: 'Release matrix' },
] as const;
type PageId = (typeof PAGES)[number]['id'];

const pageOf = (): PageId => (PAGES.find((p) => location.hash === `#/${p.id}`)?.id ?? 'vms');

export function App() {
  const [session, setSession] = useState(currentSession());
  const [page, setPage] = useState<PageId>(pageOf());
  const [lostMsg, setLostMsg] = useState('');
  useEffect(() => {
    onSessionLost(() => (setLostMsg('Your session has ended; log in again.'), setSession(null)));
    const h = () => setPage(pageOf());
    addEventListener('hashchange', h);
    return () => removeEventListener('hashchange', h);
  }, []);
  useEffect(() => (session ? startLive() : undefined), [session]);
  useEffect(() => void (document.title = `${PAGES.find((p) => p.id === page)!.title} · xenkit`), [page]);
  if (!session) return <Login notice={lostMsg} onDone={() => (setLostMsg(''), setSession(currentSession()))} />;
  return (
    <div class="shell">
      <header>
        <strong class="brand">xenkit</strong>
        <nav aria-label="Pages">
          {PAGES.map((p) => (
            <a href={`#/${p.id}`} aria-current={p.id === page ? 'page' : undefined}>{p.title}</a>
          ))}
        </nav>
        <button type="button" onClick={async () => (await logout(), setSession(null))}>Log out</button>
      </header>
      <main id="main">
        {page === 'vms' && <VmTable />}
        {page === 'host' && <HostPanel />}
        {page === 'create' && <CreatePage />}
        {page === 'matrix' && <MatrixPage />}
      </main>
    </div>
  );
}
