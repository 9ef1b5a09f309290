// Canonical values as people read them: the canonical forms of dates and times are counts
// (days, microseconds since 1970 or midnight) that compare exactly; reports show them as ISO text.

const pad = (n: bigint | number, w = 2) => String(n).padStart(w, '0');

function fromMicros(us: bigint, zone: string): string {
  const day = 86_400_000_000n;
  let days = us / day; let rest = us % day;
  if (rest < 0n) { rest += day; days -= 1n; }
  return `${fromDays(days)} ${timeOfDay(rest)}${zone}`;
}

function fromDays(days: bigint): string {
  const d = new Date(Number(days) * 86_400_000);
  const y = d.getUTCFullYear();
  return `${y < 0 ? '-' : ''}${pad(Math.abs(y), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

function timeOfDay(us: bigint): string {
  const s = us / 1_000_000n; const f = us % 1_000_000n;
  return `${pad(s / 3600n)}:${pad((s / 60n) % 60n)}:${pad(s % 60n)}${f ? `.${pad(f, 6)}` : ''}`;
}

/** The readable form of a canonical value of target type `type` (other types: unchanged). */
export function displayValue(value: string | null, type: string): string | null {
  if (value === null || !/^-?\d+$/.test(value)) return value; // NULL, infinities
  try {
    if (type === 'DATE') return fromDays(BigInt(value));
    if (type === 'TIMESTAMP') return fromMicros(BigInt(value), '');
    if (type === 'TIMESTAMPTZ') return fromMicros(BigInt(value), '+00');
    if (type === 'TIME') return timeOfDay(BigInt(value));
  } catch { /* out of the Date range: the count itself */ }
  return value;
}
