/** Y-axis titles: a metric's name and what it measures (loss keys: series-config.ts; the others: lib/metric-info.ts). */
import { metricInfoMeaning, metricName } from '../../lib/metric-info';
import { metricMeaning } from './series-config';

/** The y-axis title of a key: its name and what it measures ("ΔOF: distance from an orthogonal frame (0 = OF)"). */
export function axisTitle(key: string): string {
  const m = metricMeaning(key) ?? metricInfoMeaning(key);
  return m ? `${metricName(key)}: ${m}` : metricName(key);
}

/** The axis title as lines: the name, then the meaning wrapped at about `width` characters (fits a 300 px axis). */
export function axisTitleLines(key: string, width = 34): string[] {
  const m = metricMeaning(key) ?? metricInfoMeaning(key);
  if (!m) return [metricName(key)];
  const lines = [`${metricName(key)}:`];
  let cur = '';
  for (const word of m.split(' ')) {
    if (cur && cur.length + 1 + word.length > width) {
      lines.push(cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  if (cur) lines.push(cur);
  return lines;
}
