/** Values derived from a run config: its class counts, and closed-form reference values (spec section 3). */
import { previewCounts } from './counts';

export function counts(config: Record<string, unknown>): number[] | null {
  const imb = config.imbalance;
  return typeof imb === 'object' && imb !== null ? previewCounts(imb as Record<string, unknown>, config.classes) : null;
}

/** Delta_OF of a perfect simplex ETF: sqrt(2 - 2 sqrt((k-1)/k)) (0.5176 for k = 4). */
export function etfDeltaOF(k: number): number {
  return Math.sqrt(2 - 2 * Math.sqrt((k - 1) / k));
}
