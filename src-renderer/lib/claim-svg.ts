/**
 * The claim figure as a self-contained SVG (the "SVG" export): title, one panel per facet with axes, ticks,
 * axis titles, reference lines, every seed's dot, each cell's median and band, and a legend. Drawn from the same
 * geometry (buildFigure) as the page's charts.
 */
import { compact, logTick, nText, BANDS, type Band, type Figure, type Summary } from './claim';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const r1 = (v: number) => Math.round(v * 10) / 10;

function niceTicks(lo: number, hi: number, n = 6): number[] {
  const span = hi - lo || 1;
  const step0 = 10 ** Math.floor(Math.log10(span / n));
  const k = [1, 2, 5, 10].find((m) => span / (m * step0) <= n) ?? 10;
  const step = k * step0;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function logTicks(lo: number, hi: number): { value: number; label: string }[] {
  const decades = Math.log10(hi / lo);
  const out: { value: number; label: string }[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++)
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      const label = v >= lo && v <= hi ? logTick(v, decades) : null;
      if (label) out.push({ value: v, label });
    }
  return out;
}

export interface SvgOptions {
  title: string;
  band: Band;
  logy: boolean;
  width?: number;
  panelHeight?: number;
}

export function claimSvg(s: Summary, fig: Figure, o: SvgOptions): string {
  const cols = fig.facets.length > 1 ? 2 : 1;
  const rows = Math.ceil(fig.facets.length / cols);
  const W = o.width ?? (cols === 1 ? 900 : 1300);
  const legendH = 22 + 18 * Math.ceil(fig.facets[0]!.groups.length / 3);
  const PH = o.panelHeight ?? 380;
  const top = 58;
  const H = top + legendH + rows * PH + 10;
  const pw = W / cols;
  const m = { l: 70, r: 20, t: 28, b: 48 };
  const logy = o.logy && fig.logRange !== null;
  const [y0, y1] = logy ? fig.logRange! : [fig.yMin, fig.yMax];
  const ty = (y: number, y0: number, y1: number) => (logy ? (Math.log10(y) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0)) : (y - y0) / (y1 - y0));
  const tx = (x: number) => (fig.xKind === 'log' ? (Math.log10(x) - Math.log10(fig.xMin)) / (Math.log10(fig.xMax) - Math.log10(fig.xMin)) : (x - fig.xMin) / (fig.xMax - fig.xMin));
  const p: string[] = [];
  p.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif" role="img" aria-label="${esc(o.title)}">`);
  p.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  p.push(`<text x="16" y="24" font-size="16" font-weight="600" fill="#111">${esc(o.title)}</text>`);
  p.push(`<text x="16" y="44" font-size="12" fill="#444">${esc(`dots: every seed; line and marker: median; band: ${BANDS[o.band]}; ${nText(fig)}`)}</text>`);
  // legend
  fig.facets[0]!.groups.forEach((g, i) => {
    const lx = 16 + (i % 3) * 300, ly = top + 8 + Math.floor(i / 3) * 18;
    p.push(`<circle cx="${lx + 6}" cy="${ly}" r="4.5" fill="${g.color}" fill-opacity="0.75"/><line x1="${lx + 16}" x2="${lx + 34}" y1="${ly}" y2="${ly}" stroke="${g.color}" stroke-width="3"/>`);
    p.push(`<text x="${lx + 40}" y="${ly + 4}" font-size="12" fill="#222">${esc(g.label)}</text>`);
  });
  const yTicks = logy ? logTicks(y0, y1) : niceTicks(y0, y1).map((v) => ({ value: v, label: compact(v) }));
  const xTicks =
    fig.xKind === 'log' && fig.xTicks.length > 12 ? logTicks(fig.xMin, fig.xMax) : fig.xTicks.map((t) => ({ value: t.value, label: fig.xKind === 'category' ? t.label : compact(t.value) }));
  fig.facets.forEach((f, fi) => {
    const ox = (fi % cols) * pw, oy = top + legendH + Math.floor(fi / cols) * PH;
    const L = ox + m.l, R = ox + pw - m.r, T = oy + m.t, B = oy + PH - m.b;
    const X = (x: number) => r1(L + tx(x) * (R - L));
    const Y = (y: number) => r1(B - ty(y, y0, y1) * (B - T));
    if (f.title) p.push(`<text x="${(L + R) / 2}" y="${oy + 16}" font-size="13" font-weight="600" text-anchor="middle" fill="#222">${esc(f.title)}</text>`);
    for (const t of yTicks) {
      p.push(`<line x1="${L}" x2="${R}" y1="${Y(t.value)}" y2="${Y(t.value)}" stroke="#e6e6e6"/>`);
      p.push(`<text x="${L - 6}" y="${Y(t.value) + 4}" font-size="11" text-anchor="end" fill="#444">${esc(t.label)}</text>`);
    }
    for (const t of xTicks) p.push(`<text x="${X(t.value)}" y="${B + 16}" font-size="11" text-anchor="middle" fill="#444">${esc(t.label)}</text>`);
    p.push(`<rect x="${L}" y="${T}" width="${R - L}" height="${B - T}" fill="none" stroke="#999"/>`);
    p.push(`<text x="${(L + R) / 2}" y="${B + 36}" font-size="12" text-anchor="middle" fill="#222">${esc(`${s.x.field}${fig.xKind === 'log' ? ' (log scale)' : ''}`)}</text>`);
    const yl = `${s.metric.axisLabel}${logy ? ' (log scale)' : ''}`;
    p.push(`<text x="${ox + 16}" y="${(T + B) / 2}" font-size="12" text-anchor="middle" fill="#222" transform="rotate(-90 ${ox + 16} ${(T + B) / 2})">${esc(yl)}</text>`);
    for (const ref of s.metric.refs) {
      if (ref.value < y0 || ref.value > y1 || (logy && ref.value <= 0)) continue;
      p.push(`<line x1="${L}" x2="${R}" y1="${Y(ref.value)}" y2="${Y(ref.value)}" stroke="#666" stroke-dasharray="5 4"/>`);
      p.push(`<text x="${R - 4}" y="${Y(ref.value) - 4}" font-size="10" text-anchor="end" fill="#555">${esc(ref.label)}</text>`);
    }
    for (const g of f.groups) {
      for (const mk of g.marks) {
        if (mk.band) {
          const x = X(mk.x);
          p.push(`<line x1="${x}" x2="${x}" y1="${Y(mk.band[0])}" y2="${Y(mk.band[1])}" stroke="${g.color}" stroke-width="2" stroke-opacity="0.55"/>`);
          for (const yb of mk.band) p.push(`<line x1="${x - 6}" x2="${x + 6}" y1="${Y(yb)}" y2="${Y(yb)}" stroke="${g.color}" stroke-width="2" stroke-opacity="0.55"/>`);
          if (mk.mean !== null && (!logy || mk.mean > 0)) {
            const ym = Y(mk.mean);
            p.push(`<path d="M${x},${r1(ym - 5)}L${r1(x + 5)},${ym}L${x},${r1(ym + 5)}L${r1(x - 5)},${ym}Z" fill="${g.color}"><title>mean ${mk.mean}</title></path>`);
          }
        }
      }
      const med = g.marks.filter((mk) => mk.median !== null && (!logy || mk.median > 0));
      if (fig.xKind !== 'category' && med.length > 1) {
        p.push(`<path d="${med.map((mk, i) => `${i ? 'L' : 'M'}${X(mk.x)},${Y(mk.median!)}`).join('')}" fill="none" stroke="${g.color}" stroke-width="2"/>`);
      }
      for (const mk of med) p.push(`<line x1="${X(mk.x) - 10}" x2="${X(mk.x) + 10}" y1="${Y(mk.median!)}" y2="${Y(mk.median!)}" stroke="${g.color}" stroke-width="3.5"/>`);
      for (const d of g.dots) {
        if (logy && d.y <= 0) continue;
        p.push(`<circle cx="${X(d.x)}" cy="${Y(d.y)}" r="4" fill="${g.color}" fill-opacity="0.7" stroke="#fff" stroke-width="0.8"><title>${esc(`run ${d.runId}, seed ${d.seed}: ${d.y}`)}</title></circle>`);
      }
      for (const mk of g.marks) {
        if (mk.cell.n < fig.nMax && mk.median !== null) p.push(`<text x="${X(mk.x) + 8}" y="${Y(mk.median) - 6}" font-size="10" fill="${g.color}">n=${mk.cell.n}</text>`);
      }
    }
  });
  p.push('</svg>');
  return p.join('\n');
}

