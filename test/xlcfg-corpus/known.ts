// Writes known-differences.json from the comparison (the reason of each is what the diff shows):
//   node --import tsx test/xlcfg-corpus/known.ts [4.17|4.20]   (default 4.17)
// test/toolstack/xl-corpus.test.ts enforces the list both ways, so it can only shrink.
import { writeFileSync } from 'node:fs';
import { difference, knownFile, RECORDED_RELEASES, recordings, type RecordedRelease } from './compare.js';

const rel = (process.argv[2] ?? '4.17') as RecordedRelease;
if (!RECORDED_RELEASES.includes(rel)) throw new Error(`known.ts: ${rel}: one of ${RECORDED_RELEASES.join(', ')}`);
const known: Record<string, string> = {};
for (const r of recordings(rel)) {
  const d = difference(r, rel);
  if (d) known[r.file] = d;
}
writeFileSync(knownFile(rel), JSON.stringify(known, null, 1) + '\n');
console.log(`${rel}: ${Object.keys(known).length} known differences of ${recordings(rel).length} recordings`);
