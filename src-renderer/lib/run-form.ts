/**
 * The New-run form's state and its mapping to a run config (contract keys, src-main/api/schema/config.ts).
 * One form per run kind (ufm, deep, embeddings), each with its own defaults, so switching kinds loses
 * nothing. A form keeps every profile's / option's fields; `toConfig` sends only what the choices use.
 * Values pass through as typed: the server validates and names the field of every problem.
 */
import { parseBatchesText } from './explicit-batches';

export type Kind = 'ufm' | 'deep' | 'embeddings';
export type Profile = 'balanced' | 'step' | 'long-tail' | 'custom';
export type Strategy = 'reshuffle' | 'fixed' | 'full' | 'class-balanced' | 'explicit';
export type DatasetName = 'mnist' | 'fashion-mnist' | 'cifar10' | 'cifar100' | 'synthetic';

export interface DeepForm {
  dataset: {
    name: DatasetName;
    folder: string;
    testPerClass: number | null;
    shape: 'vector' | 'image';
    vectorDim: number | null;
    height: number | null;
    width: number | null;
    channels: number | null;
    radius: number | null;
    noise: number | null;
  };
  model: { name: 'mlp' | 'cnn' | 'resnet18'; hidden: string; width: number | null };
  loss: 'scl' | 'ce';
  views: 1 | 2;
  augment: boolean;
  optimizer: {
    name: 'sgd' | 'adam';
    lr: number | null;
    momentum: number | null;
    nesterov: boolean;
    weightDecay: number | null;
    beta1: number | null;
    beta2: number | null;
    eps: number | null;
  };
  schedule: { name: 'none' | 'multistep' | 'cosine'; milestones: string; gamma: number | null; minLr: number | null };
}

export const LOSS_FORMS = ['paper', 'supcon-mean', 'supcon-mean-positive-anchors'] as const;
export type LossFormName = (typeof LOSS_FORMS)[number];

export interface EmbeddingsForm {
  file: string;
  labels: string;
  labelColumn: string;
}

export interface RunForm {
  kind: Kind;
  name: string;
  classes: number | null;
  dim: number | null;
  imbalance: {
    profile: Profile;
    nMax: number | null;
    ratio: number | null;
    minorityFraction: number | null;
    /** Comma-separated counts for the custom profile. */
    counts: string;
  };
  relu: boolean;
  temperature: number | null;
  lossForm: LossFormName;
  /** batchesText: the explicit batches as JSON text, e.g. [[0, 1, 2, 3], [2, 3, 4, 5]]. */
  batching: { strategy: Strategy; batchSize: number | null; batchesText: string; binding: boolean; stepPer: 'epoch' | 'batch'; dropLast: boolean };
  optimizer: { name: 'gd' | 'momentum' | 'adam' | 'lbfgs'; lr: number | null; momentum: number | null; beta1: number | null; beta2: number | null; eps: number | null; history: number | null; parametrization: 'projected' | 'squared' };
  /** UFM convergence-based stopping (empty fields: not used). */
  stop: { deltaOFBelow: number | null; gapBelow: number | null; maxSeconds: number | null };
  deep: DeepForm;
  embeddings: EmbeddingsForm;
  epochs: number | null;
  evalEvery: number | null;
  /** "0", "0, 1, 2" or "0-4". */
  seeds: string;
}

/** The built-in example: a small UFM+ run that shows OF geometry under imbalance in seconds. */
export const EXAMPLE_CONFIG = {
  kind: 'ufm',
  name: 'example: UFM+ k=4, counts 20/20/2/2, fixed batches + binding',
  classes: 4,
  dim: 8,
  imbalance: { profile: 'custom', counts: [20, 20, 2, 2] },
  relu: true,
  temperature: 1,
  lossForm: 'paper',
  batching: { strategy: 'fixed', batchSize: 4, binding: true, stepPer: 'epoch', dropLast: true },
  optimizer: { name: 'gd', lr: 0.05 },
  epochs: 1500,
  seed: 0,
  evalEvery: 50,
} as const;

/** A small deep run that works on any machine (synthetic data, MLP). */
const DEEP_DEFAULT = {
  kind: 'deep',
  classes: 4,
  dim: 16,
  imbalance: { profile: 'step', nMax: 100, ratio: 10, minorityFraction: 0.5 },
  relu: true,
  temperature: 0.1,
  lossForm: 'supcon-mean',
  batching: { strategy: 'reshuffle', batchSize: 32, binding: true, stepPer: 'batch', dropLast: true },
  dataset: { name: 'synthetic', shape: { kind: 'vector', dim: 32 }, radius: 3, noise: 1, testPerClass: 50 },
  model: { name: 'mlp', hidden: [128, 64] },
  loss: 'scl',
  views: 2,
  augment: false,
  optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: false, weightDecay: 0.0005 },
  schedule: { name: 'none' },
  epochs: 30,
  evalEvery: 5,
  seed: 0,
};

export function defaultForm(kind: Kind = 'ufm'): RunForm {
  if (kind === 'deep') return fromConfig(DEEP_DEFAULT, '');
  if (kind === 'embeddings') return { ...fromConfig(EXAMPLE_CONFIG, ''), kind: 'embeddings' };
  return fromConfig(EXAMPLE_CONFIG, '');
}

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
const n = (v: unknown, d: number | null): number | null => (typeof v === 'number' ? v : d);
const s = (v: unknown, d = ''): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : d);
const pick = <T extends string>(v: unknown, options: readonly T[], d: T): T => options.find((x) => x === v) ?? d;

function deepFrom(c: Obj): DeepForm {
  const ds = o(c.dataset);
  const shape = o(ds.shape);
  const model = o(c.model);
  const opt = o(c.optimizer);
  const sch = o(c.schedule);
  return {
    dataset: {
      name: pick(ds.name, ['mnist', 'fashion-mnist', 'cifar10', 'cifar100', 'synthetic'] as const, 'synthetic'),
      folder: s(ds.folder),
      testPerClass: n(ds.testPerClass, null),
      shape: shape.kind === 'image' ? 'image' : 'vector',
      vectorDim: n(shape.kind === 'vector' ? shape.dim : undefined, 32),
      height: n(shape.height, 8),
      width: n(shape.width, 8),
      channels: n(shape.channels, 1),
      radius: n(ds.radius, 3),
      noise: n(ds.noise, 1),
    },
    model: {
      name: pick(model.name, ['mlp', 'cnn', 'resnet18'] as const, 'mlp'),
      hidden: Array.isArray(model.hidden) ? (model.hidden as unknown[]).join(', ') : '512, 256',
      width: n(model.width, 64),
    },
    loss: c.loss === 'ce' ? 'ce' : 'scl',
    views: c.views === 1 ? 1 : 2,
    augment: c.augment !== false,
    optimizer: {
      name: opt.name === 'adam' ? 'adam' : 'sgd',
      lr: n(c.kind === 'deep' ? opt.lr : undefined, 0.1),
      momentum: n(c.kind === 'deep' ? opt.momentum : undefined, 0.9),
      nesterov: opt.nesterov === true,
      weightDecay: n(opt.weightDecay, 5e-4),
      beta1: n(c.kind === 'deep' ? opt.beta1 : undefined, 0.9),
      beta2: n(c.kind === 'deep' ? opt.beta2 : undefined, 0.999),
      eps: n(c.kind === 'deep' ? opt.eps : undefined, 1e-8),
    },
    schedule: {
      name: pick(sch.name, ['none', 'multistep', 'cosine'] as const, 'none'),
      milestones: Array.isArray(sch.milestones) ? (sch.milestones as unknown[]).join(', ') : '',
      gamma: n(sch.gamma, 0.1),
      minLr: n(sch.minLr, 0),
    },
  };
}

/** Fill a form from a stored config (clone & edit). Unknown fields fall back to the defaults. */
export function fromConfig(config: unknown, name?: string): RunForm {
  const c = o(config);
  const imb = o(c.imbalance);
  const b = o(c.batching);
  const opt = o(c.optimizer);
  const counts = Array.isArray(imb.counts) ? (imb.counts as unknown[]).join(', ') : '20, 20, 2, 2';
  const kind = pick(c.kind, ['ufm', 'deep', 'embeddings'] as const, 'ufm');
  return {
    kind,
    name: name ?? s(c.name),
    classes: n(c.classes, 4),
    dim: n(c.dim, 8),
    imbalance: {
      profile: pick(imb.profile, ['balanced', 'step', 'long-tail', 'custom'] as const, 'balanced'),
      nMax: n(imb.nMax, 20),
      ratio: n(imb.ratio, 10),
      minorityFraction: n(imb.minorityFraction, 0.5),
      counts,
    },
    relu: c.relu !== false,
    temperature: n(c.temperature, 1),
    lossForm: pick(c.lossForm, LOSS_FORMS, 'paper'),
    batching: {
      strategy: pick(b.strategy, ['reshuffle', 'fixed', 'full', 'class-balanced', 'explicit'] as const, 'full'),
      batchSize: n(b.batchSize, 4),
      batchesText: Array.isArray(b.batches) ? JSON.stringify(b.batches) : '',
      binding: b.binding === true,
      stepPer: b.stepPer === 'batch' ? 'batch' : 'epoch',
      dropLast: b.dropLast !== false,
    },
    optimizer: {
      name: kind === 'ufm' ? pick(opt.name, ['gd', 'momentum', 'adam', 'lbfgs'] as const, 'gd') : 'gd',
      lr: n(kind === 'ufm' ? opt.lr : undefined, 0.05),
      momentum: n(kind === 'ufm' ? opt.momentum : undefined, 0.9),
      beta1: n(kind === 'ufm' ? opt.beta1 : undefined, 0.9),
      beta2: n(kind === 'ufm' ? opt.beta2 : undefined, 0.999),
      eps: n(kind === 'ufm' ? opt.eps : undefined, 1e-8),
      history: n(opt.history, 20),
      parametrization: pick(opt.parametrization, ['projected', 'squared'] as const, 'projected'),
    },
    stop: { deltaOFBelow: n(o(c.stop).deltaOFBelow, null), gapBelow: n(o(c.stop).gapBelow, null), maxSeconds: n(o(c.stop).maxSeconds, null) },
    deep: deepFrom(c),
    embeddings: { file: s(c.file), labels: s(c.labels), labelColumn: s(c.labelColumn) },
    epochs: n(c.epochs, 1000),
    evalEvery: n(c.evalEvery, 10),
    seeds: String(n(c.seed, 0)),
  };
}

/** "20, 20, 2, 2" -> numbers; anything that is not a number stays as its text so the server names it. */
export function parseCounts(text: string): unknown[] {
  return text
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map((t) => (Number.isFinite(Number(t)) ? Number(t) : t));
}

/** Seeds from "0", "0, 1, 2" or "0-4" (at most 1000). */
export function parseSeeds(text: string): { seeds: number[] } | { error: string } {
  const out: number[] = [];
  for (const part of text.split(/[\s,;]+/).filter(Boolean)) {
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    if (range) {
      const a = Number(range[1]);
      const b = Number(range[2]);
      if (b < a) return { error: `range ${part} runs backwards` };
      if (b - a > 1000) return { error: 'at most 1000 seeds' };
      for (let x = a; x <= b; x++) out.push(x);
    } else if (/^\d+$/.test(part)) {
      out.push(Number(part));
    } else {
      return { error: `"${part}" is not a whole number >= 0 (use e.g. 0, 1, 2 or 0-4)` };
    }
  }
  if (out.length === 0) return { error: 'give at least one seed' };
  if (out.length > 1000) return { error: 'at most 1000 seeds' };
  return { seeds: [...new Set(out)] };
}

const nz = (v: number | null): number | undefined => (v === null || Number.isNaN(v) ? undefined : v);
const opt = (t: string): string | undefined => (t.trim() ? t.trim() : undefined);

function deepConfig(d: DeepForm): Obj {
  const ds = d.dataset;
  const dataset: Obj = { name: ds.name };
  if (ds.name === 'synthetic') {
    dataset.shape =
      ds.shape === 'vector'
        ? { kind: 'vector', dim: nz(ds.vectorDim) }
        : { kind: 'image', height: nz(ds.height), width: nz(ds.width), channels: nz(ds.channels) };
    dataset.radius = nz(ds.radius);
    dataset.noise = nz(ds.noise);
  } else {
    dataset.folder = opt(ds.folder);
  }
  dataset.testPerClass = nz(ds.testPerClass);
  const model: Obj = { name: d.model.name };
  if (d.model.name === 'mlp') model.hidden = parseCounts(d.model.hidden);
  if (d.model.name === 'resnet18') model.width = nz(d.model.width);
  const optimizer: Obj = { name: d.optimizer.name, lr: nz(d.optimizer.lr), weightDecay: nz(d.optimizer.weightDecay) };
  if (d.optimizer.name === 'sgd') Object.assign(optimizer, { momentum: nz(d.optimizer.momentum), nesterov: d.optimizer.nesterov });
  else Object.assign(optimizer, { beta1: nz(d.optimizer.beta1), beta2: nz(d.optimizer.beta2), eps: nz(d.optimizer.eps) });
  const schedule: Obj = { name: d.schedule.name };
  if (d.schedule.name === 'multistep') {
    schedule.milestones = parseCounts(d.schedule.milestones);
    schedule.gamma = nz(d.schedule.gamma);
  }
  if (d.schedule.name === 'cosine') schedule.minLr = nz(d.schedule.minLr);
  return { dataset, model, loss: d.loss, views: d.views, augment: d.augment, optimizer, schedule };
}

/** The run config the form describes (for one seed). */
export function toConfig(f: RunForm, seed = 0): Record<string, unknown> {
  if (f.kind === 'embeddings') {
    const e = f.embeddings;
    const lc = e.labelColumn.trim();
    const config: Obj = {
      kind: 'embeddings',
      file: e.file.trim(),
      labels: opt(e.labels),
      labelColumn: lc === '' ? undefined : /^\d+$/.test(lc) ? Number(lc) : lc,
      seed,
    };
    if (f.name.trim()) config.name = f.name.trim();
    return config;
  }
  const imb = f.imbalance;
  const imbalance: Obj = { profile: imb.profile };
  if (imb.profile === 'custom') imbalance.counts = parseCounts(imb.counts);
  else imbalance.nMax = nz(imb.nMax);
  if (imb.profile === 'step' || imb.profile === 'long-tail') imbalance.ratio = nz(imb.ratio);
  if (imb.profile === 'step') imbalance.minorityFraction = nz(imb.minorityFraction);
  const batching: Obj = {
    strategy: f.batching.strategy,
    binding: f.batching.binding,
    stepPer: f.batching.stepPer,
    dropLast: f.batching.dropLast,
  };
  if (f.batching.strategy === 'explicit') batching.batches = parseBatchesText(f.batching.batchesText);
  else if (f.batching.strategy !== 'full') batching.batchSize = nz(f.batching.batchSize);
  const config: Obj = {
    kind: f.kind,
    classes: nz(f.classes),
    dim: nz(f.dim),
    imbalance,
    relu: f.relu,
    temperature: nz(f.temperature),
    lossForm: f.lossForm,
    batching,
    epochs: nz(f.epochs),
    evalEvery: nz(f.evalEvery),
    seed,
  };
  if (f.kind === 'deep') Object.assign(config, deepConfig(f.deep));
  else {
    const optimizer: Obj = f.optimizer.name === 'lbfgs' ? { name: 'lbfgs', history: nz(f.optimizer.history), parametrization: f.optimizer.parametrization } : { name: f.optimizer.name, lr: nz(f.optimizer.lr) };
    if (f.optimizer.name === 'momentum') optimizer.momentum = nz(f.optimizer.momentum);
    if (f.optimizer.name === 'adam') Object.assign(optimizer, { beta1: nz(f.optimizer.beta1), beta2: nz(f.optimizer.beta2), eps: nz(f.optimizer.eps) });
    config.optimizer = optimizer;
    const stop = Object.fromEntries(Object.entries(f.stop).filter(([, v]) => v !== null && v !== undefined && (v as unknown) !== ''));
    if (Object.keys(stop).length) config.stop = stop;
  }
  if (f.name.trim()) config.name = f.name.trim();
  return config;
}

/** Top-level config keys (dotted prefixes) the form shows for a kind: issues elsewhere go above the form. */
export function shownPrefixes(kind: Kind): string[] {
  if (kind === 'embeddings') return ['kind', 'name', 'file', 'labels', 'labelColumn', 'seed'];
  const common = ['kind', 'name', 'classes', 'dim', 'relu', 'temperature', 'lossForm', 'imbalance', 'batching', 'optimizer', 'epochs', 'evalEvery', 'seed'];
  return kind === 'deep' ? [...common, 'dataset', 'model', 'loss', 'views', 'augment', 'schedule'] : [...common, 'stop'];
}
