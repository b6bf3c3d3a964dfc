/** Save text or a canvas as a file (Blob + object URL; no remote content, CSP-safe). */

export function downloadText(filename: string, content: string, mime = 'text/plain'): void {
  downloadBlob(filename, new Blob([content], { type: mime }));
}

export function downloadBlob(filename: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A canvas as PNG (its pixels as drawn, background included). */
export function downloadCanvas(filename: string, canvas: HTMLCanvasElement): void {
  const a = document.createElement('a');
  a.href = canvas.toDataURL('image/png');
  a.download = filename.endsWith('.png') ? filename : `${filename}.png`;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

export interface FigureInfo {
  title: string;
  /** Lines under the title: what is drawn (e.g. "mean of 3 seeds"), the runs of each line. */
  notes?: string[];
  /** A diverging colour bar under the chart (heatmaps): its range and marked values. */
  colorbar?: { range: number; marks: { v: number; label: string }[]; color: (v: number, range: number) => string };
}

/**
 * A figure for export: the chart's canvas (axes, axis titles and legend as drawn) with the title and notes
 * above it and, for a heatmap, its colour bar with the marked references below; same pixel ratio as the chart.
 */
export function composeFigure(canvas: HTMLCanvasElement, info: FigureInfo, bg = '#ffffff', fg = '#1d2329'): HTMLCanvasElement {
  const ratio = canvas.width / Math.max(1, canvas.clientWidth || canvas.width);
  const px = (v: number) => Math.round(v * ratio);
  const notes = info.notes ?? [];
  const pad = px(12);
  const head = pad + px(20) + notes.length * px(16) + px(6);
  const bar = info.colorbar ? px(48) : 0;
  const out = document.createElement('canvas');
  out.width = canvas.width + 2 * pad;
  out.height = head + canvas.height + bar + pad;
  const ctx = out.getContext('2d');
  if (!ctx) return canvas;
  ctx.fillStyle = bg;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = fg;
  ctx.textBaseline = 'top';
  ctx.font = `600 ${px(15)}px system-ui, sans-serif`;
  ctx.fillText(info.title, pad, pad);
  ctx.font = `${px(12)}px system-ui, sans-serif`;
  notes.forEach((n, i) => ctx.fillText(n, pad, pad + px(22) + i * px(16), out.width - 2 * pad));
  ctx.drawImage(canvas, pad, head);
  if (info.colorbar) {
    const { range, marks, color } = info.colorbar;
    const w = Math.min(canvas.width, px(320));
    const x0 = pad + (canvas.width - w) / 2;
    const y0 = head + canvas.height + px(8);
    for (let i = 0; i < w; i++) {
      ctx.fillStyle = color(-range + (2 * range * i) / (w - 1), range);
      ctx.fillRect(x0 + i, y0, 1, px(10));
    }
    ctx.fillStyle = fg;
    ctx.font = `${px(11)}px system-ui, sans-serif`;
    const at = (v: number) => x0 + ((v + range) / (2 * range)) * w;
    ctx.textAlign = 'center';
    ctx.fillText(`−${range}`, x0, y0 + px(14));
    ctx.fillText(`+${range}`, x0 + w, y0 + px(14));
    marks.forEach((m, i) => {
      const x = at(m.v);
      ctx.fillRect(x, y0 - px(2), Math.max(1, px(1)), px(14));
      ctx.fillText(`${m.label} ${Number(m.v.toFixed(3))}`, x, y0 + px(14) + (i % 2) * px(13) + px(12));
    });
    ctx.textAlign = 'left';
  }
  return out;
}

export function safeFilename(s: string): string {
  return s.replace(/[^a-z0-9._-]+/gi, '_').replace(/^_+|_+$/g, '') || 'chart';
}
