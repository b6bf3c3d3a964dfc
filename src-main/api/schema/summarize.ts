/**
 * The claim pivot's query and answer (`runs.summarize`, `scl-lab summarize`, the Claim page): the metrics a
 * pivot can put on y, with their names, meanings and which way is better, the error a bad query gets, and the
 * zod schema of a cell.
 */
import { z } from 'zod';
import { deltaOfOfEtf } from '../../science/closed-form';

export type MetricSource = 'record' | 'cosGroup' | 'threshold';

export interface ClaimMetric {
  /** Display name ("Delta_OF"). */
  label: string;
  /** What the value means, in a few words (axis titles and the docs). */
  meaning: string;
  /** Which way is better: what "best" takes over the run's evaluations; null = no "best" (final only). */
  better: 'min' | 'max' | null;
  source: MetricSource;
  /** The values the metric can take, where bounded (bands are clipped to them). */
  bounds?: [number | null, number | null];
  /** Reference lines (for k classes): value and label. */
  refs?: (k: number | null) => { value: number; label: string }[];
}

const etfCos = (k: number | null) => (k !== null && k > 1 ? [{ value: -1 / (k - 1), label: `ETF ${(-1 / (k - 1)).toFixed(3)}` }] : []);
const cosRefs = (k: number | null) => [{ value: 0, label: 'OF 0' }, ...etfCos(k)];
const deltaOfEtf = deltaOfOfEtf;

/** Every metric a claim can pivot, by the name the CLI and the API take. */
export const CLAIM_METRICS = {
  deltaOF: {
    label: 'Delta_OF',
    meaning: 'distance to an orthogonal frame (0 = OF)',
    better: 'min',
    source: 'record',
    bounds: [0, null],
    refs: (k) => [{ value: 0, label: 'OF 0' }, ...(k !== null && k > 1 ? [{ value: deltaOfEtf(k), label: `ETF ${deltaOfEtf(k).toFixed(4)}` }] : [])],
  },
  deltaETF: { label: 'Delta_ETF', meaning: 'distance to a simplex ETF (0 = ETF, and also 0 for an OF)', better: 'min', source: 'record', bounds: [0, null], refs: () => [{ value: 0, label: 'ETF = OF 0' }] },
  nc1: { label: 'NC1', meaning: 'within-class variability (1/k) tr(Sw Sb^+) (0 = collapse)', better: 'min', source: 'record', bounds: [0, null], refs: () => [{ value: 0, label: 'collapse 0' }] },
  cosMean: { label: 'mean cos', meaning: "mean cosine of class means, c != c'", better: null, source: 'record', bounds: [-1, 1], refs: cosRefs },
  cosMin: { label: 'min cos', meaning: "smallest cosine of class means, c != c'", better: null, source: 'record', bounds: [-1, 1], refs: cosRefs },
  cosMax: { label: 'max cos', meaning: "largest cosine of class means, c != c'", better: null, source: 'record', bounds: [-1, 1], refs: cosRefs },
  cosMajMaj: { label: 'cos maj-maj', meaning: 'mean cosine of majority-class means', better: null, source: 'cosGroup', bounds: [-1, 1], refs: cosRefs },
  cosMinMin: { label: 'cos min-min', meaning: 'mean cosine of minority-class means', better: null, source: 'cosGroup', bounds: [-1, 1], refs: cosRefs },
  cosMajMin: { label: 'cos maj-min', meaning: 'mean cosine between majority and minority means', better: null, source: 'cosGroup', bounds: [-1, 1], refs: cosRefs },
  normRatio: { label: 'norm ratio', meaning: 'max/min class-mean norm (1 = symmetric)', better: 'min', source: 'record', bounds: [1, null], refs: () => [{ value: 1, label: 'symmetric 1' }] },
  nccAccTrain: { label: 'NCC acc train', meaning: 'nearest-class-centre balanced accuracy, train', better: 'max', source: 'record', bounds: [0, 1] },
  nccAccTest: { label: 'NCC acc test', meaning: 'nearest-class-centre balanced accuracy, test', better: 'max', source: 'record', bounds: [0, 1] },
  gap: { label: 'loss gap', meaning: 'loss minus the closed-form optimum L* (0 = optimal)', better: 'min', source: 'record', bounds: [0, null], refs: () => [{ value: 0, label: 'optimal 0' }] },
  loss: { label: 'loss', meaning: 'training loss at the evaluation (UFM: the objective, a sum over batches; deep: the mean batch loss)', better: 'min', source: 'record' },
  epochsToOF: { label: 'epochs to Delta_OF', meaning: 'first evaluated epoch with Delta_OF <= the threshold', better: null, source: 'threshold', bounds: [0, null] },
  secondsToOF: { label: 'seconds to Delta_OF', meaning: 'wall time from start to the first evaluation with Delta_OF <= the threshold', better: null, source: 'threshold', bounds: [0, null] },
} as const satisfies Record<string, ClaimMetric>;

export type ClaimMetricName = keyof typeof CLAIM_METRICS;
export const CLAIM_METRIC_NAMES = Object.keys(CLAIM_METRICS) as ClaimMetricName[];

export const claimStatSchema = z.enum(['final', 'best']);
export type ClaimStat = z.infer<typeof claimStatSchema>;

export function isClaimMetric(name: string): name is ClaimMetricName {
  return Object.prototype.hasOwnProperty.call(CLAIM_METRICS, name);
}

/** A bad pivot query (unknown field, metric, sweep or run): names the field of the query. CLI exit 2, HTTP 400. */
export class QueryError extends Error {
  constructor(readonly issues: { field: string; message: string }[]) {
    super(`invalid summarize query: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'QueryError';
  }
}

const key = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const claimCellSchema = z.object({
  x: key,
  by: key,
  facet: key,
  n: z.number().int(),
  runIds: z.array(z.number().int()),
  values: z.array(z.number()),
  median: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  mean: z.number().nullable(),
  std: z.number().nullable(),
  seeds: z.array(z.number().int()),
  q1: z.number().nullable(),
  q3: z.number().nullable(),
  ci95: z.tuple([z.number(), z.number()]).nullable(),
  missing: z.array(z.object({ runId: z.number().int(), seed: z.number().int(), reason: z.string() })),
  verdict: z.object({ ofUnique: z.boolean().nullable(), seedsUnique: z.number().int(), seedsAnalysed: z.number().int(), text: z.string() }),
});

const axisSchema = z.object({ field: z.string().nullable(), values: z.array(key) });

export const summarizeInputSchema = z.strictObject({
  sweepId: z.number().int().positive().optional(),
  runIds: z.array(z.number().int().positive()).min(1).max(10_000).optional(),
  x: z.string().min(1).max(200),
  by: z.string().min(1).max(200).optional(),
  facet: z.string().min(1).max(200).optional(),
  metric: z.string().min(1).max(100),
  stat: claimStatSchema.default('final'),
  /** Delta_OF threshold of epochsToOF / secondsToOF. */
  threshold: z.number().positive().max(10).default(0.05),
});
export type SummarizeInput = z.output<typeof summarizeInputSchema>;

export const summarizeOutputSchema = z.object({
  cells: z.array(claimCellSchema),
  title: z.string(),
  x: axisSchema.extend({ kind: z.enum(['category', 'linear', 'log']) }),
  by: axisSchema,
  facet: axisSchema,
  metric: z.object({
    name: z.string(),
    label: z.string(),
    meaning: z.string(),
    stat: claimStatSchema,
    threshold: z.number().nullable(),
    /** "Delta_OF (final)": what the y axis says. */
    axisLabel: z.string(),
    refs: z.array(z.object({ value: z.number(), label: z.string() })),
    /** The values the metric can take ([lower, upper], null = unbounded): bands are clipped to them. */
    bounds: z.tuple([z.number().nullable(), z.number().nullable()]),
  }),
  /** Runs pivoted (with or without a value). */
  runs: z.number().int(),
  /** Config fields of these runs (dotted paths) with how many distinct values each takes: pickers list them. */
  fields: z.array(z.object({ path: z.string(), distinct: z.number().int(), numeric: z.boolean() })),
  metrics: z.array(z.object({ name: z.string(), label: z.string(), meaning: z.string(), best: z.boolean() })),
});
export type SummarizeOutput = z.infer<typeof summarizeOutputSchema>;
export type ClaimCell = z.infer<typeof claimCellSchema>;
