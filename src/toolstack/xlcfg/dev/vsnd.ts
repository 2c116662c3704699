import type { LibxlIdl } from '../../../xen/libxl-idl.js';
import type { LibxlObject, LibxlValue } from '../../libxl/gen-json.js';
import type { Fail } from '../reader.js';
import { enumFromString, enumNames } from '../to-libxl.js';
import { keyValue, strtoul, tokens } from './tokens.js';

export const VSND_SOURCE = 'tools/xl/xl_parse.c:864-1105 parse_vsnd_*() @RELEASE-4.17.0; option names: xen/include/public/io/sndif.h XENSND_FIELD_*';

/**
 * One card of `vsnd = [ [ "CARD, ...", "PCM, ...", "STREAM, ..." ], ... ]`: each string starts
 * with CARD, PCM or STREAM (any case) and its KEY=VALUE parameters apply to the card, to the last
 * PCM, or to the last stream of the last PCM (a STREAM before any PCM opens one).
 */
export function parseVsndCard(items: string[], devid: number, idl: LibxlIdl, fail: Fail): LibxlObject {
  const card: LibxlObject = { devid, params: {}, pcms: [] };
  const pcms = card.pcms as LibxlObject[];
  for (const item of items) {
    const [head, ...params] = tokens(item);
    if (head === undefined) continue;
    const kind = head.toLowerCase();
    if (kind === 'pcm' || (kind === 'stream' && pcms.length === 0)) pcms.push({ params: {}, streams: [] });
    if (kind === 'stream') (pcms[pcms.length - 1]!.streams as LibxlObject[]).push({ params: {} });
    else if (kind !== 'card' && kind !== 'pcm') fail(`xl: Invalid key: ${head}`, 'each string starts with CARD, PCM or STREAM');
    for (const p of params) {
      if (kind === 'card') cardParam(card, p, idl, fail);
      else if (kind === 'pcm') pcmParam(pcms[pcms.length - 1]!, p, idl, fail);
      else streamParam(last(pcms[pcms.length - 1]!.streams), p, idl, fail);
    }
  }
  return card;
}

function last(v: LibxlValue): LibxlObject {
  const a = v as LibxlObject[];
  return a[a.length - 1]!;
}

const invalid = (p: string, fail: Fail, accepted: string) => fail(`xl: Invalid parameter: ${p}`, accepted);
const PARAMS = 'sample-rates=R;R..., sample-formats=F;F..., channels-min=, channels-max=, buffer-size=';

function cardParam(card: LibxlObject, p: string, idl: LibxlIdl, fail: Fail): void {
  if (params(card.params as LibxlObject, p, idl, fail)) return;
  const [k, v] = keyValue(p) ?? [p, undefined];
  if (v === undefined) invalid(p, fail, `backend=, short-name=, long-name=, ${PARAMS}`);
  else if (k === 'backend') card.backend_domname = v;
  else if (k === 'short-name') card.short_name = v;
  else if (k === 'long-name') card.long_name = v;
  else invalid(p, fail, `backend=, short-name=, long-name=, ${PARAMS}`);
}

function pcmParam(pcm: LibxlObject, p: string, idl: LibxlIdl, fail: Fail): void {
  if (params(pcm.params as LibxlObject, p, idl, fail)) return;
  const kv = keyValue(p);
  if (kv?.[0] === 'name') pcm.name = kv[1];
  else invalid(p, fail, `name=, ${PARAMS}`);
}

function streamParam(stream: LibxlObject, p: string, idl: LibxlIdl, fail: Fail): void {
  if (params(stream.params as LibxlObject, p, idl, fail)) return;
  const [k, v] = keyValue(p) ?? [p, undefined];
  if (k === 'unique-id' && v !== undefined) stream.unique_id = v;
  else if (k === 'type' && v !== undefined) {
    const t = enumFromString(idl, 'libxl_vsnd_stream_type', v);
    if (t === undefined) fail(`xl: Invalid stream type: ${v}`, `type=${enumNames(idl, 'libxl_vsnd_stream_type')}`);
    stream.type = t;
  } else invalid(p, fail, `unique-id=, type=p|c, ${PARAMS}`);
}

/** parse_vsnd_params(): the parameters a card, a PCM and a stream share; false when `p` is none of them. */
function params(out: LibxlObject, p: string, idl: LibxlIdl, fail: Fail): boolean {
  const kv = keyValue(p);
  if (!kv) return false;
  const [k, v] = kv;
  if (k === 'sample-rates') out.sample_rates = v.split(';').filter((x) => x !== '').map((x) => strtoul(x, fail, k));
  else if (k === 'sample-formats')
    out.sample_formats = v.split(';').filter((x) => x !== '').map((f) => enumFromString(idl, 'libxl_vsnd_pcm_format', f) ?? fail(`xl: Invalid pcm format: ${f}`, `sample-formats from ${enumNames(idl, 'libxl_vsnd_pcm_format')}`));
  else if (k === 'channels-min') out.channels_min = strtoul(v, fail, k);
  else if (k === 'channels-max') out.channels_max = strtoul(v, fail, k);
  else if (k === 'buffer-size') out.buffer_size = strtoul(v, fail, k);
  else return false;
  return true;
}
