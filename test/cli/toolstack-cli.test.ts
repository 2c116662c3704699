import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openSimState } from '../../src/sim/store.js';
import { xk, tempState } from '../helpers/xk.js';

const EX = resolve(import.meta.dirname, '../../examples');
const ROOT = resolve(import.meta.dirname, '../..');

test('--json exits as text mode does: a refusal is exit 1 (create --dry-run, explain)', () => {
  const s = tempState();
  let r = xk(['--state', s, 'create', join(EX, 'hvm.cfg'), '--dry-run', '--emulation-flags', '0', '--json']);
  assert.equal(JSON.parse(r.stdout).accept, false);
  assert.equal(r.status, 1);
  r = xk(['explain', join(EX, 'hvm.cfg'), '--xen', '4.17', '--json']);
  assert.equal(r.status, 0, r.stderr);
  r = xk(['explain', join(EX, 'hvm.cfg'), '--xen', '4.17', '--no-hap', '--no-shadow', '--json']);
  assert.equal(JSON.parse(r.stdout).accept, false);
  assert.equal(r.status, 1);
});

test('a domain destroyed through the library frees its name for the next xk create', () => {
  const s = tempState();
  assert.equal(xk(['--state', s, 'create', join(EX, 'pv.cfg')]).status, 0);
  const st = openSimState(s);
  st.run((sim) => sim.destroyDomain(1));
  st.close();
  const r = xk(['--state', s, 'create', join(EX, 'pv.cfg')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Domain 2 "web-pv" created/);
});

test('Domain-0 is dom0\'s name; all digits is an id (xk destroy 12 destroys domain 12, not the one named "12")', () => {
  const s = tempState();
  let r = xk(['--state', s, 'create', join(EX, 'pv.cfg'), 'name="Domain-0"']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /named "Domain-0" already exists/);
  assert.equal(xk(['--state', s, 'create', join(EX, 'pv.cfg'), 'name="12"']).status, 0);
  for (let i = 2; i <= 12; i++) assert.equal(xk(['--state', s, 'create', join(EX, 'pv.cfg'), `name="g${i}"`]).status, 0);
  r = xk(['--state', s, 'destroy', '12']);
  assert.equal(r.stdout, 'domain 12 destroyed\n');
  const names = JSON.parse(xk(['--state', s, 'list', '--json']).stdout).map((x: { name: string }) => x.name);
  assert.ok(names.includes('12') && !names.includes('g12'), names.join());
});

test('xl habits: xk list NAME, xk list -l (libxl JSON per domain), xk reboot, xk --version', () => {
  const s = tempState();
  xk(['--state', s, 'create', join(EX, 'pv.cfg')]);
  xk(['--state', s, 'create', join(EX, 'hvm.cfg')]);
  let r = xk(['--state', s, 'list', 'win-hvm', '--json']);
  assert.deepEqual(JSON.parse(r.stdout).map((x: { name: string }) => x.name), ['win-hvm']);
  r = xk(['--state', s, 'list', 'nosuch']);
  assert.equal(r.status, 2);
  r = xk(['--state', s, 'list', '-l']);
  const long = JSON.parse(r.stdout) as { domid: number; config: { c_info: { name: string } } }[];
  // xl_list.c list_domains_details(): domains without a retrievable config (dom0) are left out.
  assert.deepEqual(long.map((d) => [d.domid, d.config.c_info.name]), [[1, 'web-pv'], [2, 'win-hvm']]);
  r = xk(['--state', s, 'reboot', 'web-pv']);
  assert.match(r.stdout, /on_reboot: restart, "web-pv" restarted as domain 3/);
  r = xk(['--version']);
  assert.equal(r.stdout.trim(), JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
});

/** Start `xk create --watch` and collect its lines; bounded by a timeout. */
function watcher(s: string, file: string): { lines: string[]; done: Promise<number | null> } {
  const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), '--state', s, 'create', file, '--watch'], { cwd: ROOT });
  const lines: string[] = [];
  let buf = '';
  p.stdout.on('data', (d) => {
    buf += d;
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  const timer = setTimeout(() => p.kill(), 30_000);
  return { lines, done: new Promise((res) => p.on('close', (code) => (clearTimeout(timer), res(code)))) };
}

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('xk create --watch works on the sim: the watcher applies on_reboot and on_poweroff that another xk asked for', async () => {
  const s = tempState();
  const w = watcher(s, join(EX, 'pv.cfg'));
  await until(() => w.lines.some((l) => l.startsWith('Domain 1 ')));
  let r = xk(['--state', s, 'reboot', 'web-pv']);
  assert.match(r.stdout, /asked to reboot/);
  await until(() => w.lines.some((l) => /restarted as domain 2/.test(l)));
  r = xk(['--state', s, 'shutdown', 'web-pv']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(await w.done, 0);
  assert.deepEqual(w.lines, ['Domain 1 "web-pv" created on Xen 4.22', 'domain 1 shut down (reboot); on_reboot: restart, "web-pv" restarted as domain 2', 'domain 2 shut down (poweroff); on_poweroff: destroy, destroyed']);
  assert.deepEqual(JSON.parse(xk(['--state', s, 'list', '--json']).stdout).map((x: { name: string }) => x.name), ['Domain-0']);
});
