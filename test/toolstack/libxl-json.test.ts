import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { specFromXlCfg } from '../../src/toolstack/xlcfg/to-spec.js';
import { toLibxlJson } from '../../src/toolstack/libxl/libxl-json.js';
import { yajlBeautify } from '../../src/toolstack/libxl/yajl.js';
import { parseXlCfg } from '../../src/toolstack/xlcfg/parse.js';
import { EXAMPLES, FIXTURES, NO_SHARED, readExample, specOf, XL_RECORDED } from './util.js';

type Obj = Record<string, unknown>;
const EXAMPLE_NAMES = ['xlexample.hvm', 'xlexample.pvlinux', 'xlexample.pvhlinux'];

/** The JSON xenkit prints for config text. */
function jsonOf(text: string): { json: Obj; warnings: string[] } {
  const cfg = parseXlCfg(text, 't.cfg');
  return toLibxlJson(specFromXlCfg(cfg).spec, cfg) as { json: Obj; warnings: string[] };
}
const cInfo = (j: Obj) => j.c_info as Obj;
const bInfo = (j: Obj) => j.b_info as Obj;
const PV = 'name = "g"\nkernel = "/k"\n';
const HVM = 'name = "h"\ntype = "hvm"\n';

const ROOT = path.resolve(import.meta.dirname, '../..');
const XL_RECORDS = readdirSync(XL_RECORDED).filter((f) => f.endsWith('.json'));

test("every config the project ships has real xl's answer recorded (test/xen-qemu, npm run test:xen)", () => {
  const ours = [
    ...readdirSync(path.join(ROOT, 'examples')).map((f) => `examples/${f}`),
    ...readdirSync(path.join(ROOT, 'test/xen-qemu/guests')).filter((f) => f.endsWith('.cfg')).map((f) => `test/xen-qemu/guests/${f}`),
  ];
  const recorded = XL_RECORDS.map((f) => JSON.parse(readFileSync(path.join(XL_RECORDED, f), 'utf8')).file);
  assert.deepEqual(recorded.sort(), ours.sort());
});

for (const f of XL_RECORDS) {
  const rec = JSON.parse(readFileSync(path.join(XL_RECORDED, f), 'utf8'));
  test(`${rec.file}: byte for byte the libxl_config real \`xl create -n\` printed (Xen ${rec.xen_version}, recorded), uuid aside`, () => {
    assert.equal(rec.xl_rc, 0, rec.stderr.join('\n'));
    assert.match(rec.xen_version, /^4\.17\./);
    const text = readFileSync(path.join(ROOT, rec.file), 'utf8');
    const cfg = parseXlCfg(text, path.basename(rec.file));
    const { spec, warnings } = specFromXlCfg(cfg);
    assert.deepEqual(warnings, []);
    const got = toLibxlJson(spec, cfg);
    assert.deepEqual(got.warnings, []);
    const withUuid = { ...got.json, c_info: { ...cInfo(got.json), uuid: cInfo(rec.libxl_config).uuid } };
    assert.deepStrictEqual(withUuid, rec.libxl_config);
    assert.equal(yajlBeautify(withUuid), readFileSync(path.join(XL_RECORDED, f.replace(/\.json$/, '.stdout')), 'utf8'));
  });
}

for (const name of EXAMPLE_NAMES)
  test(`${name}: the libxl_config real \`xl create -n\` printed (Xen 4.17.7), uuid aside`, { skip: NO_SHARED }, () => {
    const cfg = parseXlCfg(readExample(name), name);
    const { spec, warnings } = specFromXlCfg(cfg);
    assert.deepEqual(warnings, []);
    const want = JSON.parse(readFileSync(path.join(EXAMPLES, `${name}.xl-create-n.json`), 'utf8')).libxl_config as Obj;
    const got = toLibxlJson(spec, cfg);
    assert.deepEqual(got.warnings, []);
    assert.match(cInfo(got.json).uuid as string, /^[0-9a-f-]{36}$/);
    const withUuid = { ...got.json, c_info: { ...cInfo(got.json), uuid: cInfo(want).uuid } };
    assert.deepStrictEqual(withUuid, want);
    assert.equal(JSON.stringify(withUuid), JSON.stringify(want), 'same key order as xl printed');
  });

test('byte for byte: yajl\'s beautified output as xl prints it', { skip: NO_SHARED }, () => {
  for (const name of EXAMPLE_NAMES) {
    const out = readFileSync(path.join(FIXTURES, `${name}.stdout`), 'utf8');
    const uuid = /"uuid": "([^"]+)"/.exec(out)![1]!;
    const { json } = jsonOf(readExample(name) + `\nuuid = "${uuid}"\n`);
    assert.equal(yajlBeautify(json), out, name);
  }
});

test("yajl's escapes and empty containers, as yajl_gen_beautify writes them", () => {
  assert.equal(yajlBeautify({ a: 'q"\\/\n\x01é', b: [], c: {} }), '{\n    "a": "q\\"\\\\/\\n\\u0001é",\n    "b": [\n\n    ],\n    "c": {\n\n    }\n}\n');
});

test('libxl\'s own defaults are left out; xl\'s are in', () => {
  const { json } = jsonOf(PV);
  assert.deepEqual(Object.keys(json), ['c_info', 'b_info', 'on_reboot', 'on_soft_reset']);
  assert.deepEqual(Object.keys(cInfo(json)), ['type', 'name', 'uuid', 'run_hotplug_scripts']);
  assert.deepEqual(bInfo(json), { sched_params: {}, claim_mode: 'True', kernel: '/k', 'type.pv': {}, arch_arm: {}, arch_x86: {} });
  const m = jsonOf(PV + 'maxmem = 512\nmaxvcpus = 4\n').json;
  assert.deepEqual([bInfo(m).max_memkb, bInfo(m).target_memkb, bInfo(m).max_vcpus, bInfo(m).avail_vcpus], [524288, undefined, 4, undefined]);
});

test('defbools as "True"/"False" where xl sets them, in libxl_types.idl order', () => {
  const { json } = jsonOf(HVM + 'hap = 1\noos = 0\nnestedhvm = 1\nvpmu = 0\nacpi = 1\napic = 0\npae = 1\nvnc = 0\nsdl = 1\n');
  assert.deepEqual(cInfo(json), { type: 'hvm', hap: 'True', oos: 'False', name: 'h', uuid: cInfo(json).uuid, run_hotplug_scripts: 'True' });
  assert.equal(
    JSON.stringify(bInfo(json)),
    JSON.stringify({
      sched_params: {},
      claim_mode: 'True',
      acpi: 'True',
      nested_hvm: 'True',
      apic: 'False',
      'type.hvm': { pae: 'True', vga: {}, vnc: { enable: 'False' }, sdl: { enable: 'True' }, spice: {}, rdm: {} },
      arch_arm: {},
      arch_x86: {},
      vpmu: 'False',
    }),
  );
  assert.equal(cInfo(jsonOf(PV + 'hap = 0\n').json).hap, 'False', 'xl prints hap for a PV guest too');
});

test('the rest of c_info and b_info: pool, passthrough, ramdisk, bootloader, cmdline', () => {
  const { json } = jsonOf('name = "g"\nbootloader = "pygrub"\nramdisk = "/i"\nroot = "/dev/xvda1"\npool = "p"\npassthrough = "sync_pt"\n');
  assert.deepEqual([cInfo(json).pool_name, cInfo(json).passthrough], ['p', 'sync_pt']);
  assert.equal(
    JSON.stringify(bInfo(json)),
    JSON.stringify({ sched_params: {}, claim_mode: 'True', cmdline: 'root=/dev/xvda1', ramdisk: '/i', bootloader: 'pygrub', 'type.pv': {}, arch_arm: {}, arch_x86: {} }),
  );
});

test('shutdown actions by libxl\'s enum names; destroy left out', () => {
  const { json } = jsonOf(PV + 'on_poweroff = "preserve"\non_reboot = "rename-restart"\non_watchdog = "coredump-destroy"\non_crash = "coredump-restart"\non_soft_reset = "destroy"\n');
  assert.deepEqual(Object.entries(json).slice(2), [
    ['on_poweroff', 'preserve'],
    ['on_reboot', 'restart_rename'],
    ['on_watchdog', 'coredump_destroy'],
    ['on_crash', 'coredump_restart'],
  ]);
});

test('disks and nics as libxl_device_disk / libxl_device_nic', () => {
  const { json } = jsonOf(
    PV +
      'disk = [ "phy:/dev/x,xvda,w", ",,hdc:cdrom,r", "vdev=xvdb,discard,direct-io-safe,backendtype=phy,untrusted,target=/y" ]\n' +
      'vif = [ "mac=00:16:3E:01:02:03,bridge=xenbr0,type=ioemu,model=e1000", "vifname=v1,rate=10Mb/s@20ms,trusted,backend=nd,colo_checkpoint_port=9,forwarddev=e1" ]\n',
  );
  assert.equal(
    JSON.stringify(json.disks),
    JSON.stringify([
      { pdev_path: '/dev/x', vdev: 'xvda', format: 'raw', readwrite: 1 },
      { pdev_path: '', vdev: 'hdc', format: 'empty', removable: 1, is_cdrom: 1 },
      { pdev_path: '/y', vdev: 'xvdb', backend: 'phy', format: 'raw', readwrite: 1, direct_io_safe: true, discard_enable: 'True', trusted: 'False' },
    ]),
  );
  assert.equal(
    JSON.stringify(json.nics),
    JSON.stringify([
      { devid: 0, model: 'e1000', mac: '00:16:3e:01:02:03', bridge: 'xenbr0', nictype: 'vif_ioemu' },
      { backend_domname: 'nd', devid: 1, ifname: 'v1', rate_bytes_per_interval: 25000, rate_interval_usecs: 20000, coloft_forwarddev: 'e1', colo_checkpoint_port: '9', trusted: 'True' },
    ]),
  );
});

test('cpus / cpus_soft: one bitmap per vCPU; a list turns numa placement off', () => {
  let b = bInfo(jsonOf(PV + 'vcpus = 2\ncpus = "0-3,^1"\n').json);
  assert.deepEqual([b.vcpu_hard_affinity, b.numa_placement], [[[0, 2, 3], [0, 2, 3]], undefined]);
  b = bInfo(jsonOf(PV + 'vcpus = 3\ncpus = ["1", "2"]\ncpus_soft = "4"\n').json);
  assert.deepEqual([b.vcpu_hard_affinity, b.vcpu_soft_affinity, b.numa_placement], [[[1], [2]], [[4], [4], [4]], 'False']);
  b = bInfo(jsonOf(PV + 'vcpus = 1\ncpus = ["1", "2"]\n').json);
  assert.deepEqual(b.vcpu_hard_affinity, [[1]], 'entries beyond max_vcpus are ignored');
  assert.equal(bInfo(jsonOf(PV + 'cpus = "1"\n').json).vcpu_hard_affinity, undefined, "xl's max_vcpus is 0 without vcpus/maxvcpus");
  const all = jsonOf(PV + 'vcpus = 2\ncpus = "all"\n');
  assert.equal(bInfo(all.json).vcpu_hard_affinity, undefined);
  assert.match(all.warnings[0]!, /cpus: "all" and "nodes:" depend on the host/);
});

test('every key xl 4.17 reads for a type reaches the JSON: no "not modelled" warning for the device lists', () => {
  const { json, warnings } = jsonOf(HVM + 'viridian = 1\nchannel = [ "name=a,connection=pty" ]\nvfb = [ "vnc=1" ]\nvtpm = [ "backend=0" ]\n');
  assert.deepEqual(warnings, []);
  assert.deepEqual([json.channels, json.vfbs, json.vkbs, json.vtpms], [
    [{ devid: 0, name: 'a', 'connection.pty': {} }],
    [{ devid: 0, vnc: { enable: 'True' }, sdl: {} }],
    [{ devid: 0 }],
    [{ backend_domname: '0', devid: 0 }],
  ]);
  const pv = jsonOf(PV + 'vnc = 1\nvnclisten = "0.0.0.0"\nkeymap = "de"\n');
  assert.deepEqual([pv.warnings, pv.json.vfbs], [[], [{ devid: 0, vnc: { enable: 'True', listen: '0.0.0.0' }, sdl: {}, keymap: 'de' }]], 'PV vnc is a vfb device (xl_parse.c:2575-2596)');
  assert.deepEqual(jsonOf(PV + 'frobnicate = 1\npae = 1\n').warnings, [], 'unknown and ignored keys are specFromXlCfg\'s warnings');
});
