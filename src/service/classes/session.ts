import { handleInvalid, NULL_REF } from '../failure.js';
import { fullRecord } from '../model.js';
import { xapiTime } from '../events.js';
import type { ClassImpl, Ctx } from '../context.js';
import type { Session } from '../auth.js';
import type { Service } from '../service.js';

function sessionRecord(svc: Service, s: Session) {
  const u = svc.auth.user(s.user);
  return fullRecord('session', {
    uuid: s.uuid, this_host: svc.hostRef, this_user: u ? `OpaqueRef:${u.uuid}` : NULL_REF, last_active: xapiTime(s.last), pool: false,
    is_local_superuser: s.user === 'root', subject: NULL_REF, validation_time: xapiTime(s.created), auth_user_sid: '', auth_user_name: s.user,
    rbac_permissions: [], tasks: [], parent: NULL_REF, originator: s.originator, client_certificate: false, other_config: {},
  });
}

export function sessionClass(svc: Service): ClassImpl {
  const mine = (ctx: Ctx, ref: string) => (ctx.session?.ref === ref || ctx.session?.role === 'pool-admin' ? svc.auth.session(ref) : undefined);
  return {
    cls: 'session',
    records: () => new Map(svc.auth.sessions().map((s) => [s.ref, sessionRecord(svc, s)])),
    record: (ctx, ref) => {
      const s = mine(ctx, ref);
      return s && sessionRecord(svc, s);
    },
    actions: {
      login_with_password: async (ctx: Ctx, uname: string, pwd: string, _version?: string, originator?: string) => (await svc.auth.login(uname, pwd, originator ?? '', ctx.client)).ref,
      logout: (ctx: Ctx) => (svc.auth.logout(ctx.session!.ref), ''),
      get_all_subject_identifiers: () => [],
      // The cheapest call a client makes (XO polls it): answered without building the whole record.
      get_this_host: (ctx: Ctx, ref: string) => {
        if (!mine(ctx, ref)) throw handleInvalid('session', ref);
        return svc.hostRef;
      },
    },
  };
}
