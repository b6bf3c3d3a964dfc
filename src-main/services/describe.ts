/** One line describing a run config, for the terminal and the reproduction report. */
import type { RunConfig } from '../api/schema/config';

export function describeConfig(c: RunConfig): string {
  if (c.kind === 'embeddings') return `embeddings ${c.file}${c.labels ? ` (labels ${c.labels})` : ''}`;
  const what = c.kind === 'deep' ? `deep ${c.dataset.name} ${c.model.name} ${c.loss}${c.loss === 'scl' ? ` views=${c.views}` : ''}` : 'ufm';
  const solver = c.kind === 'ufm' ? ` ${c.optimizer.name}` : '';
  return `${what}${solver}  k=${c.classes} d=${c.dim} relu=${c.relu} tau=${c.temperature} ${c.batching.strategy}${c.batching.batches ? `(${c.batching.batches.length} batches)` : ''}${c.batching.binding ? '+binding' : ''} epochs=${c.epochs} seed=${c.seed}`;
}
