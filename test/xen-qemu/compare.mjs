#!/usr/bin/env node
// Reads the serial log of a run.sh boot, extracts what real Xen answered to each replay script
// (XKOUT: lines), replays the same scripts on the sim described by the captured physinfo, and
// compares the two line by line.
//   node compare.mjs --log serial.log --root /work/main --release 4.17 --out results/
// Exit 0 when the matrix agrees everywhere, 1 otherwise (or when the log is incomplete).
// Conformance scripts are compared with their .expected.jsonl: any difference fails the run (their
// physinfo lines describe the script's own host, not QEMU's: listed, not compared). A script
// without an .expected.jsonl fails. Real `xl create -n` on the project's configs (xlcreaten-*):
// recorded and compared with xenkit's libxl JSON (xl-create-n.mjs); a difference fails.
// Real guests (--guests guest-pv,guest-pvh --guest-dir DIR: `xk --backend xen create DIR/pv.cfg
// --watch` in dom0): xk must exit 0, say the domain was created through libxl and that on_poweroff
// destroyed it, and the guest's console log must hold its own XK-GUEST-HELLO line with the guest
// type its kernel reports. --no-matrix: only the guests (XK_ONLY_GUESTS=1).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkXlCreateN } from './xl-create-n.mjs';

const { values: a } = parseArgs({
  options: {
    log: { type: 'string', multiple: true },
    root: { type: 'string' },
    release: { type: 'string' },
    out: { type: 'string' },
    guests: { type: 'string' },
    'guest-dir': { type: 'string' },
    'no-matrix': { type: 'boolean' },
    'xl-debian': { type: 'string' },
  },
});
const ROOT = a.root;
const REL = a.release;
const OUT = a.out;
mkdirSync(OUT, { recursive: true });
const say = (s = '') => console.log(s);
let failed = false;

// ---- parse the log
const logs = a.log.map((f) => readFileSync(f, 'latin1').replace(/\r/g, '').split('\n'));
const log = logs.flat();
const tests = new Map(); // name -> { rc, lines, errlines, out: [], err: [], xen: [], stamp: [], con: [], xlog: [], time }
const fresh = () => ({ out: [], err: [], xen: [], stamp: [], con: [], xlog: [] });
const setup = []; // XKSETUP / XKLOG lines (the libxl setup in the guests boot)
let running = null;
for (const l of log) {
  let m;
  if ((m = /^XKRUN: (\S+)/.exec(l))) { running = m[1]; tests.set(running, fresh()); continue; }
  if ((m = /^XKBEGIN:(\S+) rc=(\d+) lines=(\d+) errlines=(\d+)/.exec(l))) {
    running = null;
    const t = tests.get(m[1]) ?? fresh();
    Object.assign(t, { rc: +m[2], lines: +m[3], errlines: +m[4] });
    tests.set(m[1], t);
    continue;
  }
  if ((m = /^XKOUT:([^:]+):(.*)$/.exec(l))) { tests.get(m[1])?.out.push(m[2]); continue; }
  if ((m = /^XKERR:([^:]+):(.*)$/.exec(l))) { tests.get(m[1])?.err.push(m[2]); continue; }
  if ((m = /^XKSTAMP:([^:]+):(.*)$/.exec(l))) { tests.get(m[1])?.stamp.push(m[2]); continue; }
  if ((m = /^XKCON:([^:]+):(.*)$/.exec(l))) { tests.get(m[1])?.con.push(m[2]); continue; }
  if ((m = /^XKXLOG:([^:]+):(.*)$/.exec(l))) { tests.get(m[1])?.xlog.push(m[2]); continue; }
  if ((m = /^XKGTIME:(\S+) start=([\d.]+) end=([\d.]+)/.exec(l))) { const t = tests.get(m[1]); if (t) t.time = { start: +m[2], end: +m[3] }; continue; }
  if (running && l.startsWith('(XEN) ')) tests.get(running).xen.push(l);
}
// dom0's setup lines of the boot that set up libxl (the guests boot)
for (const lines of logs) if (lines.some((l) => l.startsWith('XKSETUP:'))) setup.push(...lines.filter((l) => /^XK(SETUP|LOG|FATAL):/.test(l)));
for (const [name, t] of tests) {
  if (t.rc === undefined) { say(`FAIL: ${name}: no XKBEGIN in the log`); failed = true; continue; }
  if (t.out.length !== t.lines || t.err.length !== t.errlines) {
    say(`FAIL: ${name}: the log holds ${t.out.length}/${t.lines} output and ${t.err.length}/${t.errlines} error lines (garbled serial output?)`);
    failed = true;
  }
  if (name.startsWith('guest-')) {
    const sect = (title, rows) => `---- ${title}\n${rows.map((x) => x + '\n').join('')}`;
    writeFileSync(join(OUT, `${name}.txt`), [sect(`xk stdout (rc ${t.rc})`, t.out), sect('xk stderr (libxl log)', t.err), sect('stdout lines with dom0 uptime', t.stamp), sect('console log', t.con), sect('xen logs (on failure)', t.xlog), sect("Xen's own lines", t.xen)].join(''));
    continue;
  }
  writeFileSync(join(OUT, `${name}.real.jsonl`), t.out.map((x) => x + '\n').join(''));
  writeFileSync(join(OUT, `${name}.real.stderr`), t.err.map((x) => x + '\n').join(''));
  writeFileSync(join(OUT, `${name}.xen.log`), t.xen.map((x) => x + '\n').join(''));
}
const parse = (s) => { try { return JSON.parse(s); } catch { return { unparsable: s }; } };
const real = (name) => (tests.get(name)?.out ?? []).map(parse);

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

if (!a['no-matrix']) {
// ---- physinfo: the host as real Xen describes it
const pi = real('physinfo').find((x) => x.op === 'physinfo');
if (!pi || !pi.ok) {
  say(`FAIL: physinfo on real Xen: ${JSON.stringify(pi ?? tests.get('physinfo')?.err ?? 'missing')}`);
  process.exit(1);
}
// What physinfo does not say but Xen's boot log does: on SVM, nested virt needs HAP and four SVM
// features (start_nested_svm(), xen/arch/x86/hvm/svm/nestedsvm.c @RELEASE-4.20.0; the strings are
// svm.c's "Supported advanced features" lines); on VMX it is HAP. Only 4.19+ checks it.
const bootLog = logs[0] ?? [];
if (bootLog.includes('(XEN) HVM: SVM enabled') && Number(REL.split('.')[1]) >= 19) {
  const feats = ['Last Branch Record (LBR) Virtualisation', 'Next-RIP Saved on #VMEXIT', 'TLB flush by ASID', 'DecodeAssists'];
  pi.nested_virt = pi.capabilities.includes('hap') && feats.every((f) => bootLog.includes(`(XEN)  - ${f}`));
  say(`Xen's boot log: SVM${pi.nested_virt ? '' : ' without ' + feats.filter((f) => !bootLog.includes(`(XEN)  - ${f}`)).join(', ')}: nested_virt ${pi.nested_virt}`);
}
const piFile = join(OUT, 'physinfo.json');
writeFileSync(piFile, JSON.stringify(pi) + '\n');
say(`real Xen ${REL} physinfo: ${JSON.stringify(pi)}`);
const d0 = real('physinfo').find((x) => x.op === 'getdomaininfo');
if (d0) say(`real dom0 getdomaininfo: ${JSON.stringify(d0)}`);

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
  if (!existsSync(expFile)) { say(`FAIL: conformance ${base}: ${expFile} is missing`); confBad++; continue; }
  // (# lines of an expected file say where its truth comes from)
  const exp = readFileSync(expFile, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map(parse);
  // physinfo describes the host: the script's own (its header) in the expected file, QEMU's here.
  const hostLines = new Set(exp.filter((o) => o.op === 'physinfo').map((o) => o.line));
  const keep = (rows) => rows.filter((o) => !hostLines.has(o.line));
  const d = diff(name, script, keep(r), keep(exp), 'real', 'expected', explained);
  if (hostLines.size) say(`conformance ${base}: physinfo lines ${[...hostLines].join(', ')} describe the script's host, not QEMU's: not compared`);
  if (d.bad.length) printBad(`FAIL: conformance ${base}: real Xen differs from ${base}.expected.jsonl on ${d.bad.length} of ${d.total} lines:`, d.bad, 'real Xen', 'expected');
  else say(`PASS: conformance ${base}: real Xen agrees with ${base}.expected.jsonl on all ${d.total} lines`);
  say(`  (table: test/xen-qemu/results/${name}.compare.txt; Xen's log: results/${name}.xen.log)`);
  if (t.err.length) say(`  stderr: ${t.err.join(' | ')}`);
  confBad += d.bad.length;
}
if (confBad) failed = true;

// ---- real xl create -n on the project's own configs (the guests boot)
if (checkXlCreateN({ tests, root: ROOT, say, record: process.env.XK_RECORD === '1', debian: a['xl-debian'] })) failed = true;

// ---- real guests through libxl: `xk --backend xen create GUEST.cfg --watch` in dom0
const EXPECT_TYPE = { pv: 'PV', pvh: 'PVH', hvm: 'HVM' };
const wanted = (a.guests ?? '').split(',').filter(Boolean);
if (wanted.length) {
  say('');
  for (const l of setup) say(`  dom0: ${l}`);
}
for (const name of wanted) {
  const t = tests.get(name);
  const base = name.slice(6).replace(/@\d+$/, ''); // guest-pv@2: the 2nd round of guests/pv.cfg
  const cfgFile = join(a['guest-dir'] ?? join(ROOT, 'test/xen-qemu/guests'), `${base}.cfg`);
  const cfg = readFileSync(cfgFile, 'utf8');
  const val = (k) => new RegExp(`^\\s*${k}\\s*=\\s*"([^"]*)"`, 'm').exec(cfg)?.[1];
  const gname = val('name'), gtype = val('type');
  const token = /xk\.guest=(\S+)/.exec(val('extra') ?? '')?.[1] ?? base;
  const problems = [];
  if (!t || t.rc === undefined) problems.push('it did not run (no XKBEGIN in the log)');
  else {
    if (t.rc !== 0) problems.push(`xk exited ${t.rc}${t.rc === 124 || t.rc === 143 ? ' (killed by the per-run timeout in dom0, XK_GUEST_TIMEOUT)' : ''}`);
    const created = t.out.map((l) => new RegExp(`^Domain (\\d+) "${gname}" created on Xen ${REL.replace('.', '\\.')} through libxl$`).exec(l)).find(Boolean);
    if (!created) problems.push(`no 'Domain N "${gname}" created on Xen ${REL} through libxl' line`);
    let id = created?.[1] ?? '\\d+';
    // The domain-death event is xenstore's @releaseDomain watch, as libxl's (src/backend/xenstore-watch.ts),
    // not polling: xk --debug says which it got (src/cli/create.ts).
    if (!t.err.some((l) => new RegExp(`^xk: watching domain ${id}: xenstore @releaseDomain at /`).test(l)))
      problems.push(`no 'xk: watching domain ${created ? id : 'N'}: xenstore @releaseDomain at ...' line in xk's stderr (${t.err.find((l) => l.startsWith('xk: watching')) ?? 'none'})`);
    // Seen once under TCG (4.17, PVH): after XK-GUEST-BYE the guest's own poweroff ended in a triple
    // fault, which Xen turns into a reboot ("d2v0 Triple fault - invoking HVM shutdown action 1");
    // xk then did what xl does (on_reboot = restart) and the restarted guest powered off. That is
    // accepted, once, and said; any other reboot is a failure.
    const restart = t.out.map((l) => new RegExp(`^domain ${id} shut down \\(reboot\\); on_reboot: restart, "${gname}" restarted as domain (\\d+)$`).exec(l)).find(Boolean);
    const bye = t.con.some((l) => l.startsWith(`XK-GUEST-BYE ${token}`));
    if (restart && bye && t.xen.some((l) => new RegExp(`\\bd${id}v\\d+ Triple fault`).test(l))) {
      say(`  note: ${name}: domain ${id} triple-faulted in its own poweroff (after XK-GUEST-BYE); Xen rebooted it and xk restarted it as domain ${restart[1]} (on_reboot), as xl would`);
      id = restart[1];
    }
    // The one on_* handler's line, as on the sim (src/toolstack/on-shutdown.ts describeDeath()).
    if (!t.out.some((l) => new RegExp(`^domain ${id} shut down \\(poweroff\\); on_poweroff: destroy, destroyed$`).test(l))) problems.push(`no 'domain ${created ? id : 'N'} shut down (poweroff); on_poweroff: destroy, destroyed' line`);
    const hello = t.con.find((l) => l.startsWith(`XK-GUEST-HELLO ${token} `));
    if (!hello) problems.push(`the console log has no 'XK-GUEST-HELLO ${token} ...' line`);
    else if (!hello.includes(` type=${EXPECT_TYPE[gtype]} `)) problems.push(`the guest's kernel says it is not ${EXPECT_TYPE[gtype]}: ${hello}`);
  }
  const dt = t?.time ? ` in ${(t.time.end - t.time.start).toFixed(1)} s` : '';
  say(`${problems.length ? 'FAIL' : 'PASS'}: real ${gtype} guest "${gname}" (${name}: xk --backend xen create ${base}.cfg --watch)${dt}${problems.length ? ': ' + problems.join('; ') : ''}`);
  for (const l of t?.out ?? []) say(`    xk: ${l}`);
  for (const l of (t?.con ?? []).filter((l) => /^XK-GUEST-/.test(l))) say(`    console: ${l}`);
  if (problems.length) {
    failed = true;
    for (const l of t?.err ?? []) say(`    xk stderr: ${l}`);
    for (const l of (t?.con ?? []).filter((l) => !/^XK-GUEST-/.test(l)).slice(-40)) say(`    console: ${l}`);
    for (const l of t?.xlog ?? []) say(`    log: ${l}`);
    for (const l of (t?.xen ?? []).slice(-30)) say(`    ${l}`);
  } else if (t.err.length) say(`    (xk stderr, libxl's log: ${t.err.length} lines; results/${name}.txt)`);
  say(`    (everything: test/xen-qemu/results/${name}.txt)`);
}
say('');
say(failed ? 'xen-qemu: FAILED' : 'xen-qemu: PASSED');
process.exit(failed ? 1 : 0);
