/** The batch-condition analysis of a run config's batching (spec section 6), as the CLI and the forms show it. */
import type { RunConfig } from '../api/schema/config';
import { ConditionAnalyser, type ConditionReport, type PairRule } from '../science/analyser';
import { Batcher } from '../science/batching';
import { classCounts, labelsFromCounts } from '../science/imbalance';

export interface BatchingAnalysis {
  oneEpoch: ConditionReport;
  union: ConditionReport;
  binding: number[] | null;
  counts: number[];
}

/** Deep SCL with two views gives every anchor its own copy as a positive: every pair of a batch is constrained. */
export function pairRuleOf(config: Exclude<RunConfig, { kind: 'embeddings' }>): PairRule {
  return config.kind === 'deep' && config.loss === 'scl' && config.views === 2 ? 'two-view' : 'positive-in-batch';
}

export function analyseConfigBatching(config: RunConfig, epochs: number): BatchingAnalysis {
  if (config.kind === 'embeddings') throw new Error('an embeddings run has no batching to analyse');
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`epochs must be a whole number >= 1 (got ${epochs})`);
  const counts = classCounts(config.imbalance, config.classes);
  const labels = labelsFromCounts(counts);
  const batcher = new Batcher(labels, config.classes, config.batching, config.seed);
  const rule = pairRuleOf(config);
  const first = new ConditionAnalyser(labels, config.classes, rule).addEpoch(batcher.epoch(0)).report();
  const union = new ConditionAnalyser(labels, config.classes, rule);
  for (let e = 0; e < epochs; e++) union.addEpoch(batcher.epoch(e));
  return { oneEpoch: first, union: union.report(), binding: batcher.bindingIndices, counts };
}

/**
 * Example-visits the interactive analysis (runs.validate, as the New run form types) may spend: about 100 ms
 * on one core. Larger configs get fewer union epochs (the report says how many), or none.
 */
export const INTERACTIVE_ANALYSIS_VISITS = 150_000;

/** The analysis within a bound of work, or null when even one epoch is over it. */
export function analyseConfigBatchingBounded(config: RunConfig, epochs: number, maxVisits = INTERACTIVE_ANALYSIS_VISITS): BatchingAnalysis | null {
  if (config.kind === 'embeddings') return null;
  const counts = classCounts(config.imbalance, config.classes);
  const n = counts.reduce((a, b) => a + b, 0) + (config.batching.binding ? config.classes : 0);
  if (n * 2 > maxVisits || config.classes * config.classes > maxVisits * 8) return null;
  return analyseConfigBatching(config, Math.max(1, Math.min(epochs, Math.floor(maxVisits / n) - 1)));
}
