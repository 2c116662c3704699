import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Xapi } from 'xen-api';
import { EtcdCluster, skipReason } from './etcd.js';
import { PoolProcs, PW, rpc } from './harness.js';

/**
 * VM.create, the VM setters and the reboots in pool mode, driven by the `xen-api` npm client (the
 * one XO uses) pointed at a supporter: it follows HOST_IS_SLAVE, and every call lands on the
 * coordinator, which changes the VM's record in etcd by compare-and-swap. What is expected comes
 * from XAPI: VM.create takes the record's fields (XenAPI datamodel, VM class), the memory order
 * static_min <= dynamic_min <= dynamic_max <= static_max (ocaml/xapi/xapi_vm_memory_constraints.ml),
 * memory and vCPU limits only on a Halted VM (VM_BAD_POWER_STATE), add_to_* of a present key is
 * MAP_DUPLICATE_KEY, clean_reboot needs Running and hard_reboot Running or Paused; a reboot keeps the
 * VM on its host and gives it a new domain (Xen never reuses a live domid: xen/common/domain.c).
 */
const skip = skipReason();
const MiB = 1024 * 1024;
let etcd: EtcdCluster;
let pool: PoolProcs;
let xapi: Xapi;
let sid: string;

before(async () => {
  if (skip) return;
  etcd = await EtcdCluster.start(1);
  pool = await PoolProcs.start(etcd, ['4.20', '4.20']);
  const c = await pool.waitCoordinator(10000);
  sid = (c as unknown as { sid: string }).sid;
  const supporter = pool.members.find((m) => m.i !== c.i)!;
  xapi = new Xapi({ url: supporter.url, auth: { user: 'root', password: PW }, allowUnauthorized: true });
  await xapi.connect();
  assert.equal((xapi as unknown as { _url: { hostname: string } })._url.hostname, c.address, 'the client followed HOST_IS_SLAVE to the coordinator');
});
after(async () => {
  await xapi?.disconnect().catch(() => undefined);
  pool?.stop();
  etcd?.stop();
});

const record = (name: string) => ({
  name_label: name, name_description: 'made by VM.create', PV_kernel: '/boot/vmlinuz', PV_args: 'console=hvc0',
  memory_static_min: 256 * MiB, memory_dynamic_min: 256 * MiB, memory_dynamic_max: 256 * MiB, memory_static_max: 512 * MiB,
  VCPUs_max: 2, VCPUs_at_startup: 1, other_config: { made: 'here' },
});
/** The VM's record as each member answers it (reads are served by any member, from its etcd cache). */
async function onEvery(ref: string, check: (r: any, i: number) => boolean, what: string): Promise<void> {
  for (const m of pool.members) {
    let r: any;
    for (let t = 0; t < 100; t++) {
      r = await rpc(m.url, 'VM.get_record', [sid, ref]);
      if (check(r, m.i)) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.ok(check(r, m.i), `member ${m.i}: ${what} (got ${JSON.stringify(r).slice(0, 300)})`);
  }
}
const code = (c: string) => (e: any) => e?.code === c || String(e?.message).includes(c);

test('VM.create through the pool: the record in etcd with the fields asked for, seen on every member; a bad record is refused and nothing is made', { skip, timeout: 60000 }, async () => {
  const ref = (await xapi.call('VM.create', record('made-in-pool'))) as string;
  await onEvery(ref, (r) => r.name_label === 'made-in-pool' && r.name_description === 'made by VM.create' && Number(r.memory_static_max) === 512 * MiB
    && Number(r.memory_dynamic_max) === 256 * MiB && Number(r.VCPUs_max) === 2 && Number(r.VCPUs_at_startup) === 1 && r.other_config.made === 'here' && r.power_state === 'Halted', 'the created record');
  const before = ((await rpc(pool.members[0]!.url, 'VM.get_all', [sid])) as string[]).length;
  await assert.rejects(xapi.call('VM.create', { ...record('bad'), memory_dynamic_min: 1024 * MiB }), code('MEMORY_CONSTRAINT_VIOLATION'));
  await assert.rejects(xapi.call('VM.create', { ...record('bad'), VCPUs_at_startup: 3 }), code('VALUE_NOT_SUPPORTED'));
  assert.equal(((await rpc(pool.members[0]!.url, 'VM.get_all', [sid])) as string[]).length, before, 'a refused VM.create leaves no record');
});

test('VM setters through the pool: limits while Halted, the memory order, duplicate map keys, refused while Running; concurrent setters of one VM both land', { skip, timeout: 60000 }, async () => {
  const ref = (await xapi.call('VM.create', record('setters'))) as string;
  await xapi.call('VM.set_memory_limits', ref, 128 * MiB, 1024 * MiB, 512 * MiB, 768 * MiB);
  await xapi.call('VM.set_VCPUs_max', ref, 4);
  await xapi.call('VM.set_VCPUs_at_startup', ref, 3);
  await xapi.call('VM.add_to_platform', ref, 'viridian', 'false');
  await xapi.call('VM.remove_from_other_config', ref, 'made');
  await onEvery(ref, (r) => Number(r.memory_static_min) === 128 * MiB && Number(r.memory_static_max) === 1024 * MiB && Number(r.memory_dynamic_min) === 512 * MiB
    && Number(r.memory_dynamic_max) === 768 * MiB && Number(r.VCPUs_max) === 4 && Number(r.VCPUs_at_startup) === 3 && r.platform.viridian === 'false' && !('made' in r.other_config), 'every setter landed');
  await assert.rejects(xapi.call('VM.set_memory_limits', ref, 128 * MiB, 1024 * MiB, 900 * MiB, 768 * MiB), code('MEMORY_CONSTRAINT_VIOLATION'));
  await assert.rejects(xapi.call('VM.set_VCPUs_at_startup', ref, 5), code('VALUE_NOT_SUPPORTED'));
  await assert.rejects(xapi.call('VM.add_to_platform', ref, 'viridian', 'true'), code('MAP_DUPLICATE_KEY'));
  await onEvery(ref, (r) => Number(r.memory_dynamic_min) === 512 * MiB && Number(r.VCPUs_at_startup) === 3 && r.platform.viridian === 'false', 'refused changes changed nothing');

  // Concurrent changes of different fields of one record: each is a compare-and-swap, retried on a lost race; none is lost.
  const N = 10;
  for (let i = 0; i < N; i++) {
    await Promise.all([xapi.call('VM.set_name_label', ref, `label-${i}`), xapi.call('VM.set_name_description', ref, `desc-${i}`), xapi.call('VM.add_to_other_config', ref, `k${i}`, String(i))]);
    await onEvery(ref, (r) => r.name_label === `label-${i}` && r.name_description === `desc-${i}` && r.other_config[`k${i}`] === String(i), `round ${i}: all three concurrent changes kept`);
  }

  await xapi.call('VM.start', ref, false, false);
  await assert.rejects(xapi.call('VM.set_memory_static_max', ref, 2048 * MiB), code('VM_BAD_POWER_STATE'));
  await assert.rejects(xapi.call('VM.set_VCPUs_max', ref, 8), code('VM_BAD_POWER_STATE'));
  await xapi.call('VM.set_name_label', ref, 'renamed-while-running');
  await onEvery(ref, (r) => r.name_label === 'renamed-while-running' && Number(r.VCPUs_max) === 4 && r.power_state === 'Running', 'a running VM keeps its limits, takes a new name');
  await xapi.call('VM.hard_shutdown', ref);
});

test('VM.clean_reboot and VM.hard_reboot through the pool: a new domain on the same member (the supporter), Running; the power states XAPI asks for', { skip, timeout: 60000 }, async () => {
  const ref = (await xapi.call('VM.create', record('reboots'))) as string;
  const hosts = (await rpc(pool.members[0]!.url, 'host.get_all_records', [sid])) as Record<string, { name_label: string; address: string }>;
  const supporter = Object.keys(hosts).find((h) => hosts[h]!.address !== (xapi as unknown as { _url: { hostname: string } })._url.hostname)!;
  await xapi.call('VM.start_on', ref, supporter, false, false);
  let dom = -1;
  await onEvery(ref, (r) => r.power_state === 'Running' && r.resident_on === supporter && (dom = Number(r.domid)) > 0, 'running on the supporter');
  for (const op of ['VM.clean_reboot', 'VM.hard_reboot']) {
    const old = dom;
    await xapi.call(op, ref);
    await onEvery(ref, (r) => r.power_state === 'Running' && r.resident_on === supporter && Number(r.domid) > 0 && Number(r.domid) !== old && (dom = Number(r.domid)) > 0, `${op}: a new domain, on the same member`);
  }
  await xapi.call('VM.pause', ref);
  await assert.rejects(xapi.call('VM.clean_reboot', ref), code('VM_BAD_POWER_STATE'));
  await xapi.call('VM.hard_reboot', ref);
  await onEvery(ref, (r) => r.power_state === 'Running' && r.resident_on === supporter, 'hard_reboot of a Paused VM: Running');
  await xapi.call('VM.hard_shutdown', ref);
  await assert.rejects(xapi.call('VM.hard_reboot', ref), code('VM_BAD_POWER_STATE'));
  await onEvery(ref, (r) => r.power_state === 'Halted' && r.resident_on === 'OpaqueRef:NULL', 'Halted, on no member');
});
