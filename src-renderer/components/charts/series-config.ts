/** Lines (+ optional bands) as a Chart.js line-chart configuration with a linear (or log) epoch axis. */
import { METRIC_MEANINGS } from '../../../src-main/api/schema/metric-keys';
import { withAlpha } from '../../lib/colors';
import type { ChartConfiguration, ChartDataset, RefLine } from './chart-setup';

import type { Line, XY } from '../../lib/chart-line';

export type { Line, XY };

export interface SeriesChartOptions {
  logY?: boolean;
  logX?: boolean;
  xLabel?: string;
  /** One line, or several (a name, then its meaning wrapped). */
  yLabel?: string | string[];
  xMin?: number;
  xMax?: number;
  legend?: boolean;
  refLines?: RefLine[];
}

export { metricAxisLabel } from '../../../src-main/api/schema/metric-keys';

/** What a loss key means (how it combines an epoch's batches), if it is one of them (one meaning per key: metric-keys.ts). */
export function metricMeaning(key: string): string | undefined {
  return METRIC_MEANINGS[key];
}

/**
 * A log-axis tick: decades and their 2 and 5 as "1e-8", "2e-8", "5e-8" (or plainly between 0.001 and 1e4,
 * "0.01", "500"), the minor ticks unlabelled; never "0.000000010".
 */
export function logTick(v: number): string {
  if (!(v > 0) || !Number.isFinite(v)) return '';
  const e = Math.floor(Math.log10(v) + 1e-9);
  const m = Math.round((v / 10 ** e) * 1000) / 1000;
  if (m !== 1 && m !== 2 && m !== 5) return '';
  if (e >= -3 && e <= 4) return String(Number((m * 10 ** e).toPrecision(3)));
  return `${m}e${e}`;
}

const pos = (v: number | null, log: boolean): number | null => (v === null || (log && v <= 0) ? null : v);

export function seriesConfig(lines: readonly Line[], o: SeriesChartOptions = {}): ChartConfiguration<'line'> {
  const log = o.logY === true;
  const logX = o.logX === true;
  const px = (x: number): number | null => (logX && x <= 0 ? null : x);
  const datasets: ChartDataset<'line', XY[]>[] = [];
  for (const l of lines) {
    if (l.band && l.band.length) {
      datasets.push({
        label: `${l.label} (band low)`,
        data: l.band.filter((b) => px(b.x) !== null).map((b) => ({ x: b.x, y: pos(b.lo, log) })),
        borderWidth: 0,
        pointRadius: 0,
        fill: false,
        backgroundColor: 'transparent',
        borderColor: 'transparent',
      });
      datasets.push({
        label: `${l.label} (band high)`,
        data: l.band.filter((b) => px(b.x) !== null).map((b) => ({ x: b.x, y: pos(b.hi, log) })),
        borderWidth: 0,
        pointRadius: 0,
        fill: '-1',
        backgroundColor: withAlpha(l.color, 0.18),
        borderColor: 'transparent',
      });
    }
    datasets.push({
      label: l.label,
      // linear axis: the points as they are (same array: Chart.js skips re-parsing on label-only updates)
      data: log || logX ? l.points.filter((p) => px(p.x) !== null).map((p) => ({ x: p.x, y: pos(p.y, log) })) : l.points,
      borderColor: l.color,
      backgroundColor: l.color,
      borderWidth: l.width ?? 1.6,
      pointRadius: l.points.length <= 40 && l.legend !== false ? 2 : 0,
      pointHoverRadius: 3,
      fill: false,
      tension: 0,
    });
  }
  const hidden = new Set(lines.filter((l) => l.legend === false).map((l) => l.label));
  const isBand = (label: string | undefined) => !!label && / \(band (low|high)\)$/.test(label);
  return {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      normalized: true,
      spanGaps: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: {
          type: logX ? 'logarithmic' : 'linear',
          min: o.xMin,
          max: o.xMax,
          title: { display: !!o.xLabel, text: o.xLabel ?? '' },
          ticks: logX ? { callback: (v) => logTick(Number(v)) } : { maxTicksLimit: 8 },
        },
        y: {
          type: log ? 'logarithmic' : 'linear',
          title: { display: !!o.yLabel && o.yLabel.length > 0, text: o.yLabel ?? '' },
          ticks: log ? { callback: (v) => logTick(Number(v)) } : { maxTicksLimit: 6 },
        },
      },
      plugins: {
        legend: {
          display: o.legend ?? lines.length > 1,
          position: 'bottom',
          labels: { boxWidth: 12, boxHeight: 2, filter: (item) => !isBand(item.text) && !hidden.has(item.text) },
        },
        tooltip: { filter: (item) => !isBand(item.dataset.label) },
        sclRefLines: { lines: o.refLines ?? [] },
      },
    },
  };
}
