/**
 * The run configuration contract: one schema, shared by the CLI files, the store (config_json), the runner's
 * worker messages, the API and the renderer's forms. Keys here are the keys everywhere.
 *
 * It imports only zod and the science core's pure imbalance arithmetic, so every layer but science may use it.
 */
import { z } from 'zod';
import { classCounts } from '../../science/imbalance';
import { CONFIG_SCHEMA_VERSION, storedConfigVersion, upgradeRawConfig } from './migrate';
import { stopRuleSchema } from './lbfgs';
import { deepOptimizerSchema, ufmOptimizerSchema } from './optimizer';

export { CONFIG_SCHEMA_VERSION } from './migrate';
export * from './optimizer';

/**
 * A whole number > 0. The schema-level error names only the type problem: in zod 4 it would otherwise also
 * replace the message of every check without its own (a max said "must be a number").
 */
const positiveInt = (what: string) =>
  z
    .number({
      error: (iss) =>
        iss.code === 'invalid_type'
          ? `${what} must be a number`
          : iss.code === 'too_big'
            ? `${what} must be <= ${String(iss.maximum)}`
            : iss.code === 'too_small'
              ? `${what} must be >= ${String(iss.minimum)}`
              : undefined,
    })
    .int(`${what} must be a whole number`)
    .positive(`${what} must be > 0`);

export const imbalanceSchema = z.discriminatedUnion(
  'profile',
  [
    z.strictObject({
      profile: z.literal('balanced'),
      nMax: positiveInt('nMax').min(2, 'nMax must be >= 2 (a class needs two examples to have a positive pair)'),
    }),
    z.strictObject({
      profile: z.literal('step'),
      nMax: positiveInt('nMax'),
      ratio: z.number().min(1, 'ratio R must be >= 1'),
      minorityFraction: z
        .number()
        .gt(0, 'minorityFraction must be in (0, 1)')
        .lt(1, 'minorityFraction must be in (0, 1)')
        .default(0.5),
    }),
    z.strictObject({
      profile: z.literal('long-tail'),
      nMax: positiveInt('nMax'),
      ratio: z.number().min(1, 'ratio R must be >= 1'),
    }),
    z.strictObject({
      profile: z.literal('custom'),
      counts: z.array(positiveInt('each count')).min(2, 'counts needs at least 2 classes'),
    }),
  ],
  { error: 'profile must be one of balanced, step, long-tail, custom' },
);
export type Imbalance = z.infer<typeof imbalanceSchema>;

/** Most example indices an explicit batching may list (all batches together): about 8 MB of config JSON. */
export const MAX_EXPLICIT_INDICES = 1_000_000;

export const batchingSchema = z.strictObject({
  strategy: z.enum(['reshuffle', 'fixed', 'full', 'class-balanced', 'explicit'], {
    error: 'strategy must be one of reshuffle, fixed, full, class-balanced, explicit',
  }),
  /** Examples per batch before the binding examples are appended. Ignored by "full"; not used by "explicit". */
  batchSize: positiveInt('batchSize').optional(),
  /**
   * Strategy "explicit": the batches themselves, as lists of example indices in the order the imbalance profile
   * lays the classes out (class 0's examples first, then class 1's, ...). The same batches every epoch.
   */
  batches: z
    .array(
      z.array(z.number({ error: 'an example index must be a number' }).int('an example index must be a whole number').min(0, 'an example index must be >= 0'), {
        error: 'each batch must be a list of example indices, e.g. [0, 1, 2]',
      }),
      { error: 'batches must be a list of index lists, e.g. [[0, 1, 2, 3], [2, 3, 4, 5]]' },
    )
    .optional(),
  /** Batch-binding: append the same k examples (one per class, chosen once from the seed) to every batch. */
  binding: z.boolean().default(false),
  /** "epoch": one step on the sum of the epoch's batch losses (the theory's objective); "batch": one step per batch. */
  stepPer: z.enum(['epoch', 'batch'], { error: 'stepPer must be "epoch" or "batch"' }).default('epoch'),
  /** Drop the last incomplete batch (default) or keep it. */
  dropLast: z.boolean().default(true),
});
export type Batching = z.infer<typeof batchingSchema>;

/**
 * paper: sum over anchors (spec section 1); supcon-mean: SupContrast's SupConLoss, mean over ALL anchors of the
 * batch x tau/0.07; supcon-mean-positive-anchors: mean over the anchors with a positive x tau/0.07 (what
 * "supcon-mean" meant before config schema version 2; kept so those runs stay runnable).
 */
export const lossFormSchema = z.enum(['paper', 'supcon-mean', 'supcon-mean-positive-anchors'], {
  error:
    'lossForm must be "paper" (sum over anchors), "supcon-mean" (SupContrast: mean over all anchors, x tau/0.07) ' +
    'or "supcon-mean-positive-anchors" (mean over anchors with a positive, x tau/0.07)',
});

/** The config schema version this release writes; older stored configs are migrated on read. */
const schemaVersionField = z
  .literal(CONFIG_SCHEMA_VERSION, { error: `schemaVersion must be ${CONFIG_SCHEMA_VERSION} (older versions are migrated)` })
  .default(CONFIG_SCHEMA_VERSION);

const commonRunFields = {
  schemaVersion: schemaVersionField,
  name: z.string().max(200).optional(),
  classes: positiveInt('classes').min(2, 'classes must be >= 2'),
  dim: positiveInt('dim'),
  imbalance: imbalanceSchema,
  relu: z.boolean(),
  temperature: z.number().positive('temperature must be > 0').max(100, 'temperature must be <= 100'),
  lossForm: lossFormSchema.default('paper'),
  batching: batchingSchema,
  epochs: positiveInt('epochs').max(10_000_000),
  seed: z.number().int('seed must be a whole number').min(0).max(2 ** 32 - 1).default(0),
  evalEvery: positiveInt('evalEvery').default(10),
};

export const ufmConfigSchema = z.strictObject({
  kind: z.literal('ufm'),
  ...commonRunFields,
  optimizer: ufmOptimizerSchema,
  /** Convergence-based stopping; epochs stays the maximum. */
  stop: stopRuleSchema.optional(),
  /** Initialisation scale is irrelevant after projection; init is a seeded Gaussian, projected. */
});
export type UfmConfig = z.infer<typeof ufmConfigSchema>;

export const datasetSchema = z.discriminatedUnion(
  'name',
  [
    z.strictObject({
      name: z.enum(['mnist', 'fashion-mnist', 'cifar10', 'cifar100']),
      /** Folder with the dataset's files; omitted: $SCL_LAB_DATA or the system package folder. */
      folder: z.string().min(1).optional(),
      /** Test examples per class (balanced); omitted: the whole test set. */
      testPerClass: positiveInt('testPerClass').optional(),
    }),
    z.strictObject({
      name: z.literal('synthetic'),
      /** Vectors of this dimension, or images of this size. */
      shape: z.union([
        z.strictObject({ kind: z.literal('vector'), dim: positiveInt('dim') }),
        z.strictObject({ kind: z.literal('image'), height: positiveInt('height'), width: positiveInt('width'), channels: positiveInt('channels') }),
      ]),
      radius: z.number().positive('radius must be > 0').default(3),
      noise: z.number().positive('noise must be > 0').default(1),
      testPerClass: positiveInt('testPerClass').default(50),
    }),
  ],
  { error: 'dataset.name must be one of mnist, fashion-mnist, cifar10, cifar100, synthetic' },
);

export const modelSchema = z.discriminatedUnion(
  'name',
  [
    z.strictObject({ name: z.literal('mlp'), hidden: z.array(positiveInt('hidden width')).max(8).default([512, 256]) }),
    z.strictObject({ name: z.literal('cnn') }),
    z.strictObject({ name: z.literal('resnet18'), width: positiveInt('width').max(128).default(64) }),
  ],
  { error: 'model.name must be one of mlp, cnn, resnet18' },
);

export const scheduleSchema = z.discriminatedUnion(
  'name',
  [
    z.strictObject({ name: z.literal('none') }),
    z.strictObject({ name: z.literal('multistep'), milestones: z.array(positiveInt('milestone')), gamma: z.number().positive().max(1).default(0.1) }),
    z.strictObject({ name: z.literal('cosine'), minLr: z.number().min(0).default(0) }),
  ],
  { error: 'schedule.name must be none, multistep or cosine' },
);

export const deepConfigSchema = z.strictObject({
  kind: z.literal('deep'),
  ...commonRunFields,
  dataset: datasetSchema,
  model: modelSchema,
  /** "scl" (supervised contrastive) or "ce" (cross-entropy with a linear classifier on the same head). */
  loss: z.enum(['scl', 'ce'], { error: 'loss must be "scl" or "ce"' }).default('scl'),
  /** Deep runs default to SupContrast's mean form (the authors' code), which keeps SGD learning rates meaningful. */
  lossForm: lossFormSchema.default('supcon-mean'),
  /** 2: the batch plus an augmented copy (SCL's two views); 1: the batch alone. */
  views: z.union([z.literal(1), z.literal(2)], { error: 'views must be 1 or 2' }).default(2),
  /** Random crop with padding + horizontal flip (images only). */
  augment: z.boolean().default(true),
  optimizer: deepOptimizerSchema,
  schedule: scheduleSchema.default({ name: 'none' }),
});
export type DeepConfig = z.infer<typeof deepConfigSchema>;

export const embeddingsConfigSchema = z.strictObject({
  kind: z.literal('embeddings'),
  schemaVersion: schemaVersionField,
  name: z.string().max(200).optional(),
  /** Features: a (n, d) .npy of float32/float64, or a CSV. */
  file: z.string().min(1, 'file is required'),
  /** Labels: a 1-D .npy or a CSV; optional when the CSV features carry a label column. */
  labels: z.string().min(1).optional(),
  labelColumn: z.union([z.string().min(1), z.number().int()]).optional(),
  /** Classes at the maximum count are majority; the rest minority (for the cosine groups). */
  seed: z.number().int().min(0).default(0),
});
export type EmbeddingsConfig = z.infer<typeof embeddingsConfigSchema>;

/** Every run kind. */
export const runConfigSchema = z.discriminatedUnion('kind', [ufmConfigSchema, deepConfigSchema, embeddingsConfigSchema], {
  error: 'kind must be "ufm", "deep" or "embeddings"',
});
export type RunConfig = z.infer<typeof runConfigSchema>;

export interface ConfigIssue {
  /** Dotted path of the field, e.g. "batching.batchSize" ("" for the whole config). */
  field: string;
  message: string;
}

/** A config that failed validation; `issues` name every wrong field. */
export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[], readonly source?: string) {
    super(
      (source ? `invalid config in ${source}:\n` : 'invalid config:\n') +
        issues.map((i) => `  ${i.field || '(config)'}: ${i.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Classes a dataset has, where known without reading it. */
const DATASET_CLASSES: Record<string, number> = { mnist: 10, 'fashion-mnist': 10, cifar10: 10, cifar100: 100 };

/** Cross-field rules that a per-field schema cannot say. */
function crossFieldIssues(c: RunConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (c.kind === 'embeddings') return issues;
  if (c.kind === 'deep') {
    const k = DATASET_CLASSES[c.dataset.name];
    if (k !== undefined && c.classes !== k) issues.push({ field: 'classes', message: `${c.dataset.name} has ${k} classes, not ${c.classes}` });
    if (c.model.name !== 'mlp' && c.dataset.name === 'synthetic' && c.dataset.shape.kind === 'vector') {
      issues.push({ field: 'model.name', message: `"${c.model.name}" needs image data; synthetic vectors need "mlp"` });
    }
    if (c.schedule.name === 'multistep' && c.schedule.milestones.some((m) => m > c.epochs)) {
      issues.push({ field: 'schedule.milestones', message: `a milestone is beyond epochs (${c.epochs})` });
    }
  }
  if (c.kind === 'ufm' && c.optimizer.name === 'lbfgs') {
    if (c.batching.stepPer !== 'epoch') issues.push({ field: 'batching.stepPer', message: 'lbfgs needs "epoch" (one deterministic objective)' });
    if (c.batching.strategy !== 'full' && c.batching.strategy !== 'fixed')
      issues.push({ field: 'batching.strategy', message: `lbfgs needs "full" or "fixed" batches (the same objective every iteration), not "${c.batching.strategy}"` });
  }
  if (c.kind === 'ufm' && c.stop?.gapBelow !== undefined && !c.relu)
    issues.push({ field: 'stop.gapBelow', message: 'needs relu: true (the optimality gap is known in closed form for UFM+ only)' });
  const counts = classCounts(c.imbalance, c.classes);
  if (c.imbalance.profile === 'custom' && counts.length !== c.classes) {
    issues.push({ field: 'imbalance.counts', message: `has ${counts.length} entries but classes is ${c.classes}` });
  }
  counts.forEach((nc, cls) => {
    if (nc < 2) {
      issues.push({
        field: c.imbalance.profile === 'custom' ? `imbalance.counts.${cls}` : 'imbalance',
        message: `class ${cls} gets ${nc} example(s); every class needs >= 2 (a single example has no positive pair)`,
      });
    }
  });
  const n = counts.reduce((a, b) => a + b, 0);
  if (c.batching.strategy === 'explicit' || c.batching.batches !== undefined) {
    issues.push(...explicitBatchIssues(c.batching, counts));
  } else if (c.batching.strategy !== 'full') {
    if (c.batching.batchSize === undefined) {
      issues.push({ field: 'batching.batchSize', message: `is required for strategy "${c.batching.strategy}"` });
    } else if (c.batching.batchSize > n) {
      issues.push({ field: 'batching.batchSize', message: `${c.batching.batchSize} is larger than the number of examples (${n})` });
    }
  }
  if (c.relu && c.dim < c.classes) {
    issues.push({ field: 'dim', message: `${c.dim} is smaller than classes (${c.classes}): with relu an orthogonal frame needs dim >= classes` });
  }
  return issues;
}

/** An explicit batching's rules: every index an example, no empty batch, no index twice in a batch, every example in some batch. */
export function explicitBatchIssues(b: Batching, counts: readonly number[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (b.strategy !== 'explicit') return [{ field: 'batching.batches', message: `is only used by strategy "explicit" (strategy is "${b.strategy}")` }];
  if (b.batchSize !== undefined) issues.push({ field: 'batching.batchSize', message: 'is not used by strategy "explicit" (the batches give their own sizes): remove it' });
  const batches = b.batches;
  if (batches === undefined) return [...issues, { field: 'batching.batches', message: 'is required for strategy "explicit": a list of index lists, e.g. [[0, 1, 2, 3], [2, 3, 4, 5]]' }];
  if (batches.length === 0) return [...issues, { field: 'batching.batches', message: 'needs at least one batch' }];
  const total = batches.reduce((a, x) => a + x.length, 0);
  if (total > MAX_EXPLICIT_INDICES) {
    return [...issues, { field: 'batching.batches', message: `lists ${total} indices in all; at most ${MAX_EXPLICIT_INDICES} are allowed (use a generated strategy for larger runs)` }];
  }
  const n = counts.reduce((a, x) => a + x, 0);
  const classOf = (i: number) => {
    let c = 0;
    for (let end = counts[0]; i >= end; end += counts[++c]);
    return c;
  };
  const seen = new Uint8Array(n);
  const MAX = 10; // the first few problems, not a million
  let bad = 0;
  const add = (field: string, message: string) => {
    if (bad++ < MAX) issues.push({ field, message });
  };
  batches.forEach((batch, j) => {
    if (batch.length === 0) add(`batching.batches.${j}`, 'is an empty batch');
    const inBatch = new Set<number>();
    batch.forEach((i, t) => {
      if (i >= n) add(`batching.batches.${j}.${t}`, `index ${i} is out of range: the imbalance profile gives ${n} examples (0..${n - 1})`);
      else if (inBatch.has(i)) add(`batching.batches.${j}.${t}`, `index ${i} appears twice in batch ${j}`);
      else {
        inBatch.add(i);
        seen[i] = 1;
      }
    });
  });
  const missing: number[] = [];
  for (let i = 0; i < n; i++) if (!seen[i]) missing.push(i);
  if (missing.length) {
    const shown = missing.slice(0, MAX).map((i) => `${i} (class ${classOf(i)})`).join(', ');
    add('batching.batches', `example${missing.length > 1 ? 's' : ''} ${shown}${missing.length > MAX ? ` and ${missing.length - MAX} more` : ''} ${missing.length > 1 ? 'are' : 'is'} in no batch`);
  }
  if (bad > MAX) issues.push({ field: 'batching.batches', message: `... and ${bad - MAX} more problems` });
  return issues;
}

function zodIssues(e: z.ZodError): ConfigIssue[] {
  return e.issues.map((i) => {
    const field = i.path.map(String).join('.');
    if (i.code === 'unrecognized_keys') {
      const keys = i.keys.map((k) => (field ? `${field}.${k}` : k));
      return { field: keys.join(', '), message: `unknown key${keys.length > 1 ? 's' : ''} (not part of the run config)` };
    }
    return { field, message: i.message };
  });
}

/**
 * Validate a parsed JSON value as a run config; throws ConfigError naming every wrong field. A config without
 * `schemaVersion` is taken as the current version (a file written for this release); one with an older
 * version is migrated first.
 */
export function parseRunConfig(raw: unknown, source?: string): RunConfig {
  const hasVersion = typeof raw === 'object' && raw !== null && 'schemaVersion' in raw;
  if (hasVersion) raw = upgradeOrThrow(raw, storedConfigVersion(raw), source);
  return validate(raw, source);
}

function upgradeOrThrow(raw: unknown, from: number, source?: string): unknown {
  try {
    return upgradeRawConfig(raw, from);
  } catch (e) {
    throw new ConfigError([{ field: 'schemaVersion', message: (e as Error).message.replace(/^schemaVersion: /, '') }], source);
  }
}

/**
 * THE reader of stored configs (store rows, export bundles, resume): a config without `schemaVersion` was
 * written before versions existed (version 1). Returns the config in the current schema and the version it
 * was stored with; throws ConfigError when it cannot be read even after migration.
 */
export function migrateConfig(raw: unknown, source?: string): { config: RunConfig; fromVersion: number } {
  const fromVersion = storedConfigVersion(raw);
  return { config: validate(upgradeOrThrow(raw, fromVersion, source), source), fromVersion };
}

function validate(raw: unknown, source?: string): RunConfig {
  const r = runConfigSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(zodIssues(r.error), source);
  const issues = crossFieldIssues(r.data);
  if (issues.length) throw new ConfigError(issues, source);
  return r.data;
}

/** Parse JSON text then validate; malformed JSON is a ConfigError too. */
export function parseRunConfigText(text: string, source?: string): RunConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, '')); // a UTF-8 byte-order mark (Windows editors) is not an error
  } catch (e) {
    throw new ConfigError([{ field: '', message: `malformed JSON: ${(e as Error).message}` }], source);
  }
  return parseRunConfig(raw, source);
}
