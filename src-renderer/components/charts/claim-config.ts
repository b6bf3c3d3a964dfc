/**
 * One facet of the claim figure as a Chart.js configuration: a dot per seed, the median per cell (a wide
 * marker, joined across a numeric x), the band drawn as a whisker by a chart-local plugin, the metric's
 * reference lines, readable ticks on log axes.
 */
import { withAlpha } from '../../lib/colors';
import { compact, logTick, type Facet, type Figure } from '../../lib/claim';
import type { Plugin } from 'chart.js';
import type { ChartConfiguration } from './chart-setup';

interface Whisker {
  x: number;
  lo: number;
  hi: number;
  color: string;
  n: number | null;
  median: number | null;
  mean: number | null;
}

/** Draws each cell's band as a vertical whisker with caps, and "n=.." at cells with fewer seeds than the most. */
function whiskers(list: Whisker[]): Plugin<'line'> {
  return {
    id: 'claimWhiskers',
    beforeDatasetsDraw(chart) {
      const { ctx, scales } = chart;
      const xs = scales.x!, ys = scales.y!;
      ctx.save();
      ctx.lineWidth = 2;
      for (const w of list) {
        const x = xs.getPixelForValue(w.x);
        const y0 = ys.getPixelForValue(w.lo), y1 = ys.getPixelForValue(w.hi);
        if (![x, y0, y1].every(Number.isFinite)) continue;
        ctx.strokeStyle = withAlpha(w.color, 0.6);
        ctx.beginPath();
        ctx.moveTo(x, y0);
        ctx.lineTo(x, y1);
        ctx.moveTo(x - 6, y0);
        ctx.lineTo(x + 6, y0);
        ctx.moveTo(x - 6, y1);
        ctx.lineTo(x + 6, y1);
        ctx.stroke();
        if (w.mean !== null) {
          const ym = ys.getPixelForValue(w.mean);
          ctx.fillStyle = w.color;
          ctx.beginPath();
          ctx.moveTo(x, ym - 5);
          ctx.lineTo(x + 5, ym);
          ctx.lineTo(x, ym + 5);
          ctx.lineTo(x - 5, ym);
          ctx.closePath();
          ctx.fill();
        }
      }
      ctx.font = '10px system-ui, sans-serif';
      for (const w of list) {
        if (w.n === null || w.median === null) continue;
        ctx.fillStyle = w.color;
        ctx.fillText(`n=${w.n}`, xs.getPixelForValue(w.x) + 9, ys.getPixelForValue(w.median) - 6);
      }
      ctx.restore();
    },
    // what was drawn, for tests and tools: every seed's dot with its pixel position (data-dots on the canvas)
    afterDatasetsDraw(chart) {
      const dots = chart.data.datasets.flatMap((ds, i) =>
        String(ds.label).endsWith(' median')
          ? []
          : chart.getDatasetMeta(i).data.map((el, j) => {
              const raw = ds.data[j] as unknown as { y: number; runId: number; seed: number };
              return { px: Math.round(el.x), py: Math.round(el.y), runId: raw.runId, seed: raw.seed, value: raw.y, group: ds.label };
            }),
      );
      chart.canvas.dataset.dots = JSON.stringify(dots);
    },
  };
}

export interface ClaimChartOptions {
  xLabel: string;
  yLabel: string;
  logy: boolean;
  refs: { value: number; label: string }[];
  /** Show the colour legend (off when there is one group). */
  legend: boolean;
}

export function claimChartConfig(fig: Figure, facet: Facet, o: ClaimChartOptions): ChartConfiguration<'line'> {
  const logy = o.logy && fig.logRange !== null;
  const [y0, y1] = logy ? fig.logRange! : [fig.yMin, fig.yMax];
  const datasets: ChartConfiguration<'line'>['data']['datasets'] = [];
  const list: Whisker[] = [];
  for (const g of facet.groups) {
    datasets.push({
      label: g.label,
      data: g.dots.map((d) => ({ x: d.x, y: d.y, runId: d.runId, seed: d.seed })) as never,
      showLine: false,
      pointRadius: 4.5,
      pointHoverRadius: 6,
      backgroundColor: withAlpha(g.color, 0.72),
      borderColor: '#ffffff',
      borderWidth: 0.8,
    });
    const med = g.marks.filter((m) => m.median !== null);
    datasets.push({
      label: `${g.label} median`,
      data: med.map((m) => ({ x: m.x, y: m.median! })),
      showLine: fig.xKind !== 'category',
      borderColor: g.color,
      backgroundColor: g.color,
      borderWidth: 2,
      pointStyle: 'line',
      pointRadius: 11,
      pointBorderWidth: 3.5,
      pointHoverRadius: 12,
      tension: 0,
    });
    for (const m of g.marks)
      if (m.band) list.push({ x: m.x, lo: m.band[0], hi: m.band[1], color: g.color, n: m.cell.n < fig.nMax ? m.cell.n : null, median: m.median, mean: m.mean });
  }
  const decades = fig.xKind === 'log' ? Math.log10(fig.xMax / fig.xMin) : 0;
  const fewX = fig.xTicks.length <= 12;
  const xTick = new Map(fig.xTicks.map((t) => [t.value, t.label]));
  const yDecades = logy ? Math.log10(y1 / y0) : 0;
  return {
    type: 'line',
    data: { datasets },
    plugins: [whiskers(list)],
    options: {
      interaction: { mode: 'nearest', intersect: true },
      scales: {
        x: {
          type: fig.xKind === 'log' ? 'logarithmic' : 'linear',
          min: fig.xMin,
          max: fig.xMax,
          title: { display: true, text: `${o.xLabel}${fig.xKind === 'log' ? ' (log scale)' : ''}`, font: { size: 12 } },
          grid: { display: fig.xKind !== 'category' },
          // the x values themselves are the ticks (1, 10, 100; or the category names)
          afterBuildTicks: (axis) => {
            if (fewX || fig.xKind === 'category') axis.ticks = fig.xTicks.map((t) => ({ value: t.value }));
          },
          ticks: {
            autoSkip: false,
            maxRotation: 0,
            font: { size: 12 },
            callback: (v) => {
              const n = Number(v);
              if (xTick.has(n)) return fig.xKind === 'category' ? xTick.get(n)! : compact(n);
              return fig.xKind === 'log' ? logTick(n, decades) : compact(n);
            },
          },
        },
        y: {
          type: logy ? 'logarithmic' : 'linear',
          min: y0,
          max: y1,
          title: { display: true, text: `${o.yLabel}${logy ? ' (log scale)' : ''}`, font: { size: 12 } },
          ticks: { font: { size: 11 }, includeBounds: false, callback: (v) => (logy ? logTick(Number(v), yDecades) : compact(Number(v))) },
        },
      },
      plugins: {
        legend: {
          display: o.legend,
          position: 'top',
          labels: { filter: (item) => !item.text.endsWith(' median'), usePointStyle: true, boxWidth: 8, font: { size: 12 } },
        },
        tooltip: {
          filter: (item) => !String(item.dataset.label).endsWith(' median'),
          callbacks: {
            label: (item) => {
              const raw = item.raw as { y: number; runId?: number; seed?: number };
              return `${item.dataset.label}: run ${raw.runId}, seed ${raw.seed}: ${compact(raw.y)}`;
            },
          },
        },
        sclRefLines: { lines: o.refs.filter((r) => !logy || r.value > 0).map((r) => ({ axis: 'y' as const, value: r.value, label: r.label })) },
      },
    },
  };
}
