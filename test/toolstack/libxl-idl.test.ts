import { test } from 'node:test';
import assert from 'node:assert/strict';
import { libxlIdl } from '../../src/xen/libxl-idl.js';
import { RELEASE_IDS } from '../../src/xen/releases.js';
import { genJson } from '../../src/toolstack/libxl/gen-json.js';

const idl = libxlIdl('4.17');
const field = (s: string, f: string) => idl.structs[s]!.find((x) => x.name === f)!;

test('every release 4.6 .. 4.22 has its generated IDL, citing the file and tag', () => {
  for (const r of RELEASE_IDS) {
    const t = libxlIdl(r);
    assert.equal(t.release, r);
    const dir = Number(r.split('.')[1]) >= 15 ? 'tools/libs/light' : 'tools/libxl';
    assert.equal(t.source, `${dir}/libxl_types.idl @RELEASE-${r}.0`);
    assert.ok(t.structs.libxl_domain_config && t.structs.libxl_domain_build_info);
  }
});

test('facts as libxl_types.idl @RELEASE-4.17.0 declares them', () => {
  // libxl_domain_type: (-1, "INVALID"), (1, "HVM"), (2, "PV"), (3, "PVH"); init_val LIBXL_DOMAIN_TYPE_INVALID
  assert.deepEqual(idl.enums.libxl_domain_type, { values: [[-1, 'invalid'], [1, 'hvm'], [2, 'pv'], [3, 'pvh']], init: -1 });
  // MemKB = UInt(64, init_val = "LIBXL_MEMKB_DEFAULT"); libxl.h: #define LIBXL_MEMKB_DEFAULT ~0ULL
  assert.equal(idl.builtins.MemKB!.init, '18446744073709551615');
  // libxl_domain_config members in order: c_info, b_info, disks, nics, pcidevs, rdms, dtdevs, vfbs, vkbs, ...
  assert.deepEqual(idl.structs.libxl_domain_config!.slice(0, 6).map((f) => f.name), ['c_info', 'b_info', 'disks', 'nics', 'pcidevs', 'rdms']);
  // ("max_grant_frames", uint32, {'init_val': 'LIBXL_MAX_GRANT_DEFAULT'}) with (~(uint32_t)0)
  assert.equal(field('libxl_domain_build_info', 'max_grant_frames').init, -1);
  // libxl_hdtype = Enumeration(..., init_val = "LIBXL_HDTYPE_IDE"): (1, "IDE"); hdtype is in the hvm case of b_info's KeyedUnion "u"
  const u = field('libxl_domain_build_info', 'u').type as { keyvar: string; cases: [string, { fields: { name: string; init?: number }[] }][] };
  assert.equal(u.keyvar, 'type');
  assert.deepEqual(u.cases.map((c) => c[0]), ['hvm', 'pv', 'pvh', 'invalid']);
  assert.equal(idl.enums.libxl_hdtype!.init, 1);
  assert.deepEqual(u.cases[0]![1].fields.find((f) => f.name === 'hdtype'), { name: 'hdtype', type: 'enum:libxl_hdtype' });
  // 4.6: tools/libxl/, before pvh was a type (libxl_domain_type has no PVH before 4.10)
  assert.deepEqual(libxlIdl('4.6').enums.libxl_domain_type!.values.map((v) => v[1]), ['invalid', 'hvm', 'pv']);
});

test("gentypes.py's JSON rules: defaults left out, aggregates always, defbools, enums, keyed unions, arrays", () => {
  const j = genJson(idl, 'libxl_domain_config', {
    c_info: { type: 'hvm', name: 'x', hap: false },
    b_info: { type: 'hvm', max_memkb: 1024, target_memkb: 18446744073709551615n, u: { hdtype: 'ide', vga: { kind: 'std' } } },
    disks: [],
    nics: [{ devid: 0, mtu: 0 }],
    on_reboot: 'restart',
    on_poweroff: 'destroy',
  }) as Record<string, Record<string, unknown>>;
  assert.deepEqual(j.c_info, { type: 'hvm', hap: 'False', name: 'x' });
  assert.equal(j.b_info!.max_memkb, 1024);
  assert.ok(!('target_memkb' in j.b_info!), 'MemKB equal to LIBXL_MEMKB_DEFAULT is left out');
  assert.deepEqual(j.b_info!['type.hvm'], { vga: { kind: 'std' }, vnc: {}, sdl: {}, spice: {}, rdm: {} });
  assert.ok(!('disks' in j), 'an empty Array is left out');
  assert.deepEqual(j.nics, [{ devid: 0 }], 'devid 0 differs from its init_val -1; mtu 0 (no init_val) is left out');
  assert.deepEqual(Object.keys(j), ['c_info', 'b_info', 'nics', 'on_reboot']);
  assert.throws(() => genJson(idl, 'libxl_domain_config', { c_info: { nosuch: 1 } }), /no member nosuch/);
});

test('lazy: a release\'s IDL is read the first time it is asked for, and only that release\'s', async () => {
  const { spawnSync } = await import('node:child_process');
  // fs.readFileSync is counted before libxl-idl.ts is imported (syncBuiltinESMExports makes its import see the wrapper)
  const script = `
    import fs from 'node:fs'; import { syncBuiltinESMExports } from 'node:module';
    const read = []; const orig = fs.readFileSync;
    fs.readFileSync = (p, ...a) => { if (String(p).includes('libxl-types')) read.push(String(p).replace(/.*libxl-types\\//, '')); return orig(p, ...a); };
    syncBuiltinESMExports();
    const { libxlIdl } = await import(${JSON.stringify(new URL('../../src/xen/libxl-idl.ts', import.meta.url).href)});
    const before = read.length; libxlIdl('4.20'); libxlIdl('4.20');
    console.log(JSON.stringify({ before, read }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { before: 0, read: ['4.20.json'] });
});
