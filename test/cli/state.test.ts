import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { openSimState } from '../../src/sim/store.js';
import { hostWithGuests, tempState, xk, xkAsync } from '../helpers/xk.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** The file as it is on disk: the database and its WAL (bytes), and the database's mtime. */
function fingerprint(path: string): string {
  const h = createHash('sha256');
  for (const p of [path, `${path}-wal`]) h.update(existsSync(p) ? readFileSync(p) : `no ${p}`);
  return `${h.digest('hex')} ${statSync(path).mtimeMs}`;
}

test('read commands never change the state file (bytes of the database and WAL, mtime)', () => {
  const s = hostWithGuests();
  const before = fingerprint(s);
  for (const args of [['list'], ['list', '--json'], ['info', '--json'], ['sim', 'status'], ['create', 'examples/pv.cfg', '--dry-run']]) {
    const r = xk(['--state', s, ...args]);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(fingerprint(s), before, `xk ${args.join(' ')} changed the file`);
  }
  assert.match(xk(['--state', s, 'list']).stdout, /web-pv\s+1 .*\n.*win-hvm\s+2/);
});

test('a read command on a missing state file shows the default host and creates nothing', () => {
  const s = tempState();
  const r = xk(['--state', s, 'list']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Domain-0\s+0/m);
  assert.equal(existsSync(s), false);
});

test('a stored host with an unknown release is STATE_CORRUPT (exit 3) naming host.release and the value', () => {
  const s = hostWithGuests();
  const db = new Database(s);
  db.exec(`UPDATE meta SET value = json_set(value, '$.release', '4.99') WHERE key = 'host'`);
  db.close();
  for (const args of [['sim', 'status'], ['list'], ['create', 'examples/pv.cfg', 'name="other"']]) {
    const r = xk(['--state', s, ...args]);
    assert.equal(r.status, 3, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /host\.release: "4\.99" is not a Xen release/, args.join(' '));
    assert.doesNotMatch(r.stderr, /internal error/);
  }
  // reset keeps a valid host; an invalid one only with --force (the default host then).
  assert.equal(xk(['--state', s, 'sim', 'reset']).status, 3);
  assert.equal(xk(['--state', s, 'sim', 'reset', '--force']).status, 0);
  assert.match(xk(['--state', s, 'sim', 'status']).stdout, /Xen 4\.22/);
});

test('a corrupt value in the state file is exit 3 naming the key, not an internal error', () => {
  const s = hostWithGuests();
  const db = new Database(s);
  db.exec(`UPDATE meta SET value = '{' WHERE key = 'faults'`);
  db.close();
  const r = xk(['--state', s, 'list']);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /meta\.faults holds "\{", not JSON/);
});

test('a name left by a domain destroyed through the library can be created again', () => {
  const s = hostWithGuests();
  const st = openSimState(s);
  st.run((sim) => sim.destroyDomain(1));
  st.close();
  const r = xk(['--state', s, 'create', 'examples/pv.cfg']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Domain 3 "web-pv" created/);
});

test('sim init --force and sim reset replace the host inside the open file (a connection held open sees it)', () => {
  const s = hostWithGuests();
  const st = openSimState(s);
  assert.equal(st.read((sim) => sim.host.release), '4.17');
  assert.equal(xk(['--state', s, 'sim', 'init', '--xen', '4.11']).status, 3, 'without --force an existing host is kept');
  const r = xk(['--state', s, 'sim', 'init', '--force', '--xen', '4.11']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(st.read((sim, names) => [sim.host.release, sim.domainCount, names.get(1)]), ['4.11', 1, undefined]);
  assert.equal(xk(['--state', s, 'create', 'examples/pv.cfg']).status, 0);
  assert.equal(xk(['--state', s, 'sim', 'reset']).status, 0);
  assert.deepEqual(st.read((sim) => [sim.host.release, sim.domainCount]), ['4.11', 1]);
  st.close();
});

interface RacerResult {
  seen: Record<string, number>;
  errors: string[];
  errorCount: number;
  n: number;
}

/** A racing process; `started` resolves after its first pass, `done` when it stops (at the stop file). */
function racer(mode: 'read' | 'write', path: string, stop: string): { started: Promise<void>; done: Promise<RacerResult> } {
  const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/helpers/state-racer.ts'), mode, path, stop], { cwd: ROOT });
  let out = '';
  let err = '';
  let onStart!: () => void;
  const started = new Promise<void>((res) => (onStart = res));
  p.stdout.on('data', (d) => {
    out += d;
    if (out.startsWith('started\n')) onStart();
  });
  p.stderr.on('data', (d) => (err += d));
  const done = new Promise<RacerResult>((res, rej) =>
    p.on('close', (code) => {
      onStart();
      if (code === 0) res(JSON.parse(out.replace(/^started\n/, '')));
      else rej(new Error(`racer ${mode} exited ${code}: ${err}`));
    }),
  );
  return { started, done };
}

test('racing processes see the old host or the new one while sim init --force / sim reset run', async () => {
  const s = tempState();
  const stop = `${s}.stop`;
  openSimState(s, { host: { release: '4.17' } }).close();
  const racers = [racer('read', s, stop), racer('read', s, stop), racer('write', s, stop)];
  await Promise.all(racers.map((r) => r.started));
  try {
    for (const args of [['sim', 'init', '--force', '--xen', '4.11'], ['sim', 'reset'], ['sim', 'init', '--force', '--xen', '4.17']]) {
      const r = await xkAsync(['--state', s, ...args]);
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    }
  } finally {
    writeFileSync(stop, '');
  }
  for (const r of await Promise.all(racers.map((x) => x.done))) {
    assert.equal(r.errorCount, 0, r.errors.join('\n'));
    assert.ok(r.n > 1);
    for (const rel of Object.keys(r.seen)) assert.ok(rel === '4.11' || rel === '4.17', `saw a host no one made: Xen ${rel}`);
  }
  assert.match(xk(['--state', s, 'sim', 'status']).stdout, /Xen 4\.17/);
});
