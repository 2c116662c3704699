import type { Sample } from './host-panel.js';
import { mib } from './format.js';

const W = 480;
const H = 120;

/** Used memory over time as a small SVG line (the y axis is the host's total). */
export function MemoryChart({ samples, windowMs }: { samples: Sample[]; windowMs: number }) {
  const now = samples.at(-1)?.at ?? Date.now();
  const total = samples.at(-1)?.total || 1;
  const pts = samples.map((s) => `${(W * (1 - (now - s.at) / windowMs)).toFixed(1)},${(H - (H * s.used) / total).toFixed(1)}`);
  const last = samples.at(-1);
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={last ? `Memory used: ${mib(last.used)} of ${mib(total)} now, ${samples.length} samples` : 'no samples yet'}>
        <rect x="0" y="0" width={W} height={H} class="frame" />
        {pts.length > 1 && <polyline points={pts.join(' ')} class="line" />}
        {pts.length === 1 && <circle cx={W - 4} cy={pts[0]!.split(',')[1]} r="4" class="dot" />}
      </svg>
      <figcaption class="muted">one sample every 5 s; top of the chart: {mib(total)}</figcaption>
    </figure>
  );
}
