/** Picks the job of a config's kind (loaded on demand: a UFM worker never loads the deep trainer). */
import type { RunConfig } from '../api/schema/config';
import type { RunResult } from '../api/schema/result';
import type { JobOptions, JobSink } from './job';

/** Run one validated config of any kind. */
export async function runJob(config: RunConfig, sink: JobSink, opts: JobOptions): Promise<RunResult> {
  switch (config.kind) {
    case 'ufm':
      return (await import('./ufm-job')).runUfmJob(config, sink, opts);
    case 'deep':
      return (await import('./deep-job')).runDeepJob(config, sink, opts);
    case 'embeddings':
      return (await import('./embeddings-job')).runEmbeddingsJob(config, sink, opts);
  }
}
