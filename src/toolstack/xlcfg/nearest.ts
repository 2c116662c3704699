let ROWS = new Int32Array(192);

/**
 * Optimal-string-alignment distance: edits, with a swap of neighbours counting as one ("memroy").
 * Three rolling rows; with `max`, gives up (returns max + 1) once every cell of a row exceeds it.
 */
export function editDistance(a: string, b: string, max = Infinity): number {
  const n = b.length + 1;
  // Reused rows: one search compares a word with every xl key.
  if (ROWS.length < 3 * n) ROWS = new Int32Array(3 * n);
  let prev2 = ROWS.subarray(0, n);
  let prev = ROWS.subarray(n, 2 * n);
  let row = ROWS.subarray(2 * n, 3 * n);
  for (let j = 0; j < n; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    let low = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = prev[j - 1]! + cost;
      if (prev[j]! + 1 < v) v = prev[j]! + 1;
      if (row[j - 1]! + 1 < v) v = row[j - 1]! + 1;
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      row[j] = v;
      if (v < low) low = v;
    }
    if (low > max) return max + 1;
    [prev2, prev, row] = [prev, row, prev2];
  }
  return prev[b.length]!;
}

/** The closest candidate, if close enough to be a likely typo (at most 2 edits, and under a third of the word). */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const max = Math.min(2, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    // The distance is at least the difference in length: skip those (a config of 50,000 unknown keys
    // against every xl key took 35 s).
    if (Math.abs(c.length - word.length) > max) continue;
    const dist = editDistance(word, c, max);
    if (dist < bestD) [best, bestD] = [c, dist];
  }
  return bestD > 0 && bestD <= max ? best : undefined;
}
