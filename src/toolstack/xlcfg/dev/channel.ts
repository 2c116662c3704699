import type { LibxlObject } from '../../libxl/gen-json.js';
import type { Fail } from '../reader.js';
import type { ReleaseId } from '../../../xen/releases.js';
import { xlParseRules } from '../../../xen/xl-parse.js';
import { pairOf } from './tokens.js';

export const CHANNEL_SOURCE = 'tools/xl/xl_parse.c:2202-2278 parse_config_data() @RELEASE-4.17.0';

/**
 * One `channel = [ "..." ]` entry: KEY=VALUE pairs (blanks trimmed) of backend, name, path and
 * connection (pty or socket; socket needs path). xl warns about an unknown key and ignores it.
 * Whether xl numbers channels (devid) is per release (src/xen/xl-parse.ts).
 */
export function parseChannel(spec: string, devid: number, release: string, fail: Fail, warn: (msg: string) => void): LibxlObject {
  const chn: LibxlObject = xlParseRules(release as ReleaseId).channelDevid ? { devid } : {};
  let path: string | undefined;
  for (const item of spec.split(',').filter((x) => x !== '')) {
    const kv = pairOf(release, item, '=');
    if (!kv) fail(`xl: failed to parse channel configuration: ${item}`, 'KEY=VALUE with KEY backend, name, path or connection');
    const [key, value] = kv;
    if (key === 'backend') chn.backend_domname = value;
    else if (key === 'name') chn.name = value;
    else if (key === 'path') path = value;
    else if (key === 'connection') {
      if (value !== 'pty' && value !== 'socket') fail(`xl: unknown channel connection '${value}'`, 'connection=pty or connection=socket');
      chn.connection = value;
    } else warn(`channel: unknown channel parameter '${key}', ignoring (as xl does; accepted: backend, name, path, connection)`);
  }
  if (chn.connection === undefined) fail("xl: channel has unknown 'connection'", 'connection=pty or connection=socket');
  if (chn.connection === 'socket') {
    if (path === undefined) fail("xl: channel connection 'socket' requires path=..", 'connection=socket,path=/run/...');
    chn.u = { path };
  }
  return chn;
}
