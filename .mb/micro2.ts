const N = 2e6;
function t(name: string, f: () => unknown) { const t0 = process.hrtime.bigint(); let x: unknown; let s = 0; for (let i = 0; i < N; i++) { x = f(); s += (x as string).length; } console.log(name, (Number(process.hrtime.bigint() - t0) / N).toFixed(1), 'ns', String(x).slice(0, 30), s); }
const TWO: string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? '0' : '') + i);
const scratch = Buffer.alloc(64) as Buffer & { latin1Slice(a: number, b: number): string };
const put2 = (p: number, n: number) => { scratch[p] = 48 + ((n / 10) | 0); scratch[p + 1] = 48 + (n % 10); };
function pad(s: string, size: number): string { return s.length >= size ? s.slice(s.length - size) : '0'.repeat(size - s.length) + s; }
for (let k = 0; k < 2; k++) {
  let g = 0;
  t('concat', () => { g++; const y = 2024, mo = 1 + (g % 12), d = 1 + (g % 28), h = g % 24, mi = g % 60, s = (g * 7) % 60, f = g % 999983;
    return String(y) + '-' + TWO[mo] + '-' + TWO[d] + ' ' + TWO[h] + ':' + TWO[mi] + ':' + TWO[s] + '.' + pad(String(f), 6); });
  g = 0;
  t('buffer', () => { g++; const y = 2024, mo = 1 + (g % 12), d = 1 + (g % 28), h = g % 24, mi = g % 60, s = (g * 7) % 60; let f = g % 999983;
    put2(0, (y / 100) | 0); put2(2, y % 100); scratch[4] = 45; put2(5, mo); scratch[7] = 45; put2(8, d); scratch[10] = 32; put2(11, h); scratch[13] = 58; put2(14, mi); scratch[16] = 58; put2(17, s); scratch[19] = 46;
    for (let i = 25; i >= 20; i--) { scratch[i] = 48 + (f % 10); f = (f / 10) | 0; }
    return scratch.latin1Slice(0, 26); });
}
