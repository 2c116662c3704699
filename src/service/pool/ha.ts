import type { PoolMember } from './member.js';
import type { PoolOps } from './ops.js';
import type { PoolVm } from './placement.js';

/**
 * The coordinator's watch for dead members: when a member's lease expires (its `live/` key goes),
 * its VMs are recorded Halted (its domains are gone with it, or are destroyed when it rejoins), and
 * those with ha_restart_priority = "restart" are started on members that accept them. Also run when
 * this member becomes coordinator (a member may have died with the old coordinator).
 */
export function watchForDead(m: PoolMember, ops: PoolOps): void {
  let running: Promise<void> = Promise.resolve();
  const sweep = () => (running = running.then(() => restartDead(m, ops)).catch((e: Error) => m.log(`pool: HA sweep failed: ${e.message}`)));
  m.state.onChange((c) => {
    if (c.key.startsWith('live/') && !c.value && m.isCoordinator) void sweep();
  });
  m.onRoleChange(() => {
    if (m.isCoordinator) void sweep();
  });
}

async function restartDead(m: PoolMember, ops: PoolOps): Promise<void> {
  if (!m.isCoordinator) return;
  const vms = ([...m.state.list('vm/').values()] as PoolVm[]).filter((v) => v.host && !ops.live(v.host));
  const restart: PoolVm[] = [];
  for (const v of vms) {
    const dead = v.host;
    const halted = await m.state.update(`vm/${v.ref}`, (cur) => (cur && cur.host === dead ? { ...cur, host: null, power: 'Halted', domid: -1 } : (cur ?? null)));
    m.log(`pool: member ${dead} is dead: VM ${String(v.fields.name_label)} recorded Halted`);
    if (halted && halted.host === null && v.fields.ha_restart_priority === 'restart') restart.push(v);
  }
  for (const v of restart) {
    try {
      const h = await ops.startOn(undefined, v.ref, undefined, false);
      m.log(`pool: HA restarted VM ${String(v.fields.name_label)} on ${h.name}`);
    } catch (e) {
      m.log(`pool: HA could not restart VM ${String(v.fields.name_label)}: ${(e as Error).message}`);
    }
  }
}
