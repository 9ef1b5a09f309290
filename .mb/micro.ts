const b = Buffer.from('xxcustomer 1000yy');
const N = 2e6;
function t(name: string, f: () => unknown) { const t0 = process.hrtime.bigint(); let x: unknown; for (let i = 0; i < N; i++) x = f(); console.log(name, (Number(process.hrtime.bigint() - t0) / N).toFixed(1), 'ns', String(x).slice(0, 30)); }
const anyb = b as unknown as { utf8Slice(a: number, c: number): string; latin1Slice(a: number, c: number): string };
for (let k = 0; k < 2; k++) {
t('toString', () => b.toString('utf8', 2, 15));
t('utf8Slice', () => anyb.utf8Slice(2, 15));
t('latin1Slice', () => anyb.latin1Slice(2, 15));
let g = 1000;
t('String(big)', () => String((g++) * 1000003));
g = 1000;
t('split', () => { const v = (g++) * 1000003; const hi = Math.floor(v / 1e9); const lo = v - hi * 1e9; return hi === 0 ? String(lo) : String(hi) + String(lo).padStart(9, '0'); });
g = 1000;
t('String(smi)', () => String(g++));
let d = 1;
t('String(double)', () => String((d++) / 7));
}
