import { MESSAGES } from '../model.js';
import { parseType } from '../types.js';
import type { Served } from '../dispatch.js';
import type { Action } from '../context.js';
import { xlcfgActions } from './xlcfg-check.js';
import { physinfo, vmVerdictActions } from './vm-verdict.js';

/**
 * The read-only extensions the web console (src/console/) needs beyond XenAPI, namespaced `xenkit.`
 * and listed by system.listMethods: nothing is changed by them, so they take the roles of a getter
 * (VM.get_record's: read-only users may call them).
 */
export function consoleExtensions(): Served[] {
  const getter = MESSAGES.get('VM.get_record')!;
  const session = getter.params[0]!;
  const ext = (name: string, params: [string, string][], fn: Action): Served => ({
    sig: { ...getter, cls: 'xenkit', name, wire: `xenkit.${name}`, implicit: false, errors: ['XENKIT_BAD_INPUT'], result: parseType('any'), params: [session, ...params.map(([n, t]) => ({ name: n, type: parseType(t), raw: t }))] },
    fn,
    async: false,
  });
  return [
    ext('xlcfg.preview', [['config', 'string']], xlcfgActions.preview),
    ext('xlcfg.matrix', [['configs', '(string -> string) map'], ['emulation_flags', 'string']], xlcfgActions.matrix),
    ext('VM.get_verdict', [['vm', 'VM ref']], vmVerdictActions.get_verdict),
    ext('VM.get_all_verdicts', [], vmVerdictActions.get_all_verdicts),
    ext('host.get_physinfo', [['host', 'host ref']], physinfo),
  ];
}
