import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEventHub } from '../../src-main/api/events';
import type { Runner } from '../../src-main/runner/runner';

const fakeRunner = () => new EventEmitter() as unknown as Runner & EventEmitter;
const progress = (runId: number, epoch: number) => ({ runId, epoch, epochs: 100, loss: 1 / epoch, eta: null });

afterEach(() => {
  vi.useRealTimers();
});

describe('event hub', () => {
  it('throttles progress to 4 per second per run, latest wins, statuses wait behind it', () => {
    vi.useFakeTimers();
    const runner = fakeRunner();
    const hub = createEventHub(runner);
    const got: [string, Record<string, unknown>][] = [];
    hub.subscribe((e, p) => got.push([e, p as Record<string, unknown>]));
    runner.emit('status', { runId: 1, status: 'running' });
    for (let e = 1; e <= 50; e++) {
      runner.emit('progress', progress(1, e));
      runner.emit('progress', progress(2, e));
      vi.advanceTimersByTime(10); // 50 epochs in 500 ms
    }
    runner.emit('progress', progress(1, 100));
    const before = got.length;
    runner.emit('status', { runId: 1, status: 'finished', result: { ignored: true } });
    expect(got.length).toBe(before); // the status waits behind the pending progress
    vi.advanceTimersByTime(300);
    expect(got.slice(before).filter(([, p]) => p.runId === 1).map(([e]) => e)).toEqual(['run.progress', 'run.status']);
    const p1 = got.filter(([e, p]) => e === 'run.progress' && p.runId === 1).map(([, p]) => p.epoch);
    const p2 = got.filter(([e, p]) => e === 'run.progress' && p.runId === 2).map(([, p]) => p.epoch);
    expect(p1.length).toBeLessThanOrEqual(4); // 0, 250, 500, 750 ms
    expect(p1[0]).toBe(1);
    expect(p1.at(-1)).toBe(100);
    expect(p2.at(-1)).toBe(50); // runs are throttled independently
    const last = got.filter(([, p]) => p.runId === 1).at(-1)!;
    expect(last).toEqual(['run.status', { runId: 1, status: 'finished' }]); // extra fields stripped by the schema
    hub.close();
  });

  it('drops events that break the contract, maps flush updates, isolates listeners, unsubscribes', () => {
    const runner = fakeRunner();
    const errors: string[] = [];
    const hub = createEventHub(runner, { onError: (m) => errors.push(m) });
    const got: string[] = [];
    hub.subscribe(() => {
      throw new Error('boom');
    });
    const off = hub.subscribe((e, p) => got.push(`${e} ${JSON.stringify(p)}`));
    runner.emit('status', { runId: 0, status: 'running' }); // runId must be positive
    runner.emit('status', { runId: 3, status: 'exploded' });
    expect(got).toEqual([]);
    expect(errors.filter((m) => m.startsWith('dropped'))).toHaveLength(2);
    runner.emit('flush', [{ runId: 3, maxStep: 10, keys: ['train/loss', 'snap/cosine'] }]);
    expect(got).toEqual(['metrics.flushed {"updates":[{"runId":3,"maxStep":10,"keys":["train/loss","cosine"]}]}']);
    expect(errors.some((m) => m.includes('listener threw: boom'))).toBe(true);
    off();
    runner.emit('status', { runId: 3, status: 'finished' });
    expect(got).toHaveLength(1);
    hub.close();
    expect(runner.listenerCount('status')).toBe(0);
  });

  it('close() delivers pending progress and queued statuses', () => {
    vi.useFakeTimers();
    const runner = fakeRunner();
    const hub = createEventHub(runner);
    const got: string[] = [];
    hub.subscribe((e, p) => got.push(`${e}:${(p as { epoch?: number; status?: string }).epoch ?? (p as { status: string }).status}`));
    runner.emit('progress', progress(1, 1));
    runner.emit('progress', progress(1, 2));
    runner.emit('status', { runId: 1, status: 'cancelled' });
    hub.close();
    expect(got).toEqual(['run.progress:1', 'run.progress:2', 'run.status:cancelled']);
  });
});
