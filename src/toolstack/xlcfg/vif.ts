import { badInput } from '../../errors.js';
import { nearest } from './nearest.js';
import type { NicSpec } from '../domain/domain-spec.js';
import type { Fail } from './reader.js';

export const VIF_SOURCE = 'tools/xl/xl_parse.c parse_nic_config(), tools/libs/util/libxlu_vif.c @RELEASE-4.17.0';

const STRING_KEYS: Record<string, keyof NicSpec> = { bridge: 'bridge', ip: 'ip', script: 'script', backend: 'backend', vifname: 'vifname', model: 'model', gatewaydev: 'gatewaydev' };

/** The COLO options parse_nic_config() takes, by libxl_device_nic field, in libxl_types.idl @RELEASE-4.17.0 order. */
export const NIC_COLO_FIELDS = [
  'coloft_forwarddev',
  ...['mirror', 'compare_pri_in', 'compare_sec_in', 'compare_notify', 'redirector0', 'redirector1', 'redirector2'].flatMap((s) => ['id', 'ip', 'port'].map((p) => `colo_sock_${s}_${p}`)),
  'colo_filter_mirror_queue', 'colo_filter_mirror_outdev',
  ...['0', '1'].flatMap((n) => ['queue', 'indev', 'outdev'].map((p) => `colo_filter_redirector${n}_${p}`)),
  'colo_compare_pri_in', 'colo_compare_sec_in', 'colo_compare_out', 'colo_compare_notify_dev',
  ...['0', '1'].flatMap((n) => ['id', 'ip', 'port'].map((p) => `colo_sock_sec_redirector${n}_${p}`)),
  ...['0', '1'].flatMap((n) => ['queue', 'indev', 'outdev'].map((p) => `colo_filter_sec_redirector${n}_${p}`)),
  'colo_filter_sec_rewriter0_queue', 'colo_checkpoint_host', 'colo_checkpoint_port',
];

const ALL_KEYS = ['type', 'mac', 'netdev', 'rate', 'accel', 'devid', 'mtu', 'forwarddev', ...Object.keys(STRING_KEYS), ...NIC_COLO_FIELDS.slice(1)];

/**
 * One vif spec as parse_nic_config() reads it: split on ',', leading blanks of each option skipped,
 * `key=value` or the bare words `trusted`/`untrusted`. xl prints a message for a bad option and
 * carries on (the nic is created anyway); xenkit refuses the config instead. `warn` gets xl's
 * notices for deprecated or unsupported options.
 */
export function parseVifSpec(spec: string, devid: number, warn: (msg: string) => void = () => {}, fail: Fail = (rule, accepted) => { throw badInput('vif', spec, `${accepted} (${rule})`, 'XLCFG_INVALID'); }): NicSpec {
  const nic: NicSpec = { devid };
  for (const raw of spec.split(',')) {
    if (raw === '') continue; // strtok skips empty fields
    const opt = raw.replace(/^ +/, '');
    if (opt === 'trusted' || opt === 'untrusted') {
      nic.trusted = opt === 'trusted';
      continue;
    }
    // MATCH_OPTION (xl_parse.h) is a prefix match on "key=", so "bridge" alone is unknown.
    const eq = opt.indexOf('=');
    const [k, v] = eq < 0 ? [opt, undefined] : [opt.slice(0, eq), opt.slice(eq + 1)];
    if (v === undefined || !ALL_KEYS.includes(k)) {
      const near = nearest(k, ALL_KEYS);
      fail(`unrecognized argument \`${opt}'`, near ? `${near}=... (did you mean ${near}?)` : `key=value options: ${ALL_KEYS.slice(0, 16).join(', ')}, colo_*, trusted, untrusted`);
    }
    const value = v!;
    if (k in STRING_KEYS) (nic as unknown as Record<string, string>)[STRING_KEYS[k]!] = value;
    else if (k === 'netdev') {
      warn('vif: the netdev parameter is deprecated, please use gatewaydev instead');
      nic.gatewaydev = value;
    } else if (k === 'type') {
      if (value !== 'vif' && value !== 'ioemu') fail(`Invalid parameter \`type'`, 'type=vif or type=ioemu');
      nic.type = value;
    } else if (k === 'mac') nic.mac = parseMac(value, fail);
    else if (k === 'rate') nic.rate = parseRate(value, fail);
    else if (k === 'devid' || k === 'mtu') {
      if (!/^\d+$/.test(value)) fail(`xl: failed to convert "${value}" to number`, `${k}=<decimal number>`);
      nic[k] = Number(value);
    } else if (k === 'accel') warn('vif: the accel parameter for vifs is currently not supported');
    else (nic.colo ??= {})[k === 'forwarddev' ? 'coloft_forwarddev' : k] = value;
  }
  return nic;
}

/** Six hex bytes, each strtoul(..., 16) <= 255, separated by any one character. */
function parseMac(s: string, fail: Fail): string {
  const m = /^([0-9a-fA-F]{1,2})[^0-9a-fA-F]([0-9a-fA-F]{1,2})[^0-9a-fA-F]([0-9a-fA-F]{1,2})[^0-9a-fA-F]([0-9a-fA-F]{1,2})[^0-9a-fA-F]([0-9a-fA-F]{1,2})[^0-9a-fA-F]([0-9a-fA-F]{1,2})$/.exec(s);
  if (!m) return fail(`Invalid parameter \`mac'`, 'mac=xx:xx:xx:xx:xx:xx (six hex bytes)');
  return m.slice(1).map((b) => b.toLowerCase().padStart(2, '0')).join(':');
}

/** xlu_vif_parse_rate: `N[GMK][Bb]/s[@N[mu]s]`, the interval 50ms unless given. */
function parseRate(s: string, fail: Fail): { bytesPerInterval: number; intervalUsecs: number } {
  const m = /^([0-9]+)([GMK]?)([Bb])\/s(?:@([0-9]+)([mu]?)s?)?$/.exec(s);
  const accepted = 'rate=<N>[GMK]<B|b>/s[@<N>[m|u]s], e.g. 10Mb/s@20ms';
  if (!m) return fail('invalid rate', accepted);
  let bytes = Number(m[1]);
  if (bytes === 0 || bytes > 0xffffffff) fail('rate overflow', `${accepted}, the number 1 .. 4294967295`);
  bytes *= { G: 1e9, M: 1e6, K: 1e3, '': 1 }[m[2]!]!;
  if (m[3] === 'b') bytes = Math.floor(bytes / 8);
  let usecs = 50_000;
  if (m[4] !== undefined) {
    usecs = Number(m[4]);
    if (usecs === 0 || usecs > 0xffffffff) fail('replenishment interval overflow', accepted);
    usecs *= m[5] === 'u' ? 1 : m[5] === 'm' ? 1000 : 1_000_000;
    if (usecs > 0xffffffff) fail('replenishment interval overflow', accepted);
  }
  return { bytesPerInterval: Number((BigInt(bytes) * BigInt(usecs)) / 1_000_000n), intervalUsecs: usecs };
}
