/** Number, time and value formatting for tables and tooltips. */

export function fmtNum(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined) return '–';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(Math.max(1, digits - 2));
  return Number(v.toPrecision(digits)).toString();
}

export function fmtMeanStd(mean: number | null, std: number | null, digits = 3): string {
  if (mean === null) return '–';
  if (std === null || !Number.isFinite(std)) return fmtNum(mean, digits);
  return `${fmtNum(mean, digits)} ± ${fmtNum(std, 2)}`;
}

export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function fmtDate(ms: number | null | undefined): string {
  if (!ms) return '–';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A config value as one short string (objects as compact JSON). */
export function fmtValue(v: unknown): string {
  if (v === undefined) return '–';
  if (v === null) return 'null';
  if (typeof v === 'number') return String(v); // config values exactly as stored
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return JSON.stringify(v);
}
