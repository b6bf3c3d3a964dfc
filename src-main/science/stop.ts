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

/** One line for the Run page and `scl-lab show`, e.g. "reached Delta_OF < 0.05 at epoch 61". */
export function describeStop(reason: StopReason, stop: StopRule | undefined, epoch: number, epochs: number): string {
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
    case 'converged':
      return `L-BFGS converged at epoch ${epoch} (zero gradient to float precision)`;
  }
}
