/**
 * A loss, gradient or parameter that became NaN or Infinity stops a run with a message that says WHAT (the loss,
 * the gradient of which layer, the features / weights after an update), WHERE (epoch and step) and advice that
 * follows from the cause: a diverging step wants a smaller lr, an overflow with finite values a larger
 * temperature, non-finite data a look at the data, a NaN gradient from a finite loss is a fault to report.
 */

export type NonFiniteCause =
  /** The parameters blew up in an optimiser update: the step was too large. */
  | 'diverged'
  /** The forward or backward pass overflowed although parameters and data were finite. */
  | 'overflow'
  /** The input batch itself holds NaN or Infinity. */
  | 'data'
  /** A gradient went non-finite from a finite loss with finite parameters and data: a numerical fault. */
  | 'backward';

export interface NonFiniteInfo {
  /** "loss", "gradient of layer dense_Dense1/kernel", "features after the update", ... */
  what: string;
  value: number;
  /** 1-based epoch being trained (the epoch evaluated, for an evaluation). */
  epoch: number;
  /** 1-based step within the epoch and the epoch's steps; null for an evaluation. */
  step: number | null;
  steps: number | null;
  cause: NonFiniteCause;
  /** What else was seen, e.g. "the weights of layer dense_Dense2/kernel had grown to |w| = 3.5e+29". */
  detail?: string;
  lr: number;
  tau: number;
}

export function nonFiniteAdvice(i: Pick<NonFiniteInfo, 'cause' | 'lr' | 'tau'>): string {
  switch (i.cause) {
    case 'diverged':
      return `the optimiser step diverged: try a smaller lr (now ${i.lr})`;
    case 'overflow':
      return `it overflowed with finite parameters and data: try a larger temperature (now ${i.tau})${i.tau >= 0.5 ? ' or a smaller lr' : ''}`;
    case 'backward':
      return 'the backward pass made it from a finite loss, finite parameters and finite data: a numerical fault in the model, not an lr or temperature problem; please report it with this config';
    case 'data':
      return 'the input batch holds NaN or Infinity values: check the dataset (lr and temperature are not the cause)';
  }
}

/** Thrown by the trainers; the run fails with its message. (Named for the loss, kept for every non-finite value.) */
export class NonFiniteLossError extends Error {
  readonly epoch: number;
  readonly value: number;
  constructor(readonly info: NonFiniteInfo) {
    const where = info.step === null ? `at the evaluation after epoch ${info.epoch}` : `at epoch ${info.epoch}, step ${info.step} of ${info.steps}`;
    super(`the ${info.what} became ${info.value} ${where}${info.detail ? ` (${info.detail})` : ''}: the run was stopped; ${nonFiniteAdvice(info)}`);
    this.name = 'NonFiniteLossError';
    this.epoch = info.epoch;
    this.value = info.value;
  }
}

/** The first non-finite entry of an array, or null. */
export function firstNonFinite(a: ArrayLike<number>): number | null {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return a[i];
  return null;
}
