/**
 * What the app knows about a stored metric key: its display name (pickers and titles show "ΔOF", not
 * `geom/deltaOF`) and the bounds its values cannot leave (a seed band is never drawn below 0 for ΔOF).
 * What a loss key means comes from components/charts/series-config.ts (one meaning per key, kept there);
 * components/charts/axis-title.ts puts the two together.
 */
export interface MetricInfo {
  name: string;
  /** What it measures, for the y-axis (loss keys: see series-config.ts). */
  meaning?: string;
  lower?: number;
  upper?: number;
}

const INFO: Record<string, MetricInfo> = {
  'geom/deltaOF': { name: 'ΔOF', meaning: 'distance from an orthogonal frame (0 = OF)', lower: 0 },
  'geom/deltaETF': { name: 'ΔETF', meaning: 'distance from a simplex ETF (0 = ETF)', lower: 0 },
  'geom/nc1': { name: 'NC1', meaning: 'within-class variability, tr(Σ_W Σ_B⁺)/k (0 = collapse)', lower: 0 },
  'geom/cosMean': { name: 'mean cosine', meaning: 'mean cosine between class means (OF 0, ETF −1/(k−1))', lower: -1, upper: 1 },
  'geom/cosMin': { name: 'min cosine', lower: -1, upper: 1 },
  'geom/cosMax': { name: 'max cosine', lower: -1, upper: 1 },
  'geom/normRatio': { name: 'norm ratio', meaning: 'max / min norm of the class means (1 = equal)', lower: 1 },
  'acc/nccTrain': { name: 'NCC accuracy (train)', meaning: 'balanced nearest-class-centre accuracy, train', lower: 0, upper: 1 },
  'acc/nccTest': { name: 'NCC accuracy (test)', meaning: 'balanced nearest-class-centre accuracy, test', lower: 0, upper: 1 },
  'acc/ceTrain': { name: 'CE accuracy (train)', lower: 0, upper: 1 },
  'acc/ceTest': { name: 'CE accuracy (test)', lower: 0, upper: 1 },
  'train/loss': { name: 'loss (sum, UFM objective)' },
  'train/lossMean': { name: 'loss (mean, deep runs)' },
  'train/epochLoss': { name: 'epoch loss (sum)' },
  'train/epochLossMean': { name: 'epoch loss (mean)' },
  'train/optimalLoss': { name: 'optimal loss L*' },
  'train/gap': { name: 'optimality gap' },
  'train/lr': { name: 'learning rate', lower: 0 },
  'train/evals': { name: 'evaluations', lower: 0 },
};

/** The display name of a key; unknown keys keep their last path part ("geom/foo" -> "foo"). */
export function metricName(key: string): string {
  return INFO[key]?.name ?? key.split('/').pop() ?? key;
}

/** "ΔOF (geom/deltaOF)": name and key, for an option or a tooltip. */
export function metricTitle(key: string): string {
  const n = metricName(key);
  return n === key ? key : `${n} (${key})`;
}

export function metricBounds(key: string): { lower?: number; upper?: number } {
  const i = INFO[key];
  return { lower: i?.lower, upper: i?.upper };
}


/** What a (non-loss) metric measures, if the app knows. */
export function metricInfoMeaning(key: string): string | undefined {
  return INFO[key]?.meaning;
}
