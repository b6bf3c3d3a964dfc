/** A k x k matrix (row-major) as a chartjs-chart-matrix heatmap with a diverging colour map centred on 0. */
import type { Chart, ChartConfiguration, Plugin } from 'chart.js';
import { diverging, textOn } from '../../lib/colors';

export interface Cell {
  x: string;
  y: string;
  v: number;
}

/** Writes each cell's value when the cells are big enough to read. */
const cellLabels = (range: number): Plugin<'matrix'> => ({
  id: 'sclCellLabels',
  afterDatasetsDraw(chart: Chart) {
    const meta = chart.getDatasetMeta(0);
    const data = chart.data.datasets[0]?.data as Cell[] | undefined;
    if (!data || !meta?.data.length) return;
    const el = meta.data[0] as unknown as { width: number; height: number };
    if (!el || el.width < 26 || el.height < 16) return;
    const { ctx } = chart;
    ctx.save();
    ctx.font = `${Math.min(12, Math.floor(el.height / 2.2))}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    meta.data.forEach((e, i) => {
      const c = data[i]!;
      const p = e.getProps(['x', 'y', 'width', 'height'], true) as { x: number; y: number; width: number; height: number };
      ctx.fillStyle = textOn(c.v, range);
      ctx.fillText((Math.abs(c.v) < 0.005 ? 0 : c.v).toFixed(2), p.x + p.width / 2, p.y + p.height / 2);
    });
    ctx.restore();
  },
});

/**
 * `compact`: a small multiple (no axes, no cell labels, no tooltip title) for a strip of per-seed heatmaps.
 */
export function heatmapConfig(
  data: readonly number[],
  k: number,
  order: readonly number[],
  labels: readonly string[],
  range = 1,
  compact = false,
): ChartConfiguration<'matrix'> {
  const cells: Cell[] = [];
  for (const i of order) for (const j of order) cells.push({ x: labels[j]!, y: labels[i]!, v: data[i * k + j]! });
  const axisLabels = order.map((i) => labels[i]!);
  return {
    type: 'matrix',
    data: {
      datasets: [
        {
          label: 'cosine',
          data: cells,
          backgroundColor: (c) => diverging((c.raw as Cell | undefined)?.v ?? null, range),
          borderColor: 'rgba(128,128,128,0.25)',
          borderWidth: compact ? 0 : 1,
          width: ({ chart }) => (chart.chartArea?.width ?? 0) / k - (compact ? 0 : 1),
          height: ({ chart }) => (chart.chartArea?.height ?? 0) / k - (compact ? 0 : 1),
        },
      ],
    },
    options: {
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: () => '',
            label: (c) => {
              const v = c.raw as Cell;
              return `cos(${v.y}, ${v.x}) = ${v.v.toFixed(4)}`;
            },
          },
        },
      },
      scales: {
        x: { type: 'category', labels: axisLabels, offset: true, display: !compact, grid: { display: false }, ticks: { maxRotation: 60, autoSkip: true } },
        y: { type: 'category', labels: axisLabels, offset: true, display: !compact, reverse: false, grid: { display: false }, ticks: { autoSkip: true } },
      },
    },
    plugins: compact ? [] : [cellLabels(range)],
  };
}
