export interface Cell { xen: string; accept: boolean; flags?: number; emulation_flags?: number; errno?: string; code?: string; field?: string; reason?: string; hint?: string; source?: string; xl: { key: string; severity: string; text: string; source: string }[] }
export interface Row { config: string; error?: { line: number; col: number; message: string; code?: string }; cells: Cell[] }
export interface Matrix { releases: string[]; emulation_flags: number | null; rows: Row[] }

const COLUMNS = ['config', 'xen', 'verdict', 'emulation_flags', 'errno', 'code', 'field', 'reason', 'hint', 'source'] as const;

/** RFC 4180: quote a field when it holds a quote, comma or line break. */
const field = (v: unknown) => {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** One line per config and release (a config that does not read: one line with its error). */
export function matrixCsv(m: Matrix): string {
  const lines = [COLUMNS.join(',')];
  for (const r of m.rows) {
    if (r.error) lines.push([r.config, '', 'unreadable', '', '', r.error.code, '', `${r.error.line}:${r.error.col}: ${r.error.message}`, '', ''].map(field).join(','));
    for (const c of r.cells) lines.push([r.config, c.xen, c.accept ? 'accepted' : 'refused', c.emulation_flags === undefined ? '' : `0x${c.emulation_flags.toString(16)}`, c.errno, c.code, c.field, c.reason, c.hint, c.source].map(field).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/** Offer a text as a file download. */
export function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
