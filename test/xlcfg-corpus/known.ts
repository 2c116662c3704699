// Writes known-differences.json from the comparison (the reason of each is what the diff shows):
//   node --import tsx test/xlcfg-corpus/known.ts
// test/toolstack/xl-corpus.test.ts enforces the list both ways, so it can only shrink.
import { writeFileSync } from 'node:fs';
import { difference, KNOWN_FILE, recordings } from './compare.js';

const known: Record<string, string> = {};
for (const r of recordings()) {
  const d = difference(r);
  if (d) known[r.file] = d;
}
writeFileSync(KNOWN_FILE, JSON.stringify(known, null, 1) + '\n');
console.log(`${Object.keys(known).length} known differences of ${recordings().length} recordings`);
