import { fullRecord, ROLE_NAMES } from '../model.js';
import { derivedRef, derivedUuid } from '../host-state.js';
import type { ClassImpl, Ctx } from '../context.js';
import type { Service } from '../service.js';

/** The datamodel's roles, as role records (subroles are not modelled: every message lists its roles). */
export function roleClass(): ClassImpl {
  const recs = new Map(ROLE_NAMES.map((r) => [derivedRef(`role/${r}`), fullRecord('role', { uuid: derivedUuid(`role/${r}`), name_label: r, name_description: `XenAPI role ${r}`, subroles: [], is_internal: false })]));
  return {
    cls: 'role',
    records: () => recs,
    actions: { get_by_name_label: (_c: Ctx, label: string) => [...recs].filter(([, r]) => r.name_label === label).map(([ref]) => ref) },
  };
}

/** External-directory subjects: xenkit has no external authentication, so none. */
export function subjectClass(): ClassImpl {
  return { cls: 'subject', records: () => new Map(), actions: {} };
}

/** The (deprecated) user class: xenkit's local users, without their secrets. */
export function userClass(svc: Service): ClassImpl {
  return {
    cls: 'user',
    records: () => new Map(svc.auth.users().map((u) => [`OpaqueRef:${u.uuid}`, fullRecord('user', { uuid: u.uuid, short_name: u.name, fullname: u.name, other_config: { role: u.role } })])),
    actions: {},
  };
}
