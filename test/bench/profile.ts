// Summarises V8 .cpuprofile files (node --cpu-prof, e.g. BENCH_CPU_PROF=DIR npm run bench):
// top functions by self time and by total (inclusive) time, and self time per source file.
//   node --import tsx test/bench/profile.ts FILE.cpuprofile [TOP]
import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount: number; children?: number[] }
interface Profile { nodes: Node[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

function short(url: string): string {
  const i = url.indexOf('node_modules/');
  if (i >= 0) return url.slice(i + 13);
  const s = url.lastIndexOf('/src/');
  return s >= 0 ? url.slice(s + 1) : url.replace(/^.*\//, '') || '(native)';
}

export function summarize(file: string, top = 25): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const selfBy = new Map<string, number>();
  const fileBy = new Map<string, number>();
  const inclBy = new Map<string, number>();
  for (const [id, t] of self) {
    const n = byId.get(id)!;
    selfBy.set(label(n), (selfBy.get(label(n)) ?? 0) + t);
    fileBy.set(short(n.callFrame.url), (fileBy.get(short(n.callFrame.url)) ?? 0) + t);
    // inclusive: each distinct frame on the stack once
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (!seen.has(l)) { seen.add(l); inclBy.set(l, (inclBy.get(l) ?? 0) + t); }
    }
  }
  const fmt = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k)
    .map(([l, t]) => `${(t / 1000).toFixed(0).padStart(7)} ms ${((t / total) * 100).toFixed(1).padStart(5)}%  ${l}`).join('\n');
  return `${file}: ${(total / 1e6).toFixed(2)} s sampled\n\nself time:\n${fmt(selfBy, top)}\n\nby file (self):\n${fmt(fileBy, 15)}\n\ninclusive:\n${fmt(inclBy, top)}\n`;
}

if (process.argv[1]?.endsWith('profile.ts')) {
  const [file, top] = process.argv.slice(2);
  process.stdout.write(summarize(file, top ? Number(top) : 25));
}
