/** Geometry of imported embeddings (no training): one evaluation of every metric of spec section 3. */
import type { EmbeddingsConfig } from '../api/schema/config';
import type { RunResult } from '../api/schema/result';
import { loadEmbeddings } from '../data';
import { geometry, geometryScalars } from '../science/geometry';
import { emitSnapshots, evalScalars, finalMetrics, type JobOptions, type JobSink } from './job';

export function runEmbeddingsJob(config: EmbeddingsConfig, sink: JobSink, opts: JobOptions): RunResult {
  const t0 = performance.now();
  const e = loadEmbeddings(config.file, { labels: config.labels, labelColumn: config.labelColumn });
  if (e.k < 2) throw new Error(`${e.labelsFile}: the embeddings need at least 2 classes, found ${e.k}`);
  const counts = Array.from({ length: e.k }, () => 0);
  for (const y of e.labels) counts[y]++;
  sink.log?.(`embeddings: ${e.n} x ${e.d} from ${e.featuresFile}, ${e.k} classes${e.remapped ? ` (labels mapped: ${e.classValues.join(', ')})` : ''}`);
  const geom = geometry(e.X, e.d, e.labels, e.k, counts);
  const rec = {
    epoch: 0,
    loss: null,
    optimalLoss: null,
    gap: null,
    ...geometryScalars(geom),
  };
  sink.progress?.({ epoch: 1, epochs: 1, loss: 0 });
  sink.eval?.(rec);
  sink.metrics?.(0, evalScalars(rec, 'embeddings'));
  emitSnapshots(sink, 0, geom, counts);
  return {
    status: 'finished',
    backend: opts.backend,
    config,
    final: finalMetrics(rec, geom, counts),
    history: [rec],
    seconds: (performance.now() - t0) / 1000,
  };
}
