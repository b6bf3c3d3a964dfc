/**
 * Convergence-based stopping for UFM runs: `epochs` is a maximum; a run also stops when every given target
 * holds at an evaluation point, or when its wall time passes maxSeconds. Pure (the renderer imports it).
 */
export interface StopRule {
  /** Stop once Delta_OF < this at an evaluation point. */
  deltaOFBelow?: number;
  /** Stop once the optimality gap (loss - L*, UFM+ only) < this at an evaluation point. */
  gapBelow?: number;
  /** Stop before the next epoch once the run (including time before a resume) has taken this long. */
  maxSeconds?: number;
}

/** reached: the targets hold; converged: L-BFGS found a zero gradient (nothing can change any more). */
export type StopReason = 'reached' | 'maxEpochs' | 'maxSeconds' | 'converged';

export function hasTargets(s: StopRule | undefined): boolean {
  return !!s && (s.deltaOFBelow !== undefined || s.gapBelow !== undefined);
}

/** Every given target holds (false when none is given). */
export function targetsMet(s: StopRule | undefined, rec: { deltaOF: number; gap: number | null }): boolean {
  if (!s || !hasTargets(s)) return false;
  if (s.deltaOFBelow !== undefined && !(rec.deltaOF < s.deltaOFBelow)) return false;
  if (s.gapBelow !== undefined && !(rec.gap !== null && rec.gap < s.gapBelow)) return false;
  return true;
}

/** What the run ended at, when known (UFM+ has a closed-form L*; the gap is loss - L*). */
export interface StopFinal {
  gap: number | null;
  optimalLoss: number | null;
  deltaOF?: number;
  /** Projected L-BFGS: support repairs kept (ufm-lbfgs.ts); absent for the other optimisers. */
  repairs?: number;
}

/**
 * Largest gap still read as "at L*" when L-BFGS reports a zero gradient. L-BFGS runs log their float64
 * objective, which at a zero gradient of the OF is L* to ~1e-12 relative; the spurious stationary points of UFM+
 * lie 1e-6 to 1e-2 relative above L* (measured: 0.0136 on L* 6,268; 0.296 on L* ~144). Relative 1e-9 plus an
 * absolute 1e-9 separates the two.
 */
export function atOptimum(gap: number, optimalLoss: number): boolean {
  return gap <= 1e-9 * Math.abs(optimalLoss) + 1e-9;
}

/** One line for the Run page and `scl-lab show`, e.g. "reached Delta_OF < 0.05 at epoch 61". */
export function describeStop(reason: StopReason, stop: StopRule | undefined, epoch: number, epochs: number, final?: StopFinal): string {
  const n = final?.repairs ?? 0;
  const repaired = n > 0 ? `, after ${n} support repair${n === 1 ? '' : 's'} (left ${n === 1 ? 'a spurious stationary point' : 'spurious stationary points'} where class means shared coordinates)` : '';
  return stopLine(reason, stop, epoch, epochs, final) + repaired;
}

function stopLine(reason: StopReason, stop: StopRule | undefined, epoch: number, epochs: number, final?: StopFinal): string {
  switch (reason) {
    case 'reached': {
      const t: string[] = [];
      if (stop?.deltaOFBelow !== undefined) t.push(`Delta_OF < ${stop.deltaOFBelow}`);
      if (stop?.gapBelow !== undefined) t.push(`gap < ${stop.gapBelow}`);
      return `reached ${t.join(' and ')} at epoch ${epoch}`;
    }
    case 'maxEpochs':
      return `ran the maximum of ${epochs} epochs${hasTargets(stop) ? ' without reaching the stop targets' : ''}`;
    case 'maxSeconds':
      return `stopped at the time limit of ${stop?.maxSeconds} s at epoch ${epoch}`;
    case 'converged': {
      const gap = final?.gap ?? null;
      const lStar = final?.optimalLoss ?? null;
      if (gap === null || lStar === null || !Number.isFinite(gap)) {
        return `L-BFGS converged at epoch ${epoch} (zero gradient to float precision)`;
      }
      if (atOptimum(gap, lStar)) return `L-BFGS converged to L* at epoch ${epoch} (zero gradient to float precision)`;
      const dof = final?.deltaOF !== undefined ? `, Delta_OF ${final.deltaOF.toPrecision(3)}` : '';
      const tried = final?.repairs !== undefined ? '; support repair found no way below it' : '';
      return `L-BFGS stopped at epoch ${epoch} at a stationary point that is not the optimum: zero gradient, but the loss is ${gap.toPrecision(3)} above L*${dof}${tried}`;
    }
  }
}
