import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openDatabase } from '../../src/sim/sqlite.js';
import { openSimState } from '../../src/sim/store.js';
import { buildDomain } from '../../src/toolstack/lifecycle.js';
import { loadSpec, planFor } from '../../src/toolstack/load.js';
import { tempState, xk } from '../helpers/xk.js';

/**
 * The state file keeps the `xl list` lines of each block it writes (src/sim/state-file.ts `lines`),
 * and a plain `xk list` copies them out. The truth for the lines is xl's printf (tools/xl/xl_info.c
 * list_domains() @RELEASE-4.17.0, written out in test/toolstack/xl-list.test.ts); here the kept
 * lines must print exactly what formatting the stored records prints, and must never outlive the
 * block they were made from.
 */
const EX = resolve(import.meta.dirname, '../../examples');
const XL_HEAD = 'Name' + ' '.repeat(40) + 'ID   Mem VCPUs\tState\tTime(s)';
const xlLine = (name: string, id: number, state: string) => `${name.padEnd(40)} ${String(id).padStart(5)} ${'512'.padStart(5)} ${'2'.padStart(5)}     ${state}  ${'-'.padStart(8)}`;

/** 70 guests (two blocks of 64 ids): a UTF-8 name, a name over 40 characters, one paused, one crashed, one without a name. */
function mixedHost(): string {
  const path = tempState();
  const st = openSimState(path, { host: { release: '4.17', memoryMiB: 1 << 16 } });
  const { spec } = loadSpec(join(EX, 'pv.cfg'));
  st.run((sim, names) => {
    for (let i = 1; i <= 70; i++) {
      const name = i === 2 ? 'caf\u00e9-\u00fcber' : i === 3 ? 'a-guest-name-that-is-longer-than-forty-chars' : `g-${i}`;
      buildDomain(sim, names, planFor(sim.host.release, sim.host, { ...spec, name }));
    }
    sim.pauseDomain(4);
    sim.shutdown(5, 'crash');
    names.delete(6);
  });
  st.close();
  return path;
}

function sql(path: string, text: string): void {
  const db = openDatabase(path);
  try {
    db.exec(text);
  } finally {
    db.close();
  }
}

const linesRows = (path: string) => {
  const db = openDatabase(path, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM lines').pluck().get() as number;
  } finally {
    db.close();
  }
};

const digest = (path: string) => createHash('sha256').update(readFileSync(path)).update(existsSync(`${path}-wal`) ? readFileSync(`${path}-wal`) : '').digest('hex');

test('xk list from the kept lines prints what formatting the records prints, and reading them writes nothing', () => {
  const s = mixedHost();
  assert.equal(linesRows(s), 2);
  const before = digest(s);
  const kept = xk(['--state', s, 'list']);
  assert.equal(kept.status, 0, kept.stderr);
  assert.equal(digest(s), before, 'xk list changed the state file');
  const lines = kept.stdout.split('\n');
  assert.equal(lines[0], XL_HEAD);
  assert.equal(lines.length, 1 + 71 + 1);
  assert.ok(lines.includes(xlLine('g-1', 1, 'r-----')), kept.stdout);
  assert.ok(lines.includes(xlLine('g-4', 4, '--p---')), 'paused');
  assert.ok(lines.includes(xlLine('g-5', 5, '---sc-')), 'crashed');
  assert.ok(lines.includes(xlLine('(domain 6)', 6, 'r-----')), 'unnamed');
  // The kept lines are what is printed (a marker put in their place shows)...
  sql(s, "UPDATE lines SET text = CAST('marker\n' AS BLOB) WHERE block = 1");
  assert.match(xk(['--state', s, 'list']).stdout, /\nmarker\n$/);
  // ...and without them the records are formatted, the same bytes as kept.
  sql(s, 'DELETE FROM lines');
  const formatted = xk(['--state', s, 'list']);
  assert.equal(formatted.status, 0, formatted.stderr);
  assert.equal(formatted.stdout, kept.stdout);
});

test('a block changed by another writer (sqlite3) loses its kept lines: xk list shows the change', () => {
  const s = mixedHost();
  sql(s, `UPDATE blocks SET names = replace(names, '"g-7"', '"g-seven"') WHERE block = 0`);
  assert.equal(linesRows(s), 1, 'the trigger dropped block 0\'s lines');
  const r = xk(['--state', s, 'list']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.split('\n').includes(xlLine('g-seven', 7, 'r-----')), r.stdout);
  // The next write puts the lines back, made from the changed block.
  assert.equal(xk(['--state', s, 'pause', 'g-8']).status, 0);
  assert.equal(linesRows(s), 2);
  const after = xk(['--state', s, 'list']).stdout.split('\n');
  assert.ok(after.includes(xlLine('g-seven', 7, 'r-----')) && after.includes(xlLine('g-8', 8, '--p---')), after.join('\n'));
});

test('a state file from before the kept lines is listed as before, and its first write adds them', () => {
  const s = mixedHost();
  const want = xk(['--state', s, 'list']).stdout;
  sql(s, 'DROP TABLE lines');
  const old = xk(['--state', s, 'list']);
  assert.equal(old.status, 0, old.stderr);
  assert.equal(old.stdout, want);
  assert.equal(xk(['--state', s, 'destroy', 'g-70']).status, 0);
  assert.equal(linesRows(s), 2);
  assert.equal(xk(['--state', s, 'list']).stdout, want.replace(`${xlLine('g-70', 70, 'r-----')}\n`, ''));
});
