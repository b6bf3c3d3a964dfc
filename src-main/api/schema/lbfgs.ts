/**
 * Run-config parts of issue 14: the L-BFGS UFM optimiser (joins the UFM optimiser union by name) and the
 * convergence-based stop rule of every UFM run. Imports only zod.
 */
import { z } from 'zod';

export const lbfgsOptimizerSchema = z.strictObject({
  name: z.literal('lbfgs'),
  /** (s, y) pairs kept; memory and checkpoints hold 2 x history x n x d float64 values. */
  history: z.number().int('history must be a whole number').min(1, 'history must be >= 1').max(200, 'history must be <= 200').default(20),
  /** Loss-and-gradient evaluations allowed in one line search. */
  maxLineSearchEvals: z.number().int('maxLineSearchEvals must be a whole number').min(2, 'maxLineSearchEvals must be >= 2').max(200).default(25),
  /**
   * UFM+ only (UFM is always h = normalize(w)): "projected" (the default since config version 5) solves
   * u >= 0, h = u / ||u|| by projected L-BFGS with an active set and support repair (science/support-repair.ts);
   * "squared" (the default of version 4, what every earlier lbfgs run ran) solves h = normalize(w * w) by plain
   * L-BFGS: never trapped, but 3-15x more evaluations (docs/benchmarks.md).
   */
  parametrization: z.enum(['projected', 'squared'], { error: 'parametrization must be "projected" or "squared"' }).default('projected'),
});

export const stopRuleSchema = z.strictObject({
  deltaOFBelow: z.number().positive('deltaOFBelow must be > 0').optional(),
  gapBelow: z.number().positive('gapBelow must be > 0').optional(),
  maxSeconds: z.number().positive('maxSeconds must be > 0').optional(),
});
