import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EtcdCluster, skipReason } from './etcd.js';
import { spawnSync } from 'node:child_process';
import { MAIN, PoolProcs, PW, rpc } from './harness.js';

const skip = skipReason();
const PV = readFileSync(new URL('../../examples/pv.cfg', import.meta.url), 'utf8');
/**
 * An HVM guest: host0 is Debian's Xen 4.17 build (no shadow paging, CONFIG_SHADOW_PAGING=n) on a CPU
 * without HAP, which refuses it (SHADOW_MISSING, xen/arch/x86/domain.c; test/xc/check.test.ts); host1
 * runs 4.20 with shadow paging, which accepts it.
 */
const HVM = 'name = "hvm-guest"\ntype = "hvm"\nmemory = 512\n';
let etcd: EtcdCluster;
let pool: PoolProcs;
let sid: string;
let url: string;
const hostOf: Record<string, string> = {};

before(async () => {
  if (skip) return;
  etcd = await EtcdCluster.start(1);
  pool = await PoolProcs.start(etcd, ['4.17 --no-hap --no-shadow', '4.20 --no-hap']);
  const c = await pool.waitCoordinator(10000);
  sid = (c as unknown as { sid: string }).sid;
  url = c.url;
  const hosts = (await rpc(url, 'host.get_all_records', [sid])) as Record<string, { name_label: string }>;
  for (const [ref, h] of Object.entries(hosts)) hostOf[h.name_label] = ref;
});
after(() => {
  pool?.stop();
  etcd?.stop();
});

test('placement knows releases: in a 4.17/4.20 pool a VM 4.17 refuses starts on 4.20; start_on 4.17 refuses in Xen\'s words; xenkit.pool.check lists who can run what', { skip, timeout: 30000 }, async () => {
  const vm = await rpc(url, 'xenkit.VM.create_from_xlcfg', [sid, HVM]);
  const plain = await rpc(url, 'xenkit.VM.create_from_xlcfg', [sid, PV]);
  const check = await rpc(url, 'xenkit.pool.check', [sid]);
  assert.equal(check[vm][hostOf.host1!], 'ok');
  assert.match(check[vm][hostOf.host0!], /^XENKIT_XEN_REFUSED: SHADOW_MISSING .*4\.17/);
  assert.deepEqual(Object.values(check[plain]), ['ok', 'ok']);
  assert.deepEqual(await rpc(url, 'VM.get_possible_hosts', [sid, vm]), [hostOf.host1]);
  await assert.rejects(rpc(url, 'VM.start_on', [sid, vm, hostOf.host0, false, false]), (e: any) => e.code === 'XENKIT_XEN_REFUSED' && e.params[0] === 'SHADOW_MISSING' && /host host0 runs Xen 4\.17, which would refuse VM hvm-guest/.test(e.params[2]));
  for (let i = 0; i < 5; i++) {
    await rpc(url, 'VM.start', [sid, vm, false, false]);
    assert.equal(await rpc(url, 'VM.get_resident_on', [sid, vm]), hostOf.host1, `round ${i}: started on the 4.20 member`);
    await rpc(url, 'VM.hard_shutdown', [sid, vm]);
  }
  await rpc(url, 'VM.start_on', [sid, plain, hostOf.host0, false, false]);
  assert.equal(await rpc(url, 'VM.get_resident_on', [sid, plain]), hostOf.host0);
});

test('a member asked directly (xenkit.pool.boot_here) is held to placement: its release\'s verdict, and host.disable', { skip, timeout: 30000 }, async () => {
  const host0 = pool.members[0]!;
  const hvm = await rpc(url, 'xenkit.VM.create_from_xlcfg', [sid, HVM.replace('hvm-guest', 'hvm-direct')]);
  await assert.rejects(rpc(host0.url, 'xenkit.pool.boot_here', [sid, hvm, false]), (e: any) => e.code === 'XENKIT_XEN_REFUSED' && e.params[0] === 'SHADOW_MISSING' && /host host0 runs Xen 4\.17/.test(e.params[2]));
  const pv = await rpc(url, 'xenkit.VM.create_from_xlcfg', [sid, PV.replace('web-pv', 'pv-direct')]);
  await rpc(url, 'host.disable', [sid, hostOf.host0]);
  try {
    // host0 sees the change through its watch: bounded wait until its own read says so
    for (let i = 0; i < 50 && (await rpc(host0.url, 'host.get_enabled', [sid, hostOf.host0])); i++) await new Promise((r) => setTimeout(r, 100));
    await assert.rejects(rpc(host0.url, 'xenkit.pool.boot_here', [sid, pv, false]), (e: any) => e.code === 'HOST_DISABLED' && e.params[0] === hostOf.host0);
    assert.equal(await rpc(url, 'VM.get_power_state', [sid, pv]), 'Halted');
  } finally {
    await rpc(url, 'host.enable', [sid, hostOf.host0]);
  }
  for (let i = 0; i < 50 && !(await rpc(host0.url, 'host.get_enabled', [sid, hostOf.host0])); i++) await new Promise((r) => setTimeout(r, 100));
  await rpc(host0.url, 'xenkit.pool.boot_here', [sid, pv, false]);
  assert.equal(await rpc(url, 'VM.get_resident_on', [sid, pv]), hostOf.host0);
  await rpc(url, 'VM.hard_shutdown', [sid, pv]);
});

test('xk pool check, pointed at a supporter, follows HOST_IS_SLAVE and lists per VM which members can run it', { skip, timeout: 30000 }, async () => {
  const supporter = pool.members.find((m) => m.url !== url)!;
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'pool', 'check', '--url', supporter.url, '--json'], { encoding: 'utf8', env: { ...process.env, XENKIT_PASSWORD: PW } });
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as Record<string, Record<string, string>>;
  assert.equal(j['hvm-guest']!.host1, 'ok');
  assert.match(j['hvm-guest']!.host0!, /^XENKIT_XEN_REFUSED: SHADOW_MISSING/);
  assert.equal(j['web-pv']!.host0, 'ok');
  const bad = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'pool', 'check', '--url', supporter.url], { encoding: 'utf8', env: { ...process.env, XENKIT_PASSWORD: '' } });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /XENKIT_PASSWORD is not set/);
});

test('rolling upgrade: host.disable, host.evacuate (destroy there, build elsewhere, same record), restart on Xen 4.20, host.enable', { skip, timeout: 60000 }, async () => {
  const plain = ((await rpc(url, 'VM.get_by_name_label', [sid, 'web-pv'])) as string[])[0]!;
  const hvm = ((await rpc(url, 'VM.get_by_name_label', [sid, 'hvm-guest'])) as string[])[0]!;
  const uuid = await rpc(url, 'VM.get_uuid', [sid, plain]);
  await rpc(url, 'host.disable', [sid, hostOf.host0]);
  await assert.rejects(rpc(url, 'VM.start_on', [sid, hvm, hostOf.host0, false, false]), (e: any) => e.code === 'HOST_DISABLED');
  await rpc(url, 'host.evacuate', [sid, hostOf.host0, 'OpaqueRef:NULL', 0]);
  assert.equal(await rpc(url, 'VM.get_resident_on', [sid, plain]), hostOf.host1, 'moved to the other member');
  assert.equal(await rpc(url, 'VM.get_uuid', [sid, plain]), uuid, 'the same record');
  assert.equal(await rpc(url, 'VM.get_power_state', [sid, plain]), 'Running');
  const h0 = (await rpc(url, 'host.get_record', [sid, hostOf.host0])) as { resident_VMs: string[] };
  assert.ok(!h0.resident_VMs.includes(plain));
  // Upgrade: stop the member, its simulated host comes back on Xen 4.20, rejoin, enable.
  // (host0 is the coordinator here: it resigns on SIGTERM and host1 takes over; the session stays valid.)
  await pool.kill(0, 'SIGTERM');
  url = (await pool.waitCoordinator(10000, 1)).url;
  await pool.startMember(0, '4.20 --no-hap');
  await rpc(url, 'host.enable', [sid, hostOf.host0]);
  const sw = (await rpc(url, 'host.get_software_version', [sid, hostOf.host0])) as { xen: string };
  assert.match(sw.xen, /^4\.20/);
  await rpc(url, 'VM.start_on', [sid, hvm, hostOf.host0, false, false]);
  assert.equal(await rpc(url, 'VM.get_resident_on', [sid, hvm]), hostOf.host0, 'after the upgrade host0 runs what 4.17 refused');
});
