/** Bar-chart configuration of class counts: majority classes (at the maximum) vs minority classes. */
import type { ChartConfiguration } from '../charts/chart-setup';
import { cssVar } from '../../lib/theme.svelte';

export function countsConfig(counts: readonly number[]): ChartConfiguration<'bar'> {
  const max = Math.max(0, ...counts);
  const major = cssVar('--accent', '#2f6fdb');
  const minor = cssVar('--warn', '#a86400');
  return {
    type: 'bar',
    data: {
      labels: counts.map((_, c) => `c${c}`),
      datasets: [
        {
          label: 'examples',
          data: counts.slice(),
          backgroundColor: counts.map((n) => (n === max ? major : minor)),
          borderWidth: 0,
          barPercentage: 0.85,
          categoryPercentage: 0.9,
        },
      ],
    },
    options: {
      plugins: { legend: { display: false } },
      scales: {
        x: { title: { display: true, text: 'class' }, grid: { display: false } },
        y: { beginAtZero: true, title: { display: true, text: 'examples' }, ticks: { precision: 0 } },
      },
    },
  };
}
