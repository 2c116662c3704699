import { XapiError } from './rpc.js';

const POWER: Record<string, string> = { halted: 'halted', running: 'running', paused: 'paused', suspended: 'suspended' };

/** A XenAPI failure in words (the code and params are kept in the title for those who want them). */
export function inWords(e: unknown): string {
  if (!(e instanceof XapiError)) return e instanceof Error ? e.message : String(e);
  const p = e.params;
  switch (e.code) {
    case 'SESSION_AUTHENTICATION_FAILED':
      return 'Wrong user name or password.';
    case 'SESSION_INVALID':
      return 'Your session has ended; log in again.';
    case 'CONSOLE_UNREACHABLE':
      return 'The service does not answer: is xk serve still running?';
    case 'RBAC_PERMISSION_DENIED':
      return `Your role does not allow this (${p[0] ?? 'permission'}${p[1] ? `: ${p[1]}` : ''}).`;
    case 'VM_BAD_POWER_STATE':
      return `The VM is ${POWER[p[2] ?? ''] ?? p[2]}; this needs it ${POWER[p[1] ?? ''] ?? p[1]}.`;
    case 'OTHER_OPERATION_IN_PROGRESS':
      return 'Another operation on this VM is still running; wait for it to finish.';
    case 'OPERATION_NOT_ALLOWED':
      return `Not allowed: ${p[0] ?? ''}`;
    case 'HANDLE_INVALID':
      return `That ${p[0] ?? 'object'} no longer exists.`;
    case 'XENKIT_XEN_REFUSED':
      // params: [xenkit code, errno, reason (with the hint and source), hint, source]; the source is shown apart.
      return `Xen refuses it (${p[0]}${p[1] ? `, ${p[1]}` : ''}): ${withoutSource(p[2] ?? '', p[4])}`;
    case 'XENKIT_BAD_INPUT':
    case 'XENKIT_HOST_ERROR':
      return `${p[2] ?? p[0]}${p[3] ? ` (${p[3]})` : ''}`;
    case 'MEMORY_CONSTRAINT_VIOLATION':
      return p[0] ?? 'The memory settings are not in order.';
    default:
      return `${e.code}${p.length ? `: ${p.join(', ')}` : ''}`;
  }
}

/** The reason without what the console shows apart: the errno prefix and the trailing "[source]". */
function withoutSource(reason: string, source?: string): string {
  const r = reason.replace(/^Xen [\d.]+ would refuse this domain with \w+: /, '');
  return source && r.endsWith(`[${source}]`) ? r.slice(0, -source.length - 2).trimEnd() : r;
}

/** Where a failure's rule comes from (Xen's source), when it says. */
export function sourceOf(e: unknown): string {
  return e instanceof XapiError && e.code.startsWith('XENKIT_') ? (e.params[4] ?? '') : '';
}
