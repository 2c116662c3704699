import { test } from 'node:test';
import assert from 'node:assert/strict';
import { specFromXlCfg } from '../../src/toolstack/xlcfg/to-spec.js';
import { toLibxlJson } from '../../src/toolstack/libxl/libxl-json.js';
import { parseXlCfg } from '../../src/toolstack/xlcfg/parse.js';
import { XenkitError } from '../../src/errors.js';

// Expected values from tools/xl/xl_parse.c parse_config_data() @RELEASE-4.17.0 (line numbers cited
// per case) and the member names/orders of tools/libs/light/libxl_types.idl @RELEASE-4.17.0.
type Obj = Record<string, unknown>;
function run(text: string): { json: Obj; warnings: string[] } {
  const cfg = parseXlCfg(text, 't.cfg');
  const s = specFromXlCfg(cfg);
  const j = toLibxlJson(s.spec, cfg);
  return { json: j.json as Obj, warnings: [...s.warnings, ...j.warnings] };
}
const HVM = 'name = "h"\ntype = "hvm"\n';
const PV = 'name = "g"\nkernel = "/k"\n';
const b = (j: Obj) => j.b_info as Obj;
const hvm = (j: Obj) => b(j)['type.hvm'] as Obj;
const refused = (text: string, re: RegExp) => assert.throws(() => run(text), (e: unknown) => e instanceof XenkitError && re.test(e.message));

test('HVM display keys: vga/stdvga (2605-2619), vnc* (264-268), sdl opts (275-277), keymap, spice* (2630-2652)', () => {
  const { json, warnings } = run(HVM + 'vga = "stdvga"\nvnclisten = "0.0.0.0"\nvncdisplay = 1\nvncpasswd = "p"\nvncunused = 0\nkeymap = "de"\nspice = 1\nspiceport = 6000\nspicehost = "0.0.0.0"\nspicedisable_ticketing = 1\nspicevdagent = 1\nnographic = 1\n');
  assert.deepEqual(warnings, []);
  const u = hvm(json);
  assert.deepEqual(u.vga, { kind: 'std' });
  assert.deepEqual(u.vnc, { listen: '0.0.0.0', passwd: 'p', display: 1, findunused: 'False' });
  assert.deepEqual(u.spice, { enable: 'True', port: 6000, host: '0.0.0.0', disable_ticketing: 'True', vdagent: 'True' });
  assert.equal(u.keymap, 'de');
  assert.equal(u.nographic, 'True');
  assert.deepEqual(hvm(run(HVM + 'stdvga = 0\n').json).vga, { kind: 'cirrus' }, 'stdvga = 0: CIRRUS (2616)');
  assert.deepEqual(hvm(run(HVM + 'vga = "none"\nstdvga = 1\n').json).vga, { kind: 'none' }, 'vga wins over stdvga');
  refused(HVM + 'vga = "vmware"\n', /Unknown vga "vmware"/);
});

test('HVM devices: boot, serial (string or list), usb*, soundhw, xen_platform_pci, viridian groups (1714-1764)', () => {
  const { json } = run(HVM + 'boot = "dc"\nserial = "pty"\nusb = 1\nusbversion = 2\nusbdevice = [ "tablet" ]\nsoundhw = "hda"\nxen_platform_pci = 0\nviridian = [ "defaults", "time_ref_count", "!hcall_remote_tlb_flush" ]\n');
  const u = hvm(json);
  assert.equal(u.boot, 'dc');
  assert.equal(u.serial, 'pty');
  assert.equal(u.usb, 'True');
  assert.equal(u.usbversion, 2);
  assert.deepEqual(u.usbdevice_list, ['tablet']);
  assert.equal(u.soundhw, 'hda');
  assert.equal(u.xen_platform_pci, 'False');
  assert.equal(u.viridian, 'True');
  // libxl_viridian_enlightenment (libxl_types.idl:245, 247): (2, "time_ref_count"), (4, "hcall_remote_tlb_flush")
  assert.deepEqual([u.viridian_enable, u.viridian_disable], [[2], [4]]);
  assert.deepEqual(hvm(run(HVM + 'serial = [ "pty", "file:/tmp/s" ]\nviridian = 1\n').json).serial_list, ['pty', 'file:/tmp/s']);
  assert.equal(hvm(run(HVM + 'viridian = 1\n').json).viridian, 'True');
  assert.equal((hvm(run(HVM + 'viridian = [ "all" ]\n').json).viridian_enable as number[]).length, 64, 'set_any over 64 bits');
  refused(HVM + 'viridian = [ "nosuch" ]\n', /unknown viridian enlightenment 'nosuch'/);
});

test('b_info members: sched params (1354-1365), shadow_memory, videoram, rtc_timeoffset, localtime, tsc_mode, altp2m, max_grant_frames', () => {
  const { json, warnings } = run(HVM + 'cpu_weight = 512\ncap = 50\nshadow_memory = 8\nvideoram = 16\nrtc_timeoffset = 3600\nlocaltime = 1\ntsc_mode = "native"\naltp2m = "external"\nmax_grant_frames = 64\nnomigrate = 1\nacpi_s3 = 0\nacpi_s4 = 0\n');
  assert.deepEqual(warnings, []);
  const bi = b(json);
  assert.deepEqual(bi.sched_params, { weight: 512, cap: 50 });
  assert.equal(bi.shadow_memkb, 8192);
  assert.equal(bi.video_memkb, 16384);
  assert.equal(bi.rtc_timeoffset, 3600);
  assert.equal(bi.localtime, 'True');
  assert.equal(bi.tsc_mode, 'native');
  assert.equal(bi.altp2m, 'external');
  assert.equal(bi.max_grant_frames, 64);
  assert.equal(bi.disable_migrate, 'True');
  assert.deepEqual([hvm(json).acpi_s3, hvm(json).acpi_s4], ['False', 'False']);
  // the IDL's member order (libxl_types.idl:516-555): tsc_mode, video_memkb, shadow_memkb, rtc_timeoffset, max_grant_frames, sched_params
  const keys = Object.keys(bi);
  const order = ['tsc_mode', 'video_memkb', 'shadow_memkb', 'rtc_timeoffset', 'max_grant_frames', 'sched_params'];
  assert.deepEqual(keys.filter((k) => order.includes(k)), order);
  const old = run(HVM + 'tsc_mode = 2\n');
  assert.equal(b(old.json).tsc_mode, 'native', 'integer 2 is LIBXL_TSC_MODE_NATIVE (1573-1585)');
  assert.match(old.warnings[0]!, /tsc_mode as an integer is deprecated/);
  refused(HVM + 'tsc_mode = 7\n', /invalid value 7 for "tsc_mode"/);
  refused(HVM + 'altp2m = "sometimes"\n', /invalid value "sometimes" for "altp2m"/);
  refused(HVM + 'max_grant_frames = "-1"\n', /max_grant_frames must be 0 \.\. 2147483647/);
});

test('device_model_* (2519-2566), seclabel (1257-1266), PV firmware = "pvgrub64" (1860-1880), HVM firmware (1840-1852)', () => {
  const { json } = run(HVM + 'device_model_version = "qemu-xen"\ndevice_model_override = "/usr/bin/qemu"\ndevice_model_args_hvm = [ "-d", "x" ]\nseclabel = "system_u:system_r:domU_t"\nfirmware = "uefi"\n');
  assert.equal(b(json).device_model_version, 'qemu_xen');
  assert.equal(b(json).device_model, '/usr/bin/qemu');
  assert.deepEqual(b(json).extra_hvm, ['-d', 'x']);
  assert.equal((json.c_info as Obj).ssid_label, 'system_u:system_r:domU_t');
  assert.equal(hvm(json).bios, 'ovmf');
  refused(HVM + 'device_model_version = "qemu-dm"\n', /Unknown device_model_version "qemu-dm"/);
  const pv = run('name = "g"\nfirmware = "pvgrub64"\n').json;
  assert.equal(b(pv).kernel, '/usr/lib/xen/boot/pvgrub64.bin');
  refused(PV + 'firmware = "pvgrub64"\n', /both kernel and firmware specified/);
  refused('name = "g"\nfirmware = "ovmf"\n', /only pvgrub\{32\|64\} supported/);
});

test('keys read for another guest type are not mapped: PV boot and vga are ignored as xl does', () => {
  const { json } = run(PV + 'boot = "c"\nvga = "stdvga"\n');
  assert.deepEqual(b(json)['type.pv'], {});
});

test('pci BDF specs with options (libxlu_pci.c xlu_pci_parse_spec_string @RELEASE-4.17.0; xl_parse.c:1482-1521), rdm, dtdev', () => {
  const { json, warnings } = run(HVM + 'pci_permissive = 1\nrdm = "strategy=host"\npci = [ "0000:03:00.1@5,msitranslate=1", "04:1f.*,rdm_policy=relaxed", "name=gpu0" ]\n');
  assert.match(warnings.join('\n'), /rdm: without policy=, xl 4.17 copies an uninitialised policy/);
  assert.deepEqual(json.pcidevs, [
    { func: 1, bus: 3, vdevfn: 40, vfunc_mask: 1, msitranslate: true, permissive: true }, // vslot 5 << 3
    { dev: 31, bus: 4, vfunc_mask: 4294967295, permissive: true, rdm_policy: 'relaxed' }, // "*": LIBXL_PCI_FUNC_ALL
    { permissive: true, name: 'gpu0' },
  ]);
  assert.deepEqual(hvm(json).rdm, { strategy: 'host' });
  // xlu_rdm_parse() @RELEASE-4.17.0 takes parse_rdm_policy()'s 0 (success) for failure: a valid policy= drops rdm (real xl: keys/rdm.cfg)
  const relaxed = run(HVM + 'rdm = "strategy=host,policy=relaxed"\npci = [ "03:00.0" ]\n');
  assert.deepEqual([hvm(relaxed.json).rdm, relaxed.json.pcidevs], [{}, [{ bus: 3, vfunc_mask: 1 }]]);
  assert.match(relaxed.warnings.join('\n'), /xl 4\.17 ignores rdm when its policy= is valid/);
  assert.deepEqual(run(PV + 'pci = [ "03:00.0" ]\n').json.pcidevs, [{ bus: 3, vfunc_mask: 1, rdm_policy: 'strict' }], 'PV: u.hvm.rdm.policy read through the union is 0 (real xl: keys/pci--pv.cfg)');
  refused(HVM + 'pci = [ "03:00.0,frobnicate=1" ]\n', /Unknown PCI_SPEC_STRING option: frobnicate/);
  refused(HVM + 'pci = [ "03:20.0" ]\n', /"03:20.0" is not KEY=VALUE/);
  const pv = run(PV + 'pci = [ "03:00.0" ]\ndtdev = [ "/soc/dma" ]\n').json;
  assert.equal((b(pv)['type.pv'] as Obj).e820_host, 'True', 'a PV guest with PCI devices gets e820_host (xl_parse.c:1520)');
  assert.deepEqual(pv.dtdevs, [{ path: '/soc/dma' }]);
});

test('ioports, irqs, iomem (xl_parse.c:1906-2020)', () => {
  const { json } = run(PV + 'ioports = [ "2f8-2ff", "3f8" ]\nirqs = [ "3", "4" ]\niomem = [ "fe000,1", "fe100,2@a0" ]\n');
  assert.deepEqual(b(json).ioports, [{ first: 0x2f8, number: 8 }, { first: 0x3f8, number: 1 }]);
  assert.deepEqual(b(json).irqs, [3, 4]);
  assert.deepEqual(b(json).iomem, [{ start: 0xfe000, number: 1 }, { start: 0xfe100, number: 2, gfn: 0xa0 }], 'gfn left out at LIBXL_INVALID_GFN');
  refused(PV + 'irqs = [ "x" ]\n', /Invalid argument parsing irq: x/);
  refused(PV + 'iomem = [ "fe000" ]\n', /Invalid argument parsing iomem: fe000/);
});
