import { parseXlCfg } from './xlcfg/parse.js';
import { specFromXlCfg } from './spec/from-xlcfg.js';
import type { LoadedSpec } from './load.js';

/** An xl.cfg given as text (a library caller's, an API request's): parsed and turned into a DomainSpec. */
export function specFromText(text: string, name = 'config', overrides: string[] = []): LoadedSpec {
  const cfg = parseXlCfg(text, name);
  const { spec, warnings } = specFromXlCfg(cfg, { overrides });
  return { file: name, cfg, spec, warnings };
}
