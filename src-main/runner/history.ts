/** Rebuild a run's evaluation history (before `epoch`) from its stored series, for resumed runs. */
import type { EvalRecordOut } from '../api/schema/result';
import type { Store } from '../store';
import { evalLossKey } from '../api/schema/metric-keys';

const FIELDS: [keyof EvalRecordOut, string][] = [
  ['loss', 'train/loss'], // deep runs: train/lossMean (evalLossKey)
  ['optimalLoss', 'train/optimalLoss'],
  ['gap', 'train/gap'],
  ['deltaOF', 'geom/deltaOF'],
  ['deltaETF', 'geom/deltaETF'],
  ['nc1', 'geom/nc1'],
  ['cosMean', 'geom/cosMean'],
  ['cosMin', 'geom/cosMin'],
  ['cosMax', 'geom/cosMax'],
  ['normRatio', 'geom/normRatio'],
  ['nccAccTrain', 'acc/nccTrain'],
  ['nccAccTest', 'acc/nccTest'],
  ['ceAccTrain', 'acc/ceTrain'],
  ['ceAccTest', 'acc/ceTest'],
];

export function priorHistory(store: Store, runId: number, epoch: number): EvalRecordOut[] {
  const byStep = new Map<number, Record<string, number | null>>();
  const lossKey = evalLossKey(store.getRun(runId).kind);
  for (const [field, fieldKey] of FIELDS) {
    const key = field === 'loss' ? lossKey : fieldKey;
    const s = store.getSeries(runId, key, { x1: epoch - 1, buckets: Number.MAX_SAFE_INTEGER });
    for (const p of s.points) {
      const rec = byStep.get(p.step) ?? {};
      rec[field] = p.value;
      byStep.set(p.step, rec);
    }
  }
  return [...byStep.entries()]
    .sort((a, b) => a[0] - b[0])
    // an evaluation point is whole or left out (the result contract has no NaN)
    .filter(([, r]) => ['deltaOF', 'deltaETF', 'nc1', 'cosMean', 'cosMin', 'cosMax', 'normRatio', 'nccAccTrain'].every((f) => Number.isFinite(r[f])))
    .map(([step, r]) => ({
      epoch: step,
      loss: r.loss ?? null,
      optimalLoss: r.optimalLoss ?? null,
      gap: r.gap ?? null,
      deltaOF: r.deltaOF!,
      deltaETF: r.deltaETF ?? NaN,
      nc1: r.nc1 ?? NaN,
      cosMean: r.cosMean ?? NaN,
      cosMin: r.cosMin ?? NaN,
      cosMax: r.cosMax ?? NaN,
      normRatio: r.normRatio ?? NaN,
      nccAccTrain: r.nccAccTrain ?? NaN,
      ...(r.nccAccTest !== undefined ? { nccAccTest: r.nccAccTest } : {}),
      ...(r.ceAccTrain !== undefined && r.ceAccTrain !== null ? { ceAccTrain: r.ceAccTrain, ceAccTest: r.ceAccTest ?? null } : {}),
    }));
}
