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
