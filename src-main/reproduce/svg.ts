/** A small, dependency-free SVG line chart for the self-contained HTML report. */
export interface Line {
  label: string;
  points: [number, number][];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function niceTicks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || 1;
  const step = Math.pow(10, Math.floor(Math.log10(span / n)));
  const k = [1, 2, 5, 10].find((m) => span / (m * step) <= n) ?? 10;
  const s = k * step;
  const out: number[] = [];
  for (let v = Math.ceil(lo / s) * s; v <= hi + 1e-12; v += s) out.push(Number(v.toPrecision(12)));
  return out;
}

export function lineChart(lines: Line[], opts: { title: string; xLabel: string; yLabel: string; refs?: { y: number; label: string }[]; width?: number; height?: number }): string {
  const W = opts.width ?? 720, H = opts.height ?? 320;
  const m = { l: 60, r: 200, t: 30, b: 40 };
  const all = lines.flatMap((l) => l.points).filter(([, y]) => Number.isFinite(y));
  const xs = all.map(([x]) => x), ys = all.map(([, y]) => y).concat((opts.refs ?? []).map((r) => r.y));
  const x0 = Math.min(0, ...xs), x1 = Math.max(1, ...xs);
  const y0 = Math.min(0, ...ys), y1 = Math.max(...ys, y0 + 1e-9);
  const px = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(opts.title)}">`);
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(`<text x="${m.l}" y="18" font-size="14" font-weight="600">${esc(opts.title)}</text>`);
  for (const t of niceTicks(y0, y1)) {
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${py(t)}" y2="${py(t)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.l - 6}" y="${py(t) + 4}" font-size="11" text-anchor="end">${t}</text>`);
  }
  for (const t of niceTicks(x0, x1)) parts.push(`<text x="${px(t)}" y="${H - m.b + 16}" font-size="11" text-anchor="middle">${t}</text>`);
  parts.push(`<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#333"/><line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#333"/>`);
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 6}" font-size="12" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  parts.push(`<text x="14" y="${(m.t + H - m.b) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${(m.t + H - m.b) / 2})">${esc(opts.yLabel)}</text>`);
  for (const r of opts.refs ?? []) {
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${py(r.y)}" y2="${py(r.y)}" stroke="#555" stroke-dasharray="5 4"/>`);
    parts.push(`<text x="${W - m.r - 4}" y="${py(r.y) - 4}" font-size="10" text-anchor="end" fill="#555">${esc(r.label)}</text>`);
  }
  lines.forEach((l, i) => {
    const c = COLORS[i % COLORS.length];
    const d = l.points.filter(([, y]) => Number.isFinite(y)).map(([x, y], j) => `${j ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('');
    if (d) parts.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="2"/>`);
    parts.push(`<rect x="${W - m.r + 12}" y="${m.t + i * 18}" width="12" height="3" fill="${c}"/><text x="${W - m.r + 30}" y="${m.t + i * 18 + 5}" font-size="11">${esc(l.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
