/**
 * What a run config will cost before it is stored: memory (UFM features and their optimiser state, the batch
 * similarity matrices and one-hot masks, the k x k class matrices; a deep run's dataset subset, model
 * parameters and activations, embeddings) and work (examples x epochs). Pure: the budget is an argument.
 * A config over budget is refused with the field that drives the largest part and the estimate.
 *
 * The figures are deliberately rough (within a small factor) and on the high side: they are there to refuse
 * configs that would take the machine down (1e9 examples, 200000 classes), not to fine-tune ordinary ones.
 */
import type { ConfigIssue, RunConfig } from '../api/schema/config';
import { classCounts } from '../science/imbalance';

export interface Budget {
  /** Bytes a run may use. */
  memoryBytes: number;
  /** Example-epochs (training examples x epochs) a run may take. */
  work: number;
}

export interface CostPart {
  what: string;
  field: string;
  bytes: number;
}

export interface Estimate {
  parts: CostPart[];
  bytes: number;
  /** Example-epochs. */
  work: number;
  examples: number;
}

const IMAGE_SHAPE: Record<string, [number, number, number]> = { mnist: [28, 28, 1], 'fashion-mnist': [28, 28, 1], cifar10: [32, 32, 3], cifar100: [32, 32, 3] };
const TEST_SIZE: Record<string, number> = { mnist: 10_000, 'fashion-mnist': 10_000, cifar10: 10_000, cifar100: 10_000 };
const F32 = 4;

function countsField(c: Extract<RunConfig, { kind: 'ufm' | 'deep' }>): string {
  return c.imbalance.profile === 'custom' ? 'imbalance.counts' : 'imbalance.nMax';
}

/** Rows of one epoch's stacked batches and their width (binding appends one example per class to each batch). */
function batchShape(c: Extract<RunConfig, { kind: 'ufm' | 'deep' }>, n: number, k: number): { rows: number; width: number } {
  if (c.batching.strategy === 'full') return { rows: n, width: n };
  const b = Math.min(c.batching.batchSize ?? n, n);
  const width = b + (c.batching.binding ? k : 0);
  return { rows: Math.ceil(n / b) * width, width };
}

/** Parameters of the deep model, and activations per example (forward), in floats. */
function modelSize(c: Extract<RunConfig, { kind: 'deep' }>, shape: number[]): { params: number; activations: number } {
  const inputs = shape.reduce((a, b) => a * b, 1);
  const m = c.model;
  if (m.name === 'mlp') {
    let params = 0, prev = inputs, act = inputs;
    for (const h of [...m.hidden, c.dim]) {
      params += prev * h + h;
      act += h;
      prev = h;
    }
    return { params: params + c.dim * c.classes, activations: act };
  }
  const [h, w, ch] = shape.length === 3 ? shape : [shape[0] ?? 1, 1, 1];
  if (m.name === 'cnn') {
    const flat = Math.floor(h / 4) * Math.floor(w / 4) * 64;
    return { params: 9 * ch * 32 + 9 * 32 * 64 + flat * 128 + 128 * c.dim, activations: h * w * (ch + 32 * 2) + (h * w * 64 * 2) / 4 + 128 + c.dim };
  }
  // ResNet-18 (CIFAR stem): ~11.2 M parameters at width 64, scaling with width^2; activations ~ 17 maps of w*h*w
  const s = m.width / 64;
  return { params: 11.2e6 * s * s + 512 * s * c.dim, activations: 17 * h * w * m.width * 1.3 };
}

/** The memory and work of a validated config. `fileBytes`: sizes of an embeddings run's files, if known. */
export function estimateRun(c: RunConfig, fileBytes: { file?: number; labels?: number } = {}): Estimate {
  if (c.kind === 'embeddings') {
    // features are parsed into Float64 (CSV text: ~ 4 bytes per value on disk), then metrics over n x d
    const bytes = ((fileBytes.file ?? 0) + (fileBytes.labels ?? 0)) * 6;
    return { parts: [{ what: 'imported features', field: 'file', bytes }], bytes, work: 0, examples: 0 };
  }
  const k = c.classes;
  const counts = classCounts(c.imbalance, k);
  const n = counts.reduce((a, b) => a + b, 0);
  const parts: CostPart[] = [];
  const { rows, width } = batchShape(c, n, k);
  const b0 = c.batching.batchSize ?? n;
  // binding appends one example per class: with many classes they, not the batch size, make the batches wide
  const batchField = c.batching.strategy === 'full' ? 'batching.strategy' : c.batching.binding && k >= b0 ? 'classes' : 'batching.batchSize';
  // k x k: Gram and cosine matrices (Float64) in the worker, their snapshots in flight, the analyser's coverage
  parts.push({ what: `class matrices (${k} x ${k})`, field: 'classes', bytes: k * k * (8 * 6 + 1) });
  if (c.kind === 'ufm') {
    const states = c.optimizer.name === 'adam' ? 2 : c.optimizer.name === 'momentum' ? 1 : 0;
    // features + gradient + optimiser state, and their checkpoint copies (worker, message, store)
    parts.push({ what: `UFM features (${n} examples x ${c.dim} dims)`, field: countsField(c), bytes: n * c.dim * F32 * (2 + states + 3 * (1 + states)) });
    parts.push({ what: `batch similarity matrices (${rows} rows x ${width})`, field: batchField, bytes: rows * width * F32 * 5 });
    parts.push({ what: `stacked batches (${rows} rows x ${c.dim} dims)`, field: countsField(c), bytes: rows * c.dim * F32 * 4 + rows * 16 });
    parts.push({ what: `one-hot label masks (${rows} rows x ${k} classes)`, field: 'classes', bytes: rows * k * F32 * 2 });
    const bytes = parts.reduce((a, p) => a + p.bytes, 0);
    return { parts, bytes, work: n * c.epochs, examples: n };
  }
  const ds = c.dataset;
  const shape = ds.name === 'synthetic' ? (ds.shape.kind === 'vector' ? [ds.shape.dim] : [ds.shape.height, ds.shape.width, ds.shape.channels]) : IMAGE_SHAPE[ds.name]!;
  const inputs = shape.reduce((a, b) => a * b, 1);
  const test = ds.name === 'synthetic' ? ds.testPerClass * k : ds.testPerClass !== undefined ? ds.testPerClass * k : TEST_SIZE[ds.name]!;
  parts.push({ what: `dataset subset (${n} + ${test} examples x ${inputs} values)`, field: n >= test ? countsField(c) : 'dataset.testPerClass', bytes: (n + test) * inputs * F32 * 2 });
  const model = modelSize(c, shape);
  parts.push({ what: `model parameters (${Math.round(model.params)})`, field: 'model', bytes: model.params * F32 * 6 });
  const b = (c.batching.strategy === 'full' ? n : Math.min(c.batching.batchSize ?? n, n)) + (c.batching.binding ? k : 0);
  parts.push({ what: `activations (${b * c.views} examples per step x ${Math.round(model.activations)})`, field: batchField, bytes: b * c.views * model.activations * F32 * 3 });
  parts.push({ what: `embeddings (${n + test} x ${c.dim})`, field: 'dim', bytes: (n + test) * c.dim * F32 * 2 });
  const bytes = parts.reduce((a, p) => a + p.bytes, 0);
  return { parts, bytes, work: n * c.views * c.epochs, examples: n };
}

export function formatBytes(b: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) {
    b /= 1024;
    i++;
  }
  return `${b.toPrecision(3)} ${units[i]}`;
}

/** The issues of a config that exceeds the budget (empty when it fits). */
export function budgetIssues(e: Estimate, budget: Budget): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!(e.bytes <= budget.memoryBytes)) {
    const top = [...e.parts].sort((a, b) => b.bytes - a.bytes)[0]!;
    issues.push({
      field: top.field,
      message: `this config needs about ${formatBytes(e.bytes)} of memory (largest part: ${top.what}, ${formatBytes(top.bytes)}), more than the budget of ${formatBytes(budget.memoryBytes)} (SCL_LAB_MEMORY_BUDGET)`,
    });
  }
  if (!(e.work <= budget.work)) {
    issues.push({
      field: 'epochs',
      message: `this config trains ${e.examples} examples for its epochs, about ${e.work.toExponential(2)} example-epochs, more than the budget of ${budget.work.toExponential(2)} (SCL_LAB_WORK_BUDGET)`,
    });
  }
  return issues;
}

/** Parses "8G", "512M", "1.5GB" or plain bytes; null when it is not a size. */
export function parseBytes(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)B?\s*$/i.exec(s);
  if (!m) return null;
  const mult = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  return Number(m[1]) * mult;
}

/** Half the machine's memory and 1e10 example-epochs, unless the environment says otherwise. */
export function budgetFrom(env: Record<string, string | undefined>, totalMemBytes: number): Budget {
  const mem = env.SCL_LAB_MEMORY_BUDGET ? parseBytes(env.SCL_LAB_MEMORY_BUDGET) : null;
  const work = env.SCL_LAB_WORK_BUDGET ? Number(env.SCL_LAB_WORK_BUDGET) : NaN;
  return { memoryBytes: mem ?? totalMemBytes / 2, work: Number.isFinite(work) && work > 0 ? work : 1e10 };
}
