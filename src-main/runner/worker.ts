/**
 * Training worker (worker_threads). Receives one `start` message, runs the job, streams typed messages,
 * then exits. Metric rows are coalesced for at most 50 ms so that the store's 250 ms flush bound holds.
 */
import { parentPort } from 'node:worker_threads';
import { parseRunConfig } from '../api/schema/config';
import { initBackend, type BackendChoice } from '../compute/backend';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec';
import { runJob } from './run-job';
import type { StartMessage, WorkerMessage } from './protocol';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

function post(m: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(m, transfer);
}

port.once('message', async (msg: StartMessage) => {
  const flag = new Int32Array(msg.cancelFlag);
  let pending: { step: number; key: string; value: number }[] = [];
  let lastPost = 0;
  let lastProgress = 0;
  const flushMetrics = () => {
    if (pending.length) post({ type: 'metrics', rows: pending });
    pending = [];
    lastPost = Date.now();
  };
  try {
    const config = parseRunConfig(msg.config);
    const backend = await initBackend(msg.backend as BackendChoice, { threads: msg.threads });
    post({ type: 'backend', name: backend.name, skipped: backend.skipped, threads: backend.threads, threadsRequested: backend.threadsRequested, wasm: backend.wasm });
    const result = await runJob(
      config,
      {
        progress(p) {
          // at most every 50 ms (a UFM epoch can take 0.3 ms), and always the last epoch
          const now = Date.now();
          if (now - lastProgress >= 50 || (p.epoch === p.epochs && p.batch === undefined)) {
            lastProgress = now;
            post({ type: 'progress', ...p });
          }
        },
        metrics(step, values) {
          for (const [key, value] of Object.entries(values)) if (value !== null) pending.push({ step, key, value });
          if (Date.now() - lastPost >= 50) flushMetrics();
        },
        snapshot: (s) => post({ type: 'snapshot', ...s }),
        eval: (record) => post({ type: 'eval', record }),
        checkpoint(c) {
          flushMetrics(); // the checkpoint must never be ahead of the metrics it covers
          const { data, meta } = encodeCheckpoint(c);
          post({ type: 'checkpoint', epoch: c.epoch, data, meta }, [data.buffer as ArrayBuffer]);
        },
        log: (line) => post({ type: 'log', line }),
        shouldStop: () => Atomics.load(flag, 0) === 1,
      },
      {
        backend: backend.name,
        restore: msg.restore ? decodeCheckpoint(msg.restore.data, msg.restore.meta) : undefined,
        priorHistory: msg.priorHistory as never,
        priorSeconds: msg.priorSeconds,
      },
    );
    flushMetrics();
    post({ type: 'done', result: { ...result, runId: msg.runId } });
  } catch (e) {
    flushMetrics();
    post({ type: 'failed', error: (e as Error).message ?? String(e) });
  }
});
