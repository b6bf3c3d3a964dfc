import { fireEvent, screen } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import RunPage from '../../src-renderer/pages/RunPage.svelte';
import type { MethodOutput } from '../../src-renderer/lib/client';
import { backendSkipped } from '../../src-renderer/lib/run-fields';
import { FakeChart } from './chart-mock';
import { fakeClient, type FakeClient } from './fake-client';
import { makeRun } from './fixtures';
import { renderWith } from './render-with';

vi.mock('../../src-renderer/components/charts/chart-setup', async () => (await import('./chart-mock')).chartSetupMock);

function detail(env: unknown, backend: string | null = 'wasm'): MethodOutput<'runs.get'> {
  return { ...makeRun(3, { backend }), appVersion: '0.1.0', env, result: null };
}

describe('Run page: the backend and why faster ones were skipped', () => {
  let client: FakeClient;
  beforeEach(() => {
    FakeChart.instances = [];
    client = fakeClient({
      'runs.series': ({ runIds, key }) => ({ series: runIds.map((runId) => ({ runId, key, points: [], total: 0, decimated: false })) }),
      'runs.snapshotSteps': () => ({ steps: [] }),
      'runs.snapshot': () => null,
    });
  });

  it('names the backend and lists the skipped ones with their reasons', async () => {
    client.handlers['runs.get'] = () =>
      detail({
        node: '20.19.0',
        backendSkipped: [
          { name: 'tfjs-node-gpu', reason: 'libcudart.so.11.0: cannot open shared object file' },
          { name: 'tfjs-node', reason: 'the native binding was built for another Node.js ABI' },
        ],
      });
    renderWith(RunPage, client, { id: 3 });
    const badge = await screen.findByTestId('run-backend');
    expect(badge.textContent).toBe('wasm');
    expect(badge.getAttribute('title')).toContain('tfjs-node-gpu: libcudart.so.11.0');
    const summary = screen.getByText(/why not faster\?/);
    expect(summary.textContent).toContain('Ran on wasm');
    expect(summary.textContent).toContain('2 skipped: tfjs-node-gpu, tfjs-node');
    await fireEvent.click(summary);
    expect(screen.getByText('the native binding was built for another Node.js ABI')).toBeTruthy();
  });

  it('says nothing more when the first choice ran, or the run never started', async () => {
    client.handlers['runs.get'] = () => detail({ node: '20.19.0', backendSkipped: [] }, 'tfjs-node-gpu');
    const r = renderWith(RunPage, client, { id: 3 });
    expect((await screen.findByTestId('run-backend')).getAttribute('title')).toBe('compute backend: tfjs-node-gpu');
    expect(screen.queryByText(/why not faster/)).toBeNull();
    r.unmount();
    client.handlers['runs.get'] = () => detail(null, null);
    renderWith(RunPage, client, { id: 3 });
    expect((await screen.findByTestId('run-backend')).textContent).toBe('backend: not started');
    expect(screen.queryByText(/why not faster/)).toBeNull();
  });

  it('shows the threads and the wasm build the run used (env.threads, env.wasmBuild, env.threadBudget)', async () => {
    client.handlers['runs.get'] = () =>
      detail({
        node: '20.19.0',
        backendSkipped: [],
        threads: 2,
        threadsRequested: 2,
        wasmBuild: 'threaded-simd',
        wasmReason: 'threaded build self-tested, 2 threads, init 310 ms',
        threadBudget: { cores: 2, concurrency: 1, policy: 'share' },
      });
    const r = renderWith(RunPage, client, { id: 3 });
    const badge = await screen.findByTestId('run-backend');
    expect(badge.textContent).toBe('wasm · 2 threads');
    expect(badge.getAttribute('title')).toBe(
      'compute backend: wasm · 2 threads; threaded-simd build; share of 2 core(s), 1 run(s) at once; threaded build self-tested, 2 threads, init 310 ms',
    );
    r.unmount();
    // a fallback: asked for 2, ran on 1, and why
    client.handlers['runs.get'] = () =>
      detail({
        threads: 1,
        threadsRequested: 2,
        wasmBuild: 'simd',
        wasmReason: 'the threaded build failed: SharedArrayBuffer is not available; single-threaded SIMD build instead',
        backendSkipped: [{ name: 'wasm threaded-simd', reason: 'the threaded build failed: SharedArrayBuffer is not available' }],
      });
    renderWith(RunPage, client, { id: 3 });
    const b2 = await screen.findByTestId('run-backend');
    expect(b2.textContent).toBe('wasm · 1 thread');
    expect(b2.getAttribute('title')).toContain('simd build; asked for 2;');
    expect(screen.getByText(/why not faster\?/).textContent).toContain('1 skipped: wasm threaded-simd');
  });

  it('reads env.backendSkipped defensively', () => {
    expect(backendSkipped(undefined)).toEqual([]);
    expect(backendSkipped({ backendSkipped: 'x' })).toEqual([]);
    expect(backendSkipped({ backendSkipped: [{ name: 'wasm' }, { reason: 'nameless' }, null] })).toEqual([{ name: 'wasm', reason: 'no reason recorded' }]);
  });
});
