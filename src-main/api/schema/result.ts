/** The result object of a run: what `scl-lab run --json` prints and what the store keeps as result_json. */
import { z } from 'zod';
import { runConfigSchema } from './config';

const num = z.number();
const nullableNum = z.number().nullable();

export const evalRecordSchema = z.object({
  epoch: z.number().int().nonnegative(),
  /** null where there is no training loss (imported embeddings; a deep run before its first epoch). */
  loss: nullableNum,
  optimalLoss: nullableNum,
  gap: nullableNum,
  deltaOF: num,
  deltaETF: num,
  nc1: num,
  cosMean: num,
  cosMin: num,
  cosMax: num,
  normRatio: num,
  nccAccTrain: num,
  nccAccTest: nullableNum.optional(),
  /** CE runs: balanced accuracy of the run's linear classifier (argmax z W + b) on train and test. */
  ceAccTrain: num.optional(),
  ceAccTest: nullableNum.optional(),
});
export type EvalRecordOut = z.infer<typeof evalRecordSchema>;

export const finalMetricsSchema = evalRecordSchema.extend({
  cosGroups: z.object({ majMaj: nullableNum, minMin: nullableNum, majMin: nullableNum }),
  classNorms: z.array(num),
  classCounts: z.array(z.number().int()),
  /** Loss-and-gradient evaluations of the whole run (UFM): one per first-order epoch, L-BFGS counts its own. */
  evals: z.number().int().nonnegative().optional(),
  /** Projected L-BFGS (UFM+): support repairs that led off a spurious stationary point (science/support-repair.ts). */
  repairs: z.number().int().nonnegative().optional(),
});
export type FinalMetrics = z.infer<typeof finalMetricsSchema>;

export const runStatusSchema = z.enum(['queued', 'running', 'finished', 'failed', 'cancelled', 'interrupted']);
export type RunStatus = z.infer<typeof runStatusSchema>;

export const runResultSchema = z.object({
  runId: z.number().int().optional(),
  status: runStatusSchema,
  backend: z.string(),
  config: runConfigSchema,
  final: finalMetricsSchema.nullable(),
  history: z.array(evalRecordSchema),
  seconds: z.number().nonnegative(),
  error: z.string().optional(),
  /** Why a finished UFM run stopped (science/stop.ts): its stop targets, the epoch or time limit, or convergence. */
  stopReason: z.enum(['reached', 'maxEpochs', 'maxSeconds', 'converged']).optional(),
});
export type RunResult = z.infer<typeof runResultSchema>;
