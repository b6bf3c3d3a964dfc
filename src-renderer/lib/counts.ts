/**
 * Class counts of an imbalance profile, for the form's live preview (the server's `runs.validate` returns
 * the authoritative counts, computed by the science core; this mirrors spec section 4 so the chart follows
 * every keystroke).
 */
function floorExact(x: number): number {
  return Math.floor(x + 1e-9 * Math.max(1, Math.abs(x)));
}

const ok = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function previewCounts(imb: Record<string, unknown>, k: unknown): number[] | null {
  if (imb.profile === 'custom') {
    const c = Array.isArray(imb.counts) ? imb.counts : [];
    return c.every(ok) && c.length > 0 ? (c as number[]).slice() : null;
  }
  if (!ok(k) || k < 1 || k > 10_000 || !Number.isInteger(k) || !ok(imb.nMax)) return null;
  const nMax = imb.nMax;
  switch (imb.profile) {
    case 'balanced':
      return Array.from({ length: k }, () => nMax);
    case 'step': {
      if (!ok(imb.ratio) || imb.ratio <= 0) return null;
      const rho = ok(imb.minorityFraction) ? imb.minorityFraction : 0.5;
      const nMajor = k - floorExact(rho * k);
      const minor = floorExact(nMax / imb.ratio);
      return Array.from({ length: k }, (_, c) => (c < nMajor ? nMax : minor));
    }
    case 'long-tail': {
      if (!ok(imb.ratio) || imb.ratio <= 0) return null;
      const r = imb.ratio;
      return Array.from({ length: k }, (_, c) => (k === 1 ? nMax : floorExact(nMax * Math.pow(r, -c / (k - 1)))));
    }
    default:
      return null;
  }
}
