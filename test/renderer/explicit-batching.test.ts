import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { batchClasses, classRanges, parseBatchesText } from '../../src-renderer/lib/explicit-batches';
import { buildGrid } from '../../src-renderer/components/newrun/sweep-grid';
import { fromConfig, toConfig } from '../../src-renderer/lib/run-form';
import NewRunPage from '../../src-renderer/pages/NewRunPage.svelte';
import { fakeClient, type FakeClient } from './fake-client';
import { okAnalysis } from './fixtures';
import { renderWith } from './render-with';

vi.mock('../../src-renderer/components/charts/chart-setup', async () => (await import('./chart-mock')).chartSetupMock);

function fieldOf(path: string): HTMLElement {
  const el = document.querySelector<HTMLElement>(`[data-field="${path}"]`);
  if (!el) throw new Error(`no field ${path}`);
  return el;
}

describe('explicit batches: form helpers', () => {
  it('parse pasted JSON, a loaded batching object, or pass bad text through for the server to name', () => {
    expect(parseBatchesText(' [[0, 1], [2, 3]] ')).toEqual([[0, 1], [2, 3]]);
    expect(parseBatchesText('{"strategy": "explicit", "batches": [[0, 4]]}')).toEqual([[0, 4]]);
    expect(parseBatchesText('[[0, 1]')).toBe('[[0, 1]');
    expect(parseBatchesText('  ')).toBeUndefined();
  });

  it('which examples are which class, and the classes in each batch', () => {
    expect(classRanges([2, 2, 2])).toEqual([{ cls: 0, first: 0, last: 1 }, { cls: 1, first: 2, last: 3 }, { cls: 2, first: 4, last: 5 }]);
    expect(batchClasses([[0, 1, 2, 3], [0, 4], [9]], [2, 2, 2])).toEqual([
      { index: 0, classes: [0, 0, 1, 1] },
      { index: 1, classes: [0, 2] },
      { index: 2, classes: [null] },
    ]);
  });

  it('round-trips through a stored config (clone & edit) without a batch size', () => {
    const f = fromConfig({ kind: 'ufm', batching: { strategy: 'explicit', batches: [[0, 1, 2, 3], [2, 3, 4, 5]], binding: true } });
    expect(f.batching.strategy).toBe('explicit');
    const c = toConfig(f) as { batching: Record<string, unknown> };
    expect(c.batching).toEqual({ strategy: 'explicit', batches: [[0, 1, 2, 3], [2, 3, 4, 5]], binding: true, stepPer: 'epoch', dropLast: true });
  });
});

describe('explicit batches in the sweep builder', () => {
  it('a grid over batching.batches takes JSON values separated by ";"', () => {
    expect(buildGrid([{ field: 'batching.batches', values: '[[0,1,2,3],[2,3,4,5],[0,4]]; [[0,1,2,3],[2,3,4,5],[0,4],[0,1,4]]' }])).toEqual({
      grid: { 'batching.batches': [[[0, 1, 2, 3], [2, 3, 4, 5], [0, 4]], [[0, 1, 2, 3], [2, 3, 4, 5], [0, 4], [0, 1, 4]]] },
      cells: 2,
    });
    expect(buildGrid([{ field: 'batching.batches', values: '[[0,1], [2' }])).toEqual({ error: '"[[0,1], [2" is not JSON (separate the values with ";")', row: 0 });
  });
});

describe('New run form: explicit batches', () => {
  let client: FakeClient;
  beforeEach(() => {
    localStorage.clear(); // the New run page keeps a draft across reloads: each test starts from the example
    client = fakeClient({
      'runs.validate': () => ({ ok: true, issues: [], counts: [20, 20, 2, 2], analysis: okAnalysis }),
      'runs.create': () => ({ id: 42 }),
    });
  });
  afterEach(() => {
    location.hash = '';
  });

  it('paste a list: it is sent as batching.batches, and the page shows which examples are which class', async () => {
    renderWith(NewRunPage, client, { validateDelay: 0 });
    await fireEvent.change(within(fieldOf('batching.strategy')).getByRole('combobox'), { target: { value: 'explicit' } });
    expect(document.querySelector('[data-field="batching.batchSize"]')).toBeNull();
    const text = within(fieldOf('batching.batches')).getByRole('textbox');
    await fireEvent.input(text, { target: { value: '[[0, 1, 40, 41], [40, 41, 42, 43], [0, 42]]' } });
    await waitFor(() =>
      expect(client.callsOf('runs.validate').at(-1)!.config).toMatchObject({
        batching: { strategy: 'explicit', batches: [[0, 1, 40, 41], [40, 41, 42, 43], [0, 42]] },
      }),
    );
    expect((client.callsOf('runs.validate').at(-1)!.config as { batching: object }).batching).not.toHaveProperty('batchSize');
    const ranges = screen.getByTestId('class-ranges').textContent!;
    expect(ranges).toContain('class 0: 0–19');
    expect(ranges).toContain('class 3: 42–43');
    expect(screen.getByTestId('batch-classes').textContent).toContain('batch 2: classes 0 3');
  });

  it("the server's message for a bad index sits next to the batches field", async () => {
    client.handlers['runs.validate'] = () => ({
      ok: false,
      issues: [{ field: 'batching.batches.2.1', message: 'index 99 is out of range: the imbalance profile gives 44 examples (0..43)' }],
      counts: [20, 20, 2, 2],
      analysis: null,
    });
    renderWith(NewRunPage, client, { validateDelay: 0 });
    await fireEvent.change(within(fieldOf('batching.strategy')).getByRole('combobox'), { target: { value: 'explicit' } });
    expect(await within(fieldOf('batching.batches')).findByText(/index 99 is out of range/)).toBeTruthy();
  });

  it('load a JSON file into the list', async () => {
    renderWith(NewRunPage, client, { validateDelay: 0 });
    await fireEvent.change(within(fieldOf('batching.strategy')).getByRole('combobox'), { target: { value: 'explicit' } });
    const input = screen.getByLabelText('Load a JSON file') as HTMLInputElement;
    const file = new File(['[[0, 1, 2], [3, 4, 5]]'], 'batches.json', { type: 'application/json' });
    Object.defineProperty(input, 'files', { value: [file] });
    await fireEvent.change(input);
    await waitFor(() => expect((within(fieldOf('batching.batches')).getByRole('textbox') as HTMLTextAreaElement).value).toBe('[[0, 1, 2], [3, 4, 5]]'));
    await waitFor(() => expect(client.callsOf('runs.validate').at(-1)!.config).toMatchObject({ batching: { batches: [[0, 1, 2], [3, 4, 5]] } }));
  });
});
