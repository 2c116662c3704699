import { perRelease, RELEASE_IDS, type ReleaseId } from './releases.js';

/**
 * How xl's parse_config_data() reads the device sub-formats, where it changed between releases
 * (tools/xl/xl_parse.c at each RELEASE-4.N.0 tag; the stable fix named per row). The toolstack's
 * xl.cfg reader (src/toolstack/xlcfg/dev/) asks this table instead of comparing releases itself.
 */
export interface XlParseRules {
  /**
   * split_string_into_pair(): 'strtok' (up to 4.17: strtok_r() on the delimiter, the caller trims)
   * or 'first' (4.18 on, "tools/xl: make split_string_into_pair() more usable": split at the first
   * delimiter, both halves trimmed, the value not empty).
   */
  pairSplit: 'strtok' | 'first';
  /**
   * p9: 'carried' (up to 4.17: each entry inherits the fields of the ones before it) or 'per-entry'
   * (4.18 on, "tools/xl: rework p9 config parsing"; type and max-* read where libxl_device_p9 has them).
   */
  p9: 'carried' | 'per-entry';
  /**
   * channel devid: xl numbers channels up to 4.17; the 4.18 line and later leave libxl's -1
   * ("tools/xl: fix channel configuration setting", RELEASE-4.18.5, 4.19.x, 4.20.1; real xl 4.20.4).
   */
  channelDevid: boolean;
}

const OLD: XlParseRules = { pairSplit: 'strtok', p9: 'carried', channelDevid: true };
const NEW: XlParseRules = { pairSplit: 'first', p9: 'per-entry', channelDevid: false };

const XL_PARSE = perRelease<XlParseRules>('xl-parse', [
  { from: '4.6', to: '4.17', row: OLD },
  { from: '4.18', to: '4.22', row: NEW },
]);

export function xlParseRules(release: ReleaseId): XlParseRules {
  return XL_PARSE[release];
}

/**
 * The libxl_domain_config layouts xenkit's xl.cfg mapping fits: every member it sets exists in that
 * release's libxl_types.idl and after (4.16's has no disk "specification", no nic "trusted").
 */
export const LIBXL_JSON_RELEASES: readonly ReleaseId[] = RELEASE_IDS.slice(RELEASE_IDS.indexOf('4.17'));
