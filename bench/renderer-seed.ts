/**
 * Seeding a run database for the renderer benchmark, through the store API only: N finished UFM runs with
 * summaries (a few evaluation steps of the table's metrics), and M runs with E epochs of every charted metric
 * plus cosine / class-norm snapshots every `snapEvery` epochs.
 */
import { openStore, type Store } from '../src-main/store';

const METRICS = ['train/loss', 'train/gap', 'geom/deltaOF', 'geom/deltaETF', 'geom/nc1', 'acc/nccTrain', 'geom/cosMean', 'geom/normRatio'];

function config(i: number): Record<string, unknown> {
  const relu = i % 2 === 0;
  const ratio = [1, 10, 100][i % 3]!;
  return {
    kind: 'ufm',
    name: `bench run ${i}`,
    classes: 10,
    dim: 20,
    imbalance: ratio === 1 ? { profile: 'balanced', nMax: 50 } : { profile: 'step', nMax: 50, ratio, minorityFraction: 0.5 },
    relu,
    temperature: [0.1, 0.5, 1][Math.floor(i / 3) % 3]!,
    lossForm: 'paper',
    batching:
      i % 4 === 0
        ? { strategy: 'full', binding: i % 5 === 0, stepPer: 'epoch', dropLast: true }
        : { strategy: 'fixed', batchSize: 25, binding: i % 5 === 0, stepPer: 'epoch', dropLast: true },
    optimizer: { name: 'gd', lr: 0.05 },
    epochs: 1000,
    seed: i % 5,
    evalEvery: 10,
  };
}

function value(key: string, step: number, i: number): number {
  const decay = Math.exp(-step / (150 + (i % 7) * 40));
  switch (key) {
    case 'train/loss':
      return 300 + 200 * decay + (i % 3);
    case 'train/gap':
      return 200 * decay;
    case 'geom/deltaOF':
      return (i % 2 === 0 ? 0 : 0.3) + 0.6 * decay + 0.01 * Math.sin(step / 7 + i);
    case 'geom/deltaETF':
      return 0.5 * decay;
    case 'geom/nc1':
      return 4 * decay * decay;
    case 'acc/nccTrain':
      return 1 - 0.6 * decay;
    case 'geom/cosMean':
      return (i % 2 === 0 ? 0 : -0.111) - 0.2 * decay;
    default:
      return 1 + decay;
  }
}

function cosine(k: number, step: number, i: number): number[] {
  const off = (i % 2 === 0 ? 0 : -1 / (k - 1)) * (1 - Math.exp(-step / 200));
  const m: number[] = [];
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) m.push(a === b ? 1 : off + 0.02 * Math.sin(a * 3 + b * 5 + i));
  return m;
}

export interface Seeded {
  file: string;
  tableIds: number[];
  chartIds: number[];
}

/** `table` runs with summaries only, `charted` runs with `epochs` steps of every metric. */
export function seed(file: string, table: number, charted: number, epochs: number, snapEvery = 50): Seeded {
  const store: Store = openStore(file);
  try {
    const writer = store.metricWriter({ intervalMs: 1_000_000 });
    const tableIds: number[] = [];
    const chartIds: number[] = [];
    const create = (i: number): number => {
      const c = config(i);
      const id = store.createRun({ name: c.name as string, kind: 'ufm', config: c, seed: c.seed as number, appVersion: 'bench', status: 'running' });
      return id;
    };
    for (let i = 0; i < table; i++) {
      const id = create(i);
      tableIds.push(id);
      for (const step of [0, 500, 1000]) writer.writeMany(METRICS.map((key) => ({ runId: id, key, step, value: value(key, step, i) })));
      if (i % 500 === 499) writer.flush();
    }
    for (let j = 0; j < charted; j++) {
      const i = table + j;
      const id = create(i);
      chartIds.push(id);
      for (let step = 0; step < epochs; step++) {
        writer.writeMany(METRICS.map((key) => ({ runId: id, key, step, value: value(key, step, i) })));
        if (step % snapEvery === 0 || step === epochs - 1) {
          writer.snapshot({ runId: id, key: 'snap/cosine', step, rows: 10, cols: 10, data: cosine(10, step, i) });
          writer.snapshot({ runId: id, key: 'snap/classNorms', step, rows: 1, cols: 10, data: Array.from({ length: 10 }, (_, c) => (c < 5 ? 1 : 0.6 + 0.4 * (1 - Math.exp(-step / 300)))) });
        }
      }
      writer.flush();
    }
    writer.close();
    for (const id of [...tableIds, ...chartIds]) store.finishRun(id, 'finished');
    store.walCheckpoint();
    return { file, tableIds, chartIds };
  } finally {
    store.close();
  }
}
