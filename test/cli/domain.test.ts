import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { xk, xkAsync, tempState, jsonLines } from '../helpers/xk.js';

const EX = resolve(import.meta.dirname, '../../examples');
// Xen's own examples beside the project (../shared): their tests skip, naming the path, without it.
const SHARED = resolve(import.meta.dirname, '../../../shared/xl-examples');
const NO_SHARED = existsSync(SHARED) ? false : `needs Xen's example configs in ${SHARED}, which is absent (a clone without ../shared)`;
// Real `xl create -n` on the project's own configs, recorded by test/xen-qemu (npm run test:xen).
const XL_RECORDED = resolve(import.meta.dirname, '../xen-qemu/recorded/xl-create-n');
const ROOT = resolve(import.meta.dirname, '../..');

function listNames(state: string): { name: string; id: number; state: string }[] {
  return JSON.parse(xk(['--state', state, 'list', '--json']).stdout);
}

test('xk create / list / pause / unpause / shutdown / destroy on the simulated host', () => {
  const s = tempState();
  assert.equal(xk(['--state', s, 'sim', 'init', '--xen', '4.17']).status, 0);
  let r = xk(['--state', s, 'create', join(EX, 'pv.cfg')]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'Domain 1 "web-pv" created on Xen 4.17\n');
  r = xk(['--state', s, 'create', join(EX, 'hvm.cfg'), '--paused']);
  assert.equal(r.status, 0, r.stderr);
  let l = listNames(s);
  assert.deepEqual(l.map((x) => [x.name, x.id, x.state]), [['Domain-0', 0, 'r-----'], ['web-pv', 1, 'r-----'], ['win-hvm', 2, '--p---']]);
  assert.equal(xk(['--state', s, 'unpause', 'win-hvm']).status, 0);
  assert.equal(xk(['--state', s, 'pause', '1']).stdout, 'domain 1 paused\n');
  r = xk(['--state', s, 'unpause', 'win-hvm']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /EINVAL.*not paused/);
  // on_crash = "restart" in hvm.cfg: the toolstack rebuilds it, as xl's daemon would.
  r = xk(['--state', s, 'shutdown', 'win-hvm', '--reason', 'crash']);
  assert.match(r.stdout, /on_crash: restart, "win-hvm" restarted as domain 3/);
  // on_poweroff = "destroy" in pv.cfg.
  r = xk(['--state', s, 'shutdown', 'web-pv']);
  assert.match(r.stdout, /on_poweroff: destroy, destroyed/);
  l = listNames(s);
  assert.deepEqual(l.map((x) => x.name), ['Domain-0', 'win-hvm']);
  assert.equal(xk(['--state', s, 'destroy', 'win-hvm']).status, 0);
  r = xk(['--state', s, 'destroy', 'win-hvm']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /domain "win-hvm" does not exist/);
  const text = xk(['--state', s, 'list']).stdout;
  assert.match(text, /^Name\s+ID\s+Mem VCPUs\tState\tTime\(s\)\nDomain-0 /);
});

test('names are unique per host, as xl enforces', () => {
  const s = tempState();
  xk(['--state', s, 'create', join(EX, 'pv.cfg')]);
  const r = xk(['--state', s, 'create', join(EX, 'pv.cfg')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /a domain named "web-pv" already exists \(domain 1\)/);
  assert.equal(listNames(s).length, 2);
});

test('a half-built domain is destroyed when a later step fails (injected faults), and the error names the step', () => {
  for (const op of ['max_vcpus', 'max_mem', 'populate_physmap', 'unpausedomain']) {
    const s = tempState();
    assert.equal(xk(['--state', s, 'sim', 'inject', '--op', op, '--errno', 'ENOMEM']).status, 0);
    const r = xk(['--state', s, 'create', join(EX, 'hvm.cfg')]);
    assert.equal(r.status, 1, op);
    assert.match(r.stderr, new RegExp(`failed at ${op} \\(domain 1 destroyed\\).*ENOMEM`), op);
    assert.deepEqual(listNames(s).map((x) => x.id), [0], op);
    // The fault is spent: the same create now works, with the next id (the first was spent, as in Xen).
    const again = xk(['--state', s, 'create', join(EX, 'hvm.cfg')]);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /Domain 2 "win-hvm"/);
  }
});

test('memory runs out: populate_physmap gives EBUSY (libxc\'s answer, as real Xen 4.17 gave), nothing left behind', () => {
  const s = tempState();
  xk(['--state', s, 'sim', 'init', '--xen', '4.22', '--memory', '2048']);
  const r = xk(['--state', s, 'create', join(EX, 'hvm.cfg')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /failed at populate_physmap \(domain 1 destroyed\).*EBUSY.*the host ran out of memory/);
  assert.equal(listNames(s).length, 1);
});

test('two xk processes racing on one state file: both creates land, ids distinct, nothing lost', async () => {
  const s = tempState();
  xk(['--state', s, 'sim', 'init', '--xen', '4.17']);
  const dir = mkdtempSync(join(tmpdir(), 'xk-race-'));
  const files = Array.from({ length: 6 }, (_, i) => {
    const f = join(dir, `g${i}.cfg`);
    writeFileSync(f, `name = "g${i}"\nkernel = "/boot/vmlinuz"\nmemory = 64\n`);
    return f;
  });
  const runs = await Promise.all(files.map((f) => xkAsync(['--state', s, 'create', f])));
  for (const r of runs) assert.equal(r.status, 0, r.stderr);
  const l = listNames(s);
  assert.equal(l.length, 7);
  assert.deepEqual(l.map((x) => x.id), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(l.slice(1).map((x) => x.name).sort(), ['g0', 'g1', 'g2', 'g3', 'g4', 'g5']);
  // Same name from two processes at once: exactly one wins.
  const dup = await Promise.all([xkAsync(['--state', s, 'create', files[0]!, 'name="same"']), xkAsync(['--state', s, 'create', files[1]!, 'name="same"'])]);
  assert.deepEqual(dup.map((r) => r.status).sort(), [0, 2]);
});

test('xk create --dry-run: the createdomain config and the verdict; --libxl-json is what real xl 4.17 printed', () => {
  let r = xk(['create', join(EX, 'hvm.cfg'), '--dry-run', '--emulation-flags', '0', '--json'], { env: { XENKIT_STATE: tempState() } });
  const v = JSON.parse(r.stdout);
  assert.equal(v.accept, false);
  assert.equal(v.errno, 'EOPNOTSUPP');
  assert.equal(r.status, 1, "a refusal exits 1 with --json too");
  r = xk(['create', join(EX, 'hvm.cfg'), '--libxl-json']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /only with --dry-run/);
});

test('xk check FILE... --xen: a table of file x release; exit 1 when any refuses', () => {
  let r = xk(['check', join(EX, 'pv.cfg'), join(EX, 'hvm.cfg'), '--xen', '4.10,4.22']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 5);
  assert.match(r.stdout, /hvm\.cfg\s+4\.22\s+accept \(emulation_flags 0x1ff\)/);
  const dir = mkdtempSync(join(tmpdir(), 'xk-chk-'));
  const nohap = join(dir, 'shadow.cfg');
  writeFileSync(nohap, 'name = "s"\ntype = "hvm"\nhap = 0\nmemory = 128\n');
  r = xk(['check', nohap, '--xen', '4.21,4.22', '--no-shadow', '--json']);
  assert.equal(r.status, 1);
  const lines = jsonLines(r.stdout);
  assert.deepEqual(lines.map((l) => l.errno), ['EOPNOTSUPP', 'EINVAL']);
});

test('xk explain: the derivation, rule by rule', () => {
  const r = xk(['explain', join(EX, 'hvm.cfg'), '--xen', '4.11']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /emulation : 0x3ff .*libxl_x86\.c libxl__arch_domain_prepare_config\(\) @RELEASE-4\.11\.0/);
  assert.match(r.stdout, /ok   emulation-not-allowed\s+xen\/arch\/x86\/domain\.c emulation_flags_ok\(\) @RELEASE-4\.11\.0/);
  assert.match(r.stdout, /verdict   : Xen 4\.11 accepts it/);
});

test('bad xl.cfg input: syntax error with position and caret, unknown key warned with a suggestion, word for a number refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xk-bad-'));
  const bad = join(dir, 'bad.cfg');
  writeFileSync(bad, 'name = "x"\nmemory = = 5\n');
  let r = xk(['create', bad, '--dry-run']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, new RegExp(`${bad.replace(/[.]/g, '\\.')}:2:10: expected`));
  assert.match(r.stderr, /memory = = 5\n\s{9}\^/);
  const typo = join(dir, 'typo.cfg');
  writeFileSync(typo, 'name = "x"\nkernel = "/k"\nmemory = 128\nmaxmen = 256\n');
  r = xk(['create', typo, '--dry-run']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /unknown key "maxmen".*did you mean "maxmem"\?/);
  const word = join(dir, 'word.cfg');
  writeFileSync(word, 'name = "x"\nkernel = "/k"\nmemory = "lots"\n');
  r = xk(['create', word, '--dry-run']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /word\.cfg:3:10/);
  assert.match(r.stderr, /memory/);
  r = xk(['create', join(dir, 'missing.cfg')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no such file/);
});

test('Arm hosts: an xl.cfg guest gets the native GIC; a PV guest is refused with the Arm rule', () => {
  let r = xk(['check', join(EX, 'pvh.cfg'), '--arch', 'arm64', '--xen', '4.17,4.22', '--json']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  r = xk(['check', join(EX, 'pv.cfg'), '--arch', 'arm64', '--xen', '4.17', '--json']);
  assert.equal(r.status, 1);
  const v = jsonLines(r.stdout)[0];
  assert.equal(v.errno, 'EINVAL');
  assert.match(v.source, /xen\/arch\/arm\/domain\.c arch_sanitise_domain_config\(\)/);
});

// Each release's recordings (test/xen-qemu/xl-create-n.mjs): 4.17 from Debian 12's xl 4.17.7, 4.20
// from trixie's xl 4.20.4; xenkit prints each in that release's libxl layout (--xen).
for (const [rel, dir] of [['4.17', XL_RECORDED], ['4.20', `${XL_RECORDED}-4.20`]] as const)
  test(`xk create --dry-run --libxl-json --xen ${rel} on the project's configs: byte for byte what real xl ${rel} printed (recorded), uuid aside`, () => {
    const recs = readdirSync(dir).filter((f) => f.endsWith('.json'));
    assert.ok(recs.length >= 5, recs.join(', '));
    for (const f of recs) {
      const rec = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      const r = xk(['create', join(ROOT, rec.file), '--dry-run', '--libxl-json', '--xen', rel], { env: { XENKIT_STATE: tempState() } });
      assert.equal(r.status, 0, r.stderr);
      const uuid = JSON.parse(r.stdout).c_info.uuid;
      assert.equal(r.stdout.replace(uuid, rec.libxl_config.c_info.uuid), readFileSync(join(dir, f.replace(/\.json$/, '.stdout')), 'utf8'), `${rel}: ${rec.file}`);
    }
  });

test("xk create --dry-run --libxl-json on Xen's examples: what real xl 4.17 printed", { skip: NO_SHARED }, () => {
  for (const name of ['xlexample.pvlinux', 'xlexample.pvhlinux', 'xlexample.hvm']) {
    const r = xk(['create', join(SHARED, name), '--dry-run', '--libxl-json'], { env: { XENKIT_STATE: tempState() } });
    assert.equal(r.status, 0, r.stderr);
    const want = JSON.parse(readFileSync(join(SHARED, `${name}.xl-create-n.json`), 'utf8')).libxl_config;
    const got = JSON.parse(r.stdout);
    got.c_info.uuid = want.c_info.uuid;
    assert.deepEqual(got, want, name);
  }
});

test("xk check on Xen's examples: accepted by every release", { skip: NO_SHARED }, () => {
  for (const f of ['xlexample.pvlinux', 'xlexample.pvhlinux', 'xlexample.hvm']) {
    const r = xk(['check', join(SHARED, f), '--xen', 'all', '--json']);
    assert.equal(r.status, 0, `${f}: ${r.stdout}`);
    assert.equal(jsonLines(r.stdout).length, 17);
  }
});
