/** Lines (+ optional bands) as a Chart.js line-chart configuration with a linear (or log) epoch axis. */
import { withAlpha } from '../../lib/colors';
import type { ChartConfiguration, ChartDataset, RefLine } from './chart-setup';

import type { Line, XY } from '../../lib/chart-line';

export type { Line, XY };

export interface SeriesChartOptions {
  logY?: boolean;
  xLabel?: string;
  yLabel?: string;
  xMin?: number;
  xMax?: number;
  legend?: boolean;
  refLines?: RefLine[];
}

export { metricAxisLabel } from '../../../src-main/api/schema/metric-keys';

const pos = (v: number | null, log: boolean): number | null => (v === null || (log && v <= 0) ? null : v);

export function seriesConfig(lines: readonly Line[], o: SeriesChartOptions = {}): ChartConfiguration<'line'> {
  const log = o.logY === true;
  const datasets: ChartDataset<'line', XY[]>[] = [];
  for (const l of lines) {
    if (l.band && l.band.length) {
      datasets.push({
        label: `${l.label} (band low)`,
        data: l.band.map((b) => ({ x: b.x, y: pos(b.lo, log) })),
        borderWidth: 0,
        pointRadius: 0,
        fill: false,
        backgroundColor: 'transparent',
        borderColor: 'transparent',
      });
      datasets.push({
        label: `${l.label} (band high)`,
        data: l.band.map((b) => ({ x: b.x, y: pos(b.hi, log) })),
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
      data: log ? l.points.map((p) => ({ x: p.x, y: pos(p.y, log) })) : l.points,
      borderColor: l.color,
      backgroundColor: l.color,
      borderWidth: l.width ?? 1.6,
      pointRadius: l.points.length <= 40 ? 2 : 0,
      pointHoverRadius: 3,
      fill: false,
      tension: 0,
    });
  }
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
          type: 'linear',
          min: o.xMin,
          max: o.xMax,
          title: { display: !!o.xLabel, text: o.xLabel ?? '' },
          ticks: { maxTicksLimit: 8 },
        },
        y: {
          type: log ? 'logarithmic' : 'linear',
          title: { display: !!o.yLabel, text: o.yLabel ?? '' },
          ticks: { maxTicksLimit: 6 },
        },
      },
      plugins: {
        legend: {
          display: o.legend ?? lines.length > 1,
          position: 'bottom',
          labels: { boxWidth: 12, boxHeight: 2, filter: (item) => !isBand(item.text) },
        },
        tooltip: { filter: (item) => !isBand(item.dataset.label) },
        sclRefLines: { lines: o.refLines ?? [] },
      },
    },
  };
}
