import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { xk } from '../helpers/xk.js';
import { xlFindings, type XlSettingView } from '../../src/xen/xl-changes.js';

const cfg = (o: Record<string, string>) => new Map<string, XlSettingView>(Object.entries(o).map(([k, v]) => [k, { value: v }]));
const keysOf = (fs: { key: string; severity: string }[]) => fs.map((f) => `${f.severity}:${f.key}`);

// Expected answers read in Xen's source at the tags cited in each finding.
test('builder: read silently up to 4.9, deprecated for type from 4.10 (tools/xl/xl_parse.c @RELEASE-4.10.0)', () => {
  assert.deepEqual(keysOf(xlFindings('4.9', cfg({ builder: 'hvm' }))), []);
  const f = xlFindings('4.10', cfg({ builder: 'hvm' }));
  assert.deepEqual(keysOf(f), ['deprecated:builder']);
  assert.deepEqual(f[0]!.instead, { key: 'type', value: 'hvm', quoted: true });
  assert.equal(f[0]!.source, 'tools/xl/xl_parse.c @RELEASE-4.10.0');
  assert.deepEqual(xlFindings('4.17', cfg({ builder: 'generic' }))[0]!.instead?.value, 'pv');
  assert.deepEqual(keysOf(xlFindings('4.17', cfg({ builder: 'linux' }))), ['refused:builder']); // "Invalid domain type"
  assert.deepEqual(keysOf(xlFindings('4.9', cfg({ builder: 'linux' }))), []); // 4.9: any non-hvm builder is PV
});

test('type before 4.10 is ignored: an HVM guest would be built as PV', () => {
  const f = xlFindings('4.9', cfg({ type: 'hvm' }));
  assert.deepEqual(keysOf(f), ['ignored:type']);
  assert.deepEqual(f[0]!.instead, { key: 'builder', value: 'hvm', quoted: true });
  assert.match(f[0]!.source, /tools\/xl\/xl_parse\.c parse_config_data\(\) @RELEASE-4\.9\.0/);
  assert.equal(xlFindings('4.9', cfg({ type: 'pvh' }))[0]!.instead, undefined); // no form on 4.9
});

test('qemu-xen-traditional: fine to 4.15, not built from 4.16, refused by xl from 4.21', () => {
  const dm = cfg({ type: 'hvm', device_model_version: 'qemu-xen-traditional' });
  assert.deepEqual(keysOf(xlFindings('4.15', dm)), []);
  const f16 = xlFindings('4.16', dm);
  assert.deepEqual(keysOf(f16), ['refused:device_model_version']);
  assert.match(f16[0]!.source, /tools\/configure\.ac @RELEASE-4\.16\.0/);
  const f21 = xlFindings('4.21', dm);
  assert.match(f21[0]!.text, /Unknown device_model_version "qemu-xen-traditional" specified/);
  assert.equal(f21[0]!.source, 'tools/xl/xl_parse.c @RELEASE-4.21.0');
});

test('altp2mhvm deprecated from 4.9 for altp2m; keys added later are ignored by older xl', () => {
  assert.deepEqual(keysOf(xlFindings('4.8', cfg({ builder: 'hvm', altp2mhvm: '1' }))), []);
  assert.deepEqual(xlFindings('4.9', cfg({ altp2mhvm: '1' }))[0]!.instead, { key: 'altp2m', value: 'mixed', quoted: true });
  assert.deepEqual(keysOf(xlFindings('4.8', cfg({ altp2m: 'mixed' }))), ['ignored:altp2m']);
  assert.deepEqual(keysOf(xlFindings('4.15', cfg({ vpmu: '1' }))), ['ignored:vpmu']);
  assert.deepEqual(keysOf(xlFindings('4.16', cfg({ vpmu: '1' }))), []);
  assert.deepEqual(keysOf(xlFindings('4.9', cfg({ pvh: '1' }))), ['ignored:pvh']);
});

test('libxl: stubdomains with qemu-xen refused before 4.14; the stubdomain default moves in 4.21', () => {
  const q = cfg({ type: 'hvm', device_model_stubdomain_override: '1', device_model_version: 'qemu-xen' });
  assert.deepEqual(keysOf(xlFindings('4.13', q)), ['refused:device_model_stubdomain_override']);
  assert.deepEqual(keysOf(xlFindings('4.14', q)), []);
  const d = cfg({ type: 'hvm', device_model_stubdomain_override: '1' });
  assert.match(xlFindings('4.20', d)[0]!.text, /qemu-xen-traditional/);
  assert.match(xlFindings('4.21', d)[0]!.text, /defaults a stubdomain's device model to qemu-xen \(/);
});

test('xk check shows the xl level beside the createdomain verdict, in text and JSON', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xk-xlcheck-'));
  const f = join(dir, 'old.cfg');
  writeFileSync(f, 'name = "old"\nbuilder = "hvm"\nmemory = 512\ndevice_model_version = "qemu-xen-traditional"\n');
  const r = xk(['check', f, '--xen', '4.15,4.21']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /4\.15 +accept/);
  assert.match(r.stdout, /xl deprecated: builder: .*\[tools\/xl\/xl_parse\.c @RELEASE-4\.15\.0\]/);
  assert.match(r.stdout, /xl refused: device_model_version: xl 4\.21 refuses it.*\[tools\/xl\/xl_parse\.c @RELEASE-4\.21\.0\]/);
  const j = xk(['check', f, '--xen', '4.15', '--json']);
  const v = JSON.parse(j.stdout.trim());
  assert.equal(v.accept, true); // the createdomain verdict, unchanged
  assert.deepEqual(v.xl.map((x: { key: string }) => x.key), ['builder']);
  assert.equal(j.status, 0);
  assert.equal(xk(['check', 'examples/hvm.cfg', '--xen', '4.17']).status, 0);
});
