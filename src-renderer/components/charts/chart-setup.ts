/**
 * Chart.js, registered once with only what the app draws (tree-shaken), plus two small plugins:
 * `sclBackground` paints the theme's background (so PNG exports are not transparent) and `sclRefLines`
 * draws labelled reference lines (e.g. ETF -1/(k-1) and OF 0).
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartOptions,
  type Plugin,
} from 'chart.js';
import { MatrixController, MatrixElement } from 'chartjs-chart-matrix';
import { cssVar } from '../../lib/theme.svelte';

export interface RefLine {
  axis: 'x' | 'y';
  value: number;
  label?: string;
  color?: string;
  dash?: number[];
}

declare module 'chart.js' {
  interface PluginOptionsByType<TType> {
    sclBackground?: { color?: string };
    sclRefLines?: { lines?: RefLine[] };
  }
}

const background: Plugin = {
  id: 'sclBackground',
  beforeDraw(chart, _args, opts: { color?: string }) {
    const { ctx } = chart;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = opts.color ?? cssVar('--surface', '#fff');
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

const refLines: Plugin = {
  id: 'sclRefLines',
  afterDatasetsDraw(chart, _args, opts: { lines?: RefLine[] }) {
    const lines = opts.lines ?? [];
    if (!lines.length) return;
    const { ctx, chartArea: a } = chart;
    ctx.save();
    ctx.font = '11px system-ui, sans-serif';
    lines.forEach((l, i) => {
      const scale = chart.scales[l.axis];
      if (!scale) return;
      const p = scale.getPixelForValue(l.value);
      if (!Number.isFinite(p)) return;
      ctx.strokeStyle = l.color ?? cssVar('--ref', '#888');
      ctx.fillStyle = ctx.strokeStyle;
      ctx.setLineDash(l.dash ?? [5, 4]);
      ctx.lineWidth = 1.25;
      ctx.beginPath();
      if (l.axis === 'x') {
        if (p < a.left - 1 || p > a.right + 1) return;
        ctx.moveTo(p, a.top);
        ctx.lineTo(p, a.bottom);
        ctx.stroke();
        // labels of neighbouring lines on alternating rows
        if (l.label) ctx.fillText(l.label, Math.min(p + 3, a.right - ctx.measureText(l.label).width), a.top + 11 + (i % 2) * 13);
      } else {
        if (p < a.top - 1 || p > a.bottom + 1) return;
        ctx.moveTo(a.left, p);
        ctx.lineTo(a.right, p);
        ctx.stroke();
        if (l.label) ctx.fillText(l.label, a.right - ctx.measureText(l.label).width - 2, p - 3);
      }
    });
    ctx.restore();
  },
};

Chart.register(
  LineController,
  LineElement,
  PointElement,
  BarController,
  BarElement,
  LinearScale,
  LogarithmicScale,
  CategoryScale,
  Filler,
  Tooltip,
  Legend,
  MatrixController,
  MatrixElement,
  background,
  refLines,
);

/** Theme colours into Chart.js defaults; call before creating or updating charts. */
export function applyThemeDefaults(): void {
  Chart.defaults.color = cssVar('--fg-muted', '#666');
  Chart.defaults.borderColor = cssVar('--grid', 'rgba(0,0,0,0.1)');
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  Chart.defaults.font.size = 11;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.responsive = true;
}

/** Options common to every chart (no animation: live updates use update('none')). */
export function baseOptions(): ChartOptions {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    plugins: { sclBackground: { color: cssVar('--surface', '#fff') } },
  };
}

export { Chart };
export type { ChartConfiguration, ChartDataset, ChartOptions, ChartType } from 'chart.js';
