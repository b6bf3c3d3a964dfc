/** Colours: a categorical palette for runs and a diverging map centred on 0 for cosines in [-1, 1]. */

const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#8c8c8c'];

export function seriesColor(i: number): string {
  if (i < PALETTE.length) return PALETTE[i]!;
  const hue = (i * 137.508) % 360; // golden angle: distinct hues for many runs
  return `hsl(${hue.toFixed(0)} 55% 52%)`;
}

export function withAlpha(color: string, a: number): string {
  if (color.startsWith('#') && color.length === 7) {
    const v = parseInt(color.slice(1), 16);
    return `rgba(${(v >> 16) & 255}, ${(v >> 8) & 255}, ${v & 255}, ${a})`;
  }
  if (color.startsWith('hsl(')) return color.replace(')', ` / ${a})`);
  return color;
}

// RdBu (ColorBrewer), blue = -1, white = 0, red = +1
const STOPS: [number, [number, number, number]][] = [
  [-1, [33, 102, 172]],
  [-0.5, [103, 169, 207]],
  [0, [247, 247, 247]],
  [0.5, [239, 138, 98]],
  [1, [178, 24, 43]],
];

/** Diverging colour of v in [-range, range], white at 0. */
export function diverging(v: number | null, range = 1): string {
  if (v === null || !Number.isFinite(v)) return 'rgba(128,128,128,0.4)';
  const x = Math.max(-1, Math.min(1, v / range));
  for (let i = 1; i < STOPS.length; i++) {
    const [x1, c1] = STOPS[i]!;
    const [x0, c0] = STOPS[i - 1]!;
    if (x <= x1) {
      const t = (x - x0) / (x1 - x0);
      const c = c0.map((a, j) => Math.round(a + (c1[j]! - a) * t));
      return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
    }
  }
  return 'rgb(178, 24, 43)';
}

/** Dark or light text on a diverging cell. */
export function textOn(v: number | null, range = 1): string {
  return v !== null && Math.abs(v / range) > 0.6 ? '#fff' : '#222';
}
