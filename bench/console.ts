/**
 * `npm run bench:console` (add `-- --json`): the web console in Debian's chromium (playwright-core),
 * against the built package (dist/; the script builds first), loopback only, bounded in count and time.
 * - time to interactive of the VM list with 1,000 VMs (page load to every row shown with its actions),
 *   beside a peer in the same browser: fetching VM.get_all_records and writing the same rows as HTML
 * - the delay from an API change (VM.start / VM.hard_shutdown by another client) to the row updating,
 *   beside a peer: the same change seen by a bare event.from long poll from Node
 */
import { chromium } from 'playwright-core';
import { openToolstack } from '../dist/toolstack/open.js';
import { Service } from '../dist/service/service.js';
import { buildServer } from '../dist/service/server.js';
import { createFromXlcfg } from '../dist/service/classes/vm.js';
import { pct, rpc } from './jsonrpc.js';

const json = process.argv.includes('--json');
const say = (s: string) => !json && console.log(s);
const PW = 'bench-password';
const VMS = 1000;
const LOADS = 5;
const CHANGES = 20;
const CHROMIUM = process.env.XENKIT_CHROMIUM ?? '/usr/bin/chromium';
const ms = (x: number) => +x.toFixed(1);

const svc = new Service({ toolstack: await openToolstack({ backend: 'sim' }), store: ':memory:', adminPassword: PW });
await svc.start();
for (let i = 0; i < VMS; i++) await createFromXlcfg(svc, `name = "vm-${String(i).padStart(4, '0')}"\ntype = "pvh"\nkernel = "/boot/vmlinuz"\nmemory = 64\n`);
const app = buildServer(svc);
await app.listen({ host: '127.0.0.1', port: 0 });
const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
const sid: string = await rpc(url, 'session.login_with_password', ['root', PW]);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--disable-gpu', '--disable-dev-shm-usage'], timeout: 60_000 });
const figures: Record<string, unknown> = { vms: VMS };

/** A new tab logged in (the session in sessionStorage, as after a login), once every row has its actions. */
async function openList() {
  const page = await browser.newPage();
  await page.addInitScript((s) => sessionStorage.setItem('xenkit.session', s), sid);
  await page.goto(url + '/');
  await page.waitForFunction((n) => document.querySelectorAll('tr[data-name] button').length >= n, VMS, { timeout: 60_000 });
  return page;
}

/** 1. Time to interactive: a fresh tab with the session, until all rows and their Start buttons are there. */
async function timeToInteractive(): Promise<void> {
  const tti: number[] = [];
  const peer: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    const t0 = Date.now();
    const page = await openList();
    tti.push(Date.now() - t0);
    peer.push(await page.evaluate(async (s) => {
      const t = performance.now();
      const r = await fetch('/jsonrpc', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', method: 'VM.get_all_records', params: [s], id: 1 }) });
      const recs = Object.values((await r.json()).result as Record<string, Record<string, unknown>>);
      const div = document.createElement('div');
      div.innerHTML = `<table>${recs.map((v) => `<tr><td>${v.name_label}</td><td>${v.power_state}</td><td>${v.domid}</td><td>${v.memory_dynamic_max}</td><td>${v.VCPUs_at_startup}</td><td>${v.domain_type}</td><td><button>Start</button></td></tr>`).join('')}</table>`;
      document.body.append(div);
      void div.offsetHeight; // layout, as the console's rows get
      return performance.now() - t;
    }, sid));
    await page.close();
  }
  figures.tti_ms = { p50: pct(tti, 50), max: Math.max(...tti), peer_fetch_and_html_p50: ms(pct(peer, 50)), ratio: +(pct(tti, 50) / Math.max(pct(peer, 50), 1)).toFixed(1) };
  say(`VM list with ${VMS} VMs, time to interactive: p50 ${pct(tti, 50)} ms, max ${Math.max(...tti)} ms (${LOADS} loads); peer (get_all_records + the same rows as HTML, in the page): p50 ${ms(pct(peer, 50))} ms; ratio ${(figures.tti_ms as any).ratio}`);

}

/** 2. API change -> row updated. The page stamps Date.now() when a row's power state text changes. */
async function changeToRow(): Promise<void> {
  const page = await openList();
  await page.evaluate(() => {
    (window as any).seen = {};
    new MutationObserver((ms) => {
      for (const m of ms) {
        const tr = (m.target instanceof Element ? m.target : m.target.parentElement)?.closest('tr[data-name]');
        const state = tr?.querySelector('.power')?.textContent;
        if (tr && state) (window as any).seen[`${tr.getAttribute('data-name')}/${state}`] ??= Date.now();
      }
    }).observe(document.querySelector('tbody')!, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  const delays: number[] = [];
  const peerDelays: number[] = [];
  let token = (await rpc(url, 'event.from', [sid, ['vm'], '', 0])).token as string;
  for (let i = 0; i < CHANGES; i++) {
    const name = `vm-${String(i).padStart(4, '0')}`;
    const ref = (await rpc(url, 'VM.get_by_name_label', [sid, name]))[0];
    for (const [call, state] of [['VM.start', 'Running'], ['VM.hard_shutdown', 'Halted']] as const) {
      const poll = rpc(url, 'event.from', [sid, ['vm'], token, 10]).then((r) => ((token = r.token), Date.now()));
      const t0 = Date.now();
      await rpc(url, call, call === 'VM.start' ? [sid, ref, false, false] : [sid, ref]);
      peerDelays.push((await poll) - t0);
      const at = await page.waitForFunction((k) => (window as any).seen[k], `${name}/${state}`, { timeout: 10_000 });
      delays.push((await at.jsonValue()) - t0);
    }
  }
  await page.close();
  figures.change_to_row_ms = { p50: pct(delays, 50), p99: pct(delays, 99), n: delays.length, peer_event_from_p50: pct(peerDelays, 50), peer_event_from_p99: pct(peerDelays, 99) };
  say(`API change -> row updated (${delays.length} changes among ${VMS} rows): p50 ${pct(delays, 50)} ms, p99 ${pct(delays, 99)} ms; peer (a bare event.from long poll from Node): p50 ${pct(peerDelays, 50)} ms, p99 ${pct(peerDelays, 99)} ms`);
}

try {
  await timeToInteractive();
  await changeToRow();
} finally {
  await browser.close();
  svc.events.wakeAll();
  await app.close();
  svc.close();
}
if (json) console.log(JSON.stringify(figures));
