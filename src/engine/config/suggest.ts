// "did you mean ...?": the closest candidate by edit distance, ignoring case, '_' and '-'.

function normalize(s: string): string {
  return s.toLowerCase().replace(/[_\-\s]/g, '');
}

export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > 8) return Math.max(a.length, b.length);
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The candidate a typo most likely meant, or undefined when none is close. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const n = normalize(input).slice(0, 100);
  if (n === '') return undefined;
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    // A cut-off word ("trunc", "chunk") means the candidate it starts.
    const d = n.length >= 3 && normalize(c).startsWith(n) ? 0 : editDistance(n, normalize(c));
    if (d < bestScore) { best = c; bestScore = d; }
  }
  const allowed = Math.max(1, Math.floor(Math.max(n.length, 3) / 3));
  return bestScore <= allowed ? best : undefined;
}
