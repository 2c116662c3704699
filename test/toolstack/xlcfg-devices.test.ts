import { test } from 'node:test';
import assert from 'node:assert/strict';
import { specFromXlCfg } from '../../src/toolstack/xlcfg/to-spec.js';
import { toLibxlJson } from '../../src/toolstack/libxl/libxl-json.js';
import { parseXlCfg } from '../../src/toolstack/xlcfg/parse.js';
import { XenkitError } from '../../src/errors.js';

// The device sub-formats of tools/xl/xl_parse.c parse_config_data() @RELEASE-4.17.0 (lines cited
// per case); what real xl prints for them is checked by xl-corpus.test.ts against the recordings.
type Obj = Record<string, unknown>;
const PV = 'name = "g"\nkernel = "/k"\n';
const HOST = { nrNodes: 1, onlineCpus: 2 };
function run(text: string): { json: Obj; warnings: string[] } {
  const cfg = parseXlCfg(text, 't.cfg');
  const j = toLibxlJson(specFromXlCfg(cfg).spec, cfg, '4.17', HOST);
  return { json: j.json as Obj, warnings: j.warnings };
}
/** The refusal: file:line:col, the key, xl's own words, and what is accepted. */
function refusal(text: string): string {
  try {
    run(text);
  } catch (e) {
    if (e instanceof XenkitError && e.code === 'XLCFG_INVALID') return e.message;
    throw e;
  }
  assert.fail(`accepted: ${text}`);
}

test("xl's refusals name the key, the line and column, xl's words and what is accepted", () => {
  const cases: [string, RegExp][] = [
    ['vkb = [ "backend-type=vnc" ]', /^t\.cfg:3:9: vkb: "backend-type=vnc" is not accepted: xl: Unknown backend_type "vnc" in vkb spec; expected backend-type=qemu or backend-type=linux$/], // 1122
    ['vkb = [ "feature-abs-pointer=1" ]', /xl: backend-type should be set in vkb spec; expected backend-type=qemu or backend-type=linux/], // 1178
    ['channel = [ "name=a,connection=file" ]', /^t\.cfg:3:13: channel: .*xl: unknown channel connection 'file'; expected connection=pty or connection=socket/], // 2245
    ['channel = [ "name=a,connection=socket" ]', /channel connection 'socket' requires path=\.\./], // 2262
    ['usbctrl = [ "type=xhci" ]', /Invalid usb controller type 'xhci'; expected type="auto", "pv", "devicemodel", "qusb"/], // 775
    ['usbdev = [ "vendor=1" ]', /Unknown string `vendor=1' in usbdev spec/], // 810
    ['vtpm = [ "uuid=x" ]', /Failed to parse vtpm UUID: x/], // 2121
    ['vtpm = [ "model=tis" ]', /Unknown string `model' in vtpm spec/], // 2125
    ['p9 = [ "tag=a,path=/a" ]', /9pfs spec missing required field!/], // 2078
    ['pvcalls = [ "frontend=0" ]', /Unknown string `frontend' in pvcalls spec/], // 2185
    ['vdispl = [ "backend=0" ]', /At least one connector should be specified\./], // 2158
    ['vdispl = [ "connectors=c:640" ]', /Can't parse connector resolution/], // 849: sscanf() read 1 of 2
    ['vsnd = [ [ "CARD, sample-formats=mp3" ] ]', /Invalid pcm format: mp3/], // 896
    ['vsnd = [ "CARD" ]', /Failed to get vsnd card list/], // 1066
    ['vnuma = [ [ "pnode=1", "size=256", "vcpus=0" ] ]', /^t\.cfg:3:13: vnuma: "pnode=1" is not accepted: xl: invalid pnode number: 1; expected a host NUMA node, 0 \.\. 0/], // 665
    ['maxvcpus = 4\nvnuma = [ [ "size=256", "vcpus=0-1" ] ]', /xl: vnuma vcpus and maxvcpus= mismatch/], // 731
    ['vnuma = [ [ "size=256", "vcpus=0-3" ] ]', /more vcpus \(4\) than pcpus \(2\)/], // 743
  ];
  for (const [lines, re] of cases) assert.match(refusal(`${PV}memory = 256\n${lines}\n`.replace('memory = 256\n', '')), re, lines);
});

test('p9: an entry inherits the fields of the entries before it, as xl keeps them outside its loop (2041-2044)', () => {
  const { json } = run(PV + 'p9 = [ "tag=a,security_model=none,path=/a,backend=0", "tag=b" ]\n');
  assert.deepEqual(json.p9s, [
    { backend_domname: '0', tag: 'a', path: '/a', security_model: 'none' },
    { backend_domname: '0', tag: 'b', path: '/a', security_model: 'none' },
  ]);
});

test('vfb: an unknown option is ignored and an option without "=" ends the entry, as xl does, with a warning (2335-2363)', () => {
  const { json, warnings } = run(PV + 'vfb = [ "vnc=1,colour=blue,vncdisplay=4,loud,sdl=1" ]\n');
  assert.deepEqual(json.vfbs, [{ devid: 0, vnc: { enable: 'True', display: 4 }, sdl: {} }]);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!, /unknown option "colour": xl ignores it/);
  assert.match(warnings[1]!, /"loud" has no '=': xl stops reading this vfb entry there/);
});

test('vkb devids follow the vfbs\' (ARRAY_EXTEND_INIT numbers the shared vkbs array); multi-touch sizes turn the feature on (1183)', () => {
  const { json } = run(PV + 'vfb = [ "vnc=1" ]\nvkb = [ "backend-type=linux,multi-touch-width=10,multi-touch-height=20,multi-touch-num-contacts=2" ]\n');
  assert.deepEqual(json.vkbs, [{ devid: 0 }, { devid: 1, backend_type: 'linux', feature_multi_touch: true, multi_touch_width: 10, multi_touch_height: 20, multi_touch_num_contacts: 2 }]);
});

test('cpuid: names into 32-character filters (libxl_cpuid.c @RELEASE-4.17.7), family above 15 split into the extended family', () => {
  const b = (t: string) => (run(`name = "h"\ntype = "hvm"\n${t}\n`).json.b_info as Obj).cpuid;
  // family 23 (cpuid_add()): base family 1111 at bits 11..8, extended family 23 - 15 = 8 at bits 27..20;
  // model 1: low nibble at bits 7..4, high nibble at bits 19..16 (the string's first character is bit 31)
  assert.deepEqual(b('cpuid = "host,family=23,model=1"'), { cpuid: [{ leaf: 1, eax: 'xxxx000010000000xxxx11110001xxxx' }], msr: [] });
  // arch-caps is 9*32+29 (cpufeatureset.h @RELEASE-4.17.7); word 9 is leaf 7 subleaf 0 edx (feature_to_policy[])
  assert.deepEqual(b('cpuid = "host,arch-caps=0"'), { cpuid: [{ leaf: 7, subleaf: 0, edx: `xx0${'x'.repeat(29)}` }], msr: [] });
  // rdcl-no is 16*32+0: word 16 is MSR 0x10a's low half, bit 0 the last of 64 characters
  assert.deepEqual(b('cpuid = "host,rdcl-no=s"'), { cpuid: [], msr: [{ index: 0x10a, policy: `${'x'.repeat(63)}k` }] }, "'s' is stored as 'k'");
  assert.equal(b('cpuid = "sse3=0"'), undefined, 'the first word must be "host" (xl ignores the key)');
  const bad = run('name = "h"\ntype = "hvm"\ncpuid = "host,warpdrive=1,sse3=0"\n');
  assert.match(bad.warnings.join('\n'), /while parsing CPUID flag: "warpdrive=1": error #2: unknown CPUID flag name/);
  assert.deepEqual((bad.json.b_info as Obj).cpuid, { cpuid: [{ leaf: 1, ecx: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0' }], msr: [] }, 'xl goes on after a bad name');
});
