/**
 * JSON text byte for byte as libxl prints it: yajl 2 with yajl_gen_beautify (libxl_yajl_gen_alloc(),
 * tools/include/libxl_json.h @RELEASE-4.17.0): 4-space indent, `"key": value`, an empty object or
 * array as `{`, a blank line, `}`, and a final newline. Strings escape `"` `\` and control
 * characters only (`\u00XX` in upper case); `/` and non-ASCII are left alone (yajl_encode.c).
 */
export function yajlBeautify(v: unknown): string {
  return gen(v, '') + '\n';
}

function gen(v: unknown, indent: string): string {
  const inner = indent + '    ';
  if (Array.isArray(v)) return `[\n${v.map((x) => inner + gen(x, inner)).join(',\n')}\n${indent}]`;
  if (v !== null && typeof v === 'object')
    return `{\n${Object.entries(v).map(([k, x]) => `${inner}${str(k)}: ${gen(x, inner)}`).join(',\n')}\n${indent}}`;
  if (typeof v === 'string') return str(v);
  return String(v);
}

const ESC: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function str(s: string): string {
  return `"${s.replace(/["\\\x00-\x1f]/g, (c) => ESC[c] ?? `\\u00${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)}"`;
}
