#!/usr/bin/env node
// Reads the serial log of a run.sh boot, extracts what real Xen answered to each replay script
// (XKOUT: lines), replays the same scripts on the sim described by the captured physinfo, and
// compares the two line by line.
//   node compare.mjs --log serial.log --root /work/main --release 4.17 --out results/
// Exit 0 when the matrix agrees everywhere, 1 otherwise (or when the log is incomplete).
// Conformance scripts are compared with their .expected.jsonl and with the sim; their differences
// are reported, and fail the run only with XK_STRICT_CONFORMANCE=1.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({ options: { log: { type: "string", multiple: true }, root: { type: 'string' }, release: { type: 'string' }, out: { type: 'string' } } });
const ROOT = a.root;
const REL = a.release;
const OUT = a.out;
mkdirSync(OUT, { recursive: true });
const say = (s = '') => console.log(s);
let failed = false;

// ---- parse the log
const log = a.log.flatMap((f) => readFileSync(f, 'latin1').replace(/\r/g, '').split('\n'));
const tests = new Map(); // name -> { rc, lines, errlines, out: [], err: [], xen: [] }
let running = null;
for (const l of log) {
  let m;
  if ((m = /^XKRUN: (\S+)/.exec(l))) { running = m[1]; tests.set(running, { out: [], err: [], xen: [] }); continue; }
  if ((m = /^XKBEGIN:(\S+) rc=(\d+) lines=(\d+) errlines=(\d+)/.exec(l))) {
    running = null;
    const t = tests.get(m[1]) ?? { out: [], err: [], xen: [] };
    Object.assign(t, { rc: +m[2], lines: +m[3], errlines: +m[4] });
    tests.set(m[1], t);
    continue;
  }
  if ((m = /^XKOUT:([^:]+):(.*)$/.exec(l))) { tests.get(m[1])?.out.push(m[2]); continue; }
  if ((m = /^XKERR:([^:]+):(.*)$/.exec(l))) { tests.get(m[1])?.err.push(m[2]); continue; }
  if (running && l.startsWith('(XEN) ')) tests.get(running).xen.push(l);
}
for (const [name, t] of tests) {
  if (t.rc === undefined) { say(`FAIL: ${name}: no XKBEGIN in the log`); failed = true; continue; }
  if (t.out.length !== t.lines || t.err.length !== t.errlines) {
    say(`FAIL: ${name}: the log holds ${t.out.length}/${t.lines} output and ${t.err.length}/${t.errlines} error lines (garbled serial output?)`);
    failed = true;
  }
  writeFileSync(join(OUT, `${name}.real.jsonl`), t.out.map((x) => x + '\n').join(''));
  writeFileSync(join(OUT, `${name}.real.stderr`), t.err.map((x) => x + '\n').join(''));
  writeFileSync(join(OUT, `${name}.xen.log`), t.xen.map((x) => x + '\n').join(''));
}
const parse = (s) => { try { return JSON.parse(s); } catch { return { unparsable: s }; } };
const real = (name) => (tests.get(name)?.out ?? []).map(parse);

// ---- physinfo: the host as real Xen describes it
const pi = real('physinfo').find((x) => x.op === 'physinfo');
if (!pi || !pi.ok) {
  say(`FAIL: physinfo on real Xen: ${JSON.stringify(pi ?? tests.get('physinfo')?.err ?? 'missing')}`);
  process.exit(1);
}
const piFile = join(OUT, 'physinfo.json');
writeFileSync(piFile, JSON.stringify(pi) + '\n');
say(`real Xen ${REL} physinfo: ${JSON.stringify(pi)}`);
const d0 = real('physinfo').find((x) => x.op === 'getdomaininfo');
if (d0) say(`real dom0 getdomaininfo: ${JSON.stringify(d0)}`);

// ---- the sim, described as the same host
const cli = join(ROOT, 'dist/cli/main.js');
function sim(file, hostArgs, explain = false) {
  let stdout;
  try {
    stdout = execFileSync(process.execPath, [cli, 'replay', '--xen', REL, ...hostArgs, ...(explain ? ['--explain'] : []), file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    stdout = e.stdout ?? '';
  }
  return stdout.split('\n').filter(Boolean).map(parse);
}
const canon = (o) => JSON.stringify(o, (k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1))) : v));
const short = (o) => (o ? (o.ok ? `ok${o.domid !== undefined && o.op === 'createdomain' ? ` domid ${o.domid}` : ''}${o.state ? ` ${Object.entries(o.state).filter(([, v]) => v).map(([k]) => k).join('+')} tot=${o.tot_pages} max=${o.max_pages} vcpu_id=${o.max_vcpu_id}` : ''}` : o.errno ?? o.error ?? 'ERR') : 'missing');

/** Compare two outputs keyed by line number; returns the disagreeing line numbers. */
function diff(name, script, left, right, lname, rname, explained) {
  const src = readFileSync(script, 'utf8').split('\n');
  const L = new Map(left.map((o) => [o.line, o]));
  const R = new Map(right.map((o) => [o.line, o]));
  const nums = [...new Set([...L.keys(), ...R.keys()])].sort((x, y) => x - y);
  const bad = [];
  const rows = [];
  // The comment above each line says what it probes.
  const about = (n) => { for (let i = n - 2; i >= 0; i--) { const s = src[i].trim(); if (s.startsWith('#')) return s.slice(1).trim(); if (s.startsWith('{') && i < n - 2) break; if (s === '') break; } return ''; };
  for (const n of nums) {
    const l = L.get(n), r = R.get(n);
    const same = l && r && canon(l) === canon(r);
    rows.push(`${same ? ' ' : '!'} ${String(n).padStart(3)} ${(src[n - 1] ?? '').trim().slice(0, 150)}\n        ${lname}: ${short(l)}   ${rname}: ${short(r)}${about(n) ? `   (${about(n)})` : ''}`);
    if (!same) bad.push({ n, src: (src[n - 1] ?? '').trim(), l, r, why: explained?.get(n)?.reason });
  }
  writeFileSync(join(OUT, `${name}.compare.txt`), rows.join('\n') + '\n');
  return { bad, total: nums.length };
}
function printBad(title, bad, lname, rname) {
  say(title);
  for (const b of bad) {
    say(`  line ${b.n}: ${b.src}`);
    say(`    ${lname.padEnd(9)} ${b.l ? JSON.stringify(b.l) : '(no output line)'}`);
    say(`    ${rname.padEnd(9)} ${b.r ? JSON.stringify(b.r) : '(no output line)'}`);
    if (b.why) say(`    sim says: ${b.why}`);
  }
}

// ---- the matrix: real vs sim, every line must agree
const matrix = join(ROOT, `test/xen-qemu/matrix-${REL}.jsonl`);
const host = ['--host-file', piFile];
const mReal = real('matrix');
const mSim = sim(matrix, host);
writeFileSync(join(OUT, 'matrix.sim.jsonl'), mSim.map((o) => JSON.stringify(o) + '\n').join(''));
const mExplain = new Map(sim(matrix, host, true).map((o) => [o.line, o]));
if (tests.get('matrix')?.rc) say(`note: the matrix replay on real Xen exited ${tests.get('matrix').rc}${tests.get('matrix').err.length ? `: ${tests.get('matrix').err.join(' | ')}` : ''}`);
const m = diff('matrix', matrix, mReal, mSim, 'real', 'sim', mExplain);
say('');
if (mReal.length === 0) { say('FAIL: the matrix gave no output on real Xen'); failed = true; }
else if (m.bad.length) {
  printBad(`FAIL: matrix-${REL}: real Xen and the sim disagree on ${m.bad.length} of ${m.total} lines:`, m.bad, 'real Xen', 'sim');
  failed = true;
} else say(`PASS: matrix-${REL}: real Xen and the sim agree on all ${m.total} lines`);
say(`  (line-by-line table: test/xen-qemu/results/matrix.compare.txt; Xen's own log: results/matrix.xen.log, ${tests.get('matrix')?.xen.length ?? 0} lines)`);

// ---- the recording: what real Xen answered last time it was recorded (XK_RECORD=1 rewrites it).
// It lets the sim be checked against real Xen without QEMU:
//   xk replay --xen 4.17 --host-file test/xen-qemu/recorded/host-4.17.json test/xen-qemu/matrix-4.17.jsonl
const REC = join(ROOT, 'test/xen-qemu/recorded');
const recMatrix = join(REC, `matrix-${REL}.real.jsonl`);
const jsonl = (rows) => rows.map((o) => JSON.stringify(o) + '\n').join('');
if (process.env.XK_RECORD === '1') {
  mkdirSync(REC, { recursive: true });
  writeFileSync(recMatrix, jsonl(mReal));
  writeFileSync(join(REC, `host-${REL}.json`), JSON.stringify(pi) + '\n');
  for (const [name, t] of tests) if (name.startsWith('conf-')) writeFileSync(join(REC, `${name.slice(5)}.real.jsonl`), t.out.map((x) => x + '\n').join(''));
  say(`recorded real Xen's answers in test/xen-qemu/recorded/`);
} else if (existsSync(recMatrix)) {
  const rec = readFileSync(recMatrix, 'utf8').split('\n').filter(Boolean).map(parse);
  const d = diff('matrix.recorded', matrix, mReal, rec, 'now', 'recorded');
  if (d.bad.length) printBad(`note: real Xen's answers differ from test/xen-qemu/recorded/matrix-${REL}.real.jsonl on ${d.bad.length} lines (XK_RECORD=1 rewrites it):`, d.bad, 'now', 'recorded');
  else say(`real Xen's answers are those recorded in test/xen-qemu/recorded/matrix-${REL}.real.jsonl`);
}

// ---- conformance scripts: real (a fresh Xen per script) vs .expected.jsonl (the sim's host of the script's header)
let confBad = 0;
for (const [name, t] of tests) {
  if (!name.startsWith('conf-')) continue;
  const base = name.slice(5);
  const script = join(ROOT, 'test/conformance', `${base}.jsonl`);
  const expFile = join(ROOT, 'test/conformance', `${base}.expected.jsonl`);
  const mem = /^# *memory: *(\d+)/m.exec(readFileSync(script, 'utf8'))?.[1];
  const r = t.out.map(parse);
  const explained = new Map(sim(script, mem ? ['--memory', mem] : [], true).map((o) => [o.line, o]));
  say('');
  if (!existsSync(expFile)) continue;
  const exp = readFileSync(expFile, 'utf8').split('\n').filter(Boolean).map(parse);
  const d = diff(name, script, r, exp, 'real', 'expected', explained);
  if (d.bad.length) printBad(`conformance ${base}: real Xen differs from ${base}.expected.jsonl (the sim) on ${d.bad.length} of ${d.total} lines:`, d.bad, 'real Xen', 'expected');
  else say(`conformance ${base}: real Xen agrees with ${base}.expected.jsonl on all ${d.total} lines`);
  say(`  (table: test/xen-qemu/results/${name}.compare.txt; Xen's log: results/${name}.xen.log)`);
  if (t.err.length) say(`  stderr: ${t.err.join(' | ')}`);
  confBad += d.bad.length;
}
if (confBad && process.env.XK_STRICT_CONFORMANCE === '1') failed = true;
say('');
say(failed ? 'xen-qemu: FAILED' : `xen-qemu: PASSED${confBad ? ` (conformance differences reported above: ${confBad} lines; informational)` : ''}`);
process.exit(failed ? 1 : 0);
