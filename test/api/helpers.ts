import { apiErrorSchema, methods, type ApiErrorShape, type EventName, type MethodName, type MethodOutput } from '../../src-main/api/contract';
import type { EventHub } from '../../src-main/api/events';

export const smallUfm = {
  kind: 'ufm',
  classes: 3,
  dim: 6,
  imbalance: { profile: 'balanced', nMax: 4 },
  relu: true,
  temperature: 1,
  batching: { strategy: 'full', binding: false },
  optimizer: { name: 'gd', lr: 0.05 },
  epochs: 200,
  evalEvery: 50,
};

/** The JSON body of a successful HTTP call, parsed by the method's output schema (a wrong shape fails the test). */
export async function outputOf<M extends MethodName>(method: M, res: Response): Promise<MethodOutput<M>> {
  const schema = methods[method].output;
  // the parsed value is that method's output; TypeScript does not narrow the schema union through the generic M
  return schema.parse(await res.json()) as MethodOutput<M>;
}

/** The JSON body of a refused HTTP call: the contract's error shape ({ code, message, issues? }). */
export async function errorOf(res: Response): Promise<ApiErrorShape> {
  return apiErrorSchema.parse(await res.json());
}

// temporary folders: the shared ones, removed after each test file
export { removeTempDirs, tempDir } from '../support/tmp';

export interface Recorded {
  event: EventName;
  payload: Record<string, unknown>;
  at: number;
}

/** Records every event of a hub; `until` resolves when one matches. */
export function recorder(hub: EventHub) {
  const seen: Recorded[] = [];
  const waiters: { pred: (r: Recorded) => boolean; resolve: (r: Recorded) => void }[] = [];
  const unsubscribe = hub.subscribe((event, payload) => {
    const r = { event, payload: payload as Record<string, unknown>, at: Date.now() };
    seen.push(r);
    for (const w of [...waiters]) if (w.pred(r)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(r);
    }
  });
  function until(pred: (r: Recorded) => boolean, timeoutMs = 50_000): Promise<Recorded> {
    const hit = seen.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out waiting for an event')), timeoutMs);
      waiters.push({ pred, resolve: (r) => (clearTimeout(t), resolve(r)) });
    });
  }
  return { seen, until, unsubscribe };
}

export const terminal = (runId: number) => (r: Recorded) =>
  r.event === 'run.status' && r.payload.runId === runId && ['finished', 'failed', 'cancelled'].includes(r.payload.status as string);
