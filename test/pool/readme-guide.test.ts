import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { skipReason } from './etcd.js';
import { rpc } from './harness.js';

// The README's "Three hosts on one machine", run as written: its two shell blocks fed to one bash
// as a user types them (the apt-get line left out: the pool tests' own check wants etcd installed),
// with `xk` put on the PATH the way the README says, `npm install -g` of this checkout. The guide's
// ports are fixed (etcd 12379-12384, xk 8080 on 127.0.0.1-3): when one is taken the test skips and
// says which.

const ROOT = resolve(import.meta.dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const PORTS: [string, number][] = [...[0, 1, 2, 3, 4, 5].map((i) => ['127.0.0.1', 12379 + i] as [string, number]), ['127.0.0.1', 8080], ['127.0.0.2', 8080], ['127.0.0.3', 8080]];

/** The section's fenced blocks, in order. */
function guideBlocks(): string[] {
  const a = README.indexOf('### Three hosts on one machine');
  const b = README.indexOf('\n### ', a + 1);
  assert.ok(a >= 0 && b > a, 'the README has its three-host guide');
  return [...README.slice(a, b).matchAll(/^```\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

const free = (host: string, port: number) =>
  new Promise<boolean>((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, host, () => s.close(() => res(true)));
  });

async function busyPorts(): Promise<string[]> {
  const out: string[] = [];
  for (const [h, p] of PORTS) if (!(await free(h, p))) out.push(`${h}:${p}`);
  return out;
}

const base = skipReason();
const taken = base ? [] : await busyPorts();
const skip = base || (taken.length ? `the guide's ports are in use here: ${taken.join(' ')}` : false);

/** Wait until the pool the guide started has its three members and its one imported VM (bounded). */
async function poolUp(ms: number): Promise<{ hosts: string[]; vms: string[] }> {
  const end = Date.now() + ms;
  let last = '';
  while (Date.now() < end) {
    try {
      let url = 'http://127.0.0.2:8080';
      const sid = await rpc(url, 'session.login_with_password', ['root', 'secret'], 2000).catch((e) => {
        if (e.code !== 'HOST_IS_SLAVE') throw e;
        url = `http://${e.params[0]}:8080`;
        return rpc(url, 'session.login_with_password', ['root', 'secret'], 2000);
      });
      const hosts = Object.values(await rpc(url, 'host.get_all_records', [sid])).map((h: any) => h.name_label as string).sort();
      const vms = Object.values(await rpc(url, 'VM.get_all_records', [sid])).filter((v: any) => !v.is_control_domain).map((v: any) => v.name_label as string);
      if (hosts.length === 3 && vms.length) return { hosts, vms };
      last = `hosts ${hosts.join(',')} vms ${vms.join(',')}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the guide's pool was not up within ${ms} ms: ${last}`);
}

test('the README three-host guide works as written: three etcd members, three members, the imported VM checked on each, all stopped by its kill line', { skip, timeout: 180000 }, async () => {
  const [start, use] = guideBlocks();
  assert.ok(start && use, 'two shell blocks');
  assert.ok(existsSync(join(ROOT, 'dist/cli/xk.cjs')), 'dist/cli/xk.cjs is built (npm ci builds it)');
  const dir = mkdtempSync(join(tmpdir(), 'xk-guide-'));
  const g = spawnSync('npm', ['install', '-g', '--prefix', join(dir, 'npm'), '--offline', '--no-audit', '--no-fund', ROOT], { encoding: 'utf8', timeout: 120000 });
  assert.equal(g.status, 0, `npm install -g: ${g.stderr}`);
  const env = { ...process.env, PATH: `${join(dir, 'npm/bin')}:${process.env.PATH}`, TMPDIR: dir };
  delete env.XENKIT_PASSWORD;
  delete env.XENKIT_ADMIN_PASSWORD;
  const sh = spawn('bash', ['-s'], { env, cwd: dir, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  sh.stdout.on('data', (d) => (out += d));
  sh.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => sh.once('exit', (code) => r(code)));
  try {
    sh.stdin.write(start.split('\n').filter((l) => !/^apt-get /.test(l)).join('\n') + '\n');
    const up = await poolUp(60000);
    assert.deepEqual(up.hosts, ['host1', 'host2', 'host3']);
    assert.deepEqual(up.vms, ['web'], 'the three members imported vms/ once in the whole pool');
    // the second block as typed; `wait` and the marker are the test's, to know the kill line's jobs ended
    sh.stdin.end(`${use}\nwait\necho guide-done\n`);
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 30000))]);
    assert.equal(code, 0, `bash ended: ${code}\n${out.slice(-3000)}`);
    assert.match(out, /guide-done/);
    const rows = out.split('\n').filter((l) => /^web\s+host\d\s/.test(l)).map((l) => l.trim().split(/\s+/));
    assert.match(out, /^VM\s+HOST\s+CAN RUN IT$/m, `xk pool check's table:\n${out.slice(-2000)}`);
    // the PVH guest (LAPIC alone, HAP) is one each release's createdomain rules accept on a default sim host
    assert.deepEqual(rows.map((r) => [r[1], r.slice(2).join(' ')]).sort(), [['host1', 'ok'], ['host2', 'ok'], ['host3', 'ok']]);
    assert.deepEqual(await busyPorts(), [], 'the kill line stopped every member and etcd (their ports are free)');
  } finally {
    try {
      process.kill(-sh.pid!, 'SIGKILL');
    } catch {
      // the group has ended
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
