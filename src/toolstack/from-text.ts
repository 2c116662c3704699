import { XenkitError } from '../errors.js';
import { LIMITS, sizeText } from '../input.js';
import { parseXlCfg } from './xlcfg/parse.js';
import { specFromXlCfg } from './xlcfg/to-spec.js';
import type { LoadedSpec } from './load.js';

/** An xl.cfg given as text (a library caller's, an API request's): parsed and turned into a DomainSpec. */
export function specFromText(text: string, name = 'config', overrides: string[] = []): LoadedSpec {
  if (typeof text !== 'string') throw new XenkitError('BAD_INPUT', `${name}: the config must be text`, { field: 'config', value: typeof text, hint: 'the xl.cfg as a string' });
  if (Buffer.byteLength(text) > LIMITS.xlcfgBytes)
    throw new XenkitError('INPUT_TOO_BIG', `${name}: the config is larger than ${sizeText(LIMITS.xlcfgBytes)} (xl configs are a few KiB)`, { field: 'config', value: Buffer.byteLength(text), hint: `at most ${sizeText(LIMITS.xlcfgBytes)}` });
  const cfg = parseXlCfg(text, name);
  const { spec, warnings } = specFromXlCfg(cfg, { overrides });
  return { file: name, cfg, spec, warnings };
}
