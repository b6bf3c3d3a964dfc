/**
 * One meaning per stored metric key, across run kinds (docs/user-guide.md, "Metric keys"). The loss keys differ
 * by how they combine an epoch's batches: the UFM objective is the SUM of the batch losses (L(H) = sum_B L_B, the
 * quantity the closed-form optimum L* is stated for); a deep run reports the MEAN batch loss of its epoch. They
 * never share a key, so a chart, a column or a comparison never puts a sum next to a mean under one name.
 */

export type RunKindName = 'ufm' | 'deep' | 'embeddings';

/** The loss of an evaluation point: UFM the objective at the current features, deep the epoch's mean batch loss. */
export function evalLossKey(kind: string): 'train/loss' | 'train/lossMean' {
  return kind === 'deep' ? 'train/lossMean' : 'train/loss';
}

/** The loss logged after every epoch. */
export function epochLossKey(kind: string): 'train/epochLoss' | 'train/epochLossMean' {
  return kind === 'deep' ? 'train/epochLossMean' : 'train/epochLoss';
}

/** What a key means where its name does not say it (the chart's axis label, the table's header title). */
export const METRIC_MEANINGS: Readonly<Record<string, string>> = {
  'train/epochLoss': "sum of the epoch's batch losses (UFM objective)",
  'train/epochLossMean': "mean of the epoch's batch losses (deep runs)",
  'train/loss': 'UFM objective at the evaluation: sum of the batch losses at the current features',
  'train/lossMean': "deep runs at the evaluation: mean of the epoch's batch losses",
  'train/optimalLoss': 'closed-form optimum L* of the UFM objective',
  'train/gap': 'UFM objective minus its closed-form optimum L*',
  'train/evals': 'loss-and-gradient evaluations so far',
  'acc/ceTrain': 'CE linear classifier, balanced accuracy, train',
  'acc/ceTest': 'CE linear classifier, balanced accuracy, test',
};

/** The y-axis label of a metric: its key, and what it means where that is not obvious. */
export function metricAxisLabel(key: string): string {
  const m = METRIC_MEANINGS[key];
  return m ? `${key}: ${m}` : key;
}
