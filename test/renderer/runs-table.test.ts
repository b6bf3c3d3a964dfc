import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import RunsTable from '../../src-renderer/components/runs/RunsTable.svelte';
import { COLUMNS } from '../../src-renderer/lib/columns';
import { emptySelection, type SelState } from '../../src-renderer/lib/selection';
import { buildRows } from '../../src-renderer/lib/table-model';
import RunsPage from '../../src-renderer/pages/RunsPage.svelte';
import { fakeClient } from './fake-client';
import { makeRun } from './fixtures';
import { renderWith } from './render-with';

vi.mock('../../src-renderer/components/charts/chart-setup', async () => (await import('./chart-mock')).chartSetupMock);

const runs10k = Array.from({ length: 10_000 }, (_, i) => makeRun(10_000 - i));

function bodyRows(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>('[role="row"][data-run-id], [role="row"][aria-expanded]')];
}
const rowOf = (id: number) => document.querySelector<HTMLElement>(`[role="row"][data-run-id="${id}"]`)!;

describe('runs table (component)', () => {
  it('renders a bounded number of rows for 10,000 runs, and the rows in view after a scroll', async () => {
    let sel = emptySelection();
    const rows = buildRows(runs10k, { sort: null, groupSeeds: false, expanded: new Set() });
    const t0 = performance.now();
    const { container } = render(RunsTable, {
      props: { rows, columns: COLUMNS, sel, sort: null, onselect: (s: SelState) => (sel = s), onsort: () => {}, onopen: () => {}, ontogglegroup: () => {} },
    });
    const ms = performance.now() - t0;
    const n = bodyRows().length;
    expect(n).toBeGreaterThan(10);
    expect(n).toBeLessThan(60);
    expect(ms).toBeLessThan(2000);
    const grid = container.querySelector<HTMLElement>('[role="grid"]')!;
    expect(grid.getAttribute('aria-rowcount')).toBe('10001');
    // the body is as tall as all rows: the scrollbar is honest
    expect((grid.querySelector('[role="rowgroup"]') as HTMLElement).style.height).toBe(`${10_000 * 30}px`);

    grid.scrollTop = 150_000; // row 5000
    await fireEvent.scroll(grid);
    const ids = bodyRows().map((r) => Number(r.dataset.runId));
    expect(bodyRows().length).toBeLessThan(60);
    expect(ids).toContain(10_000 - 5000);
    expect(ids).not.toContain(10_000);
  });
});

describe('Runs page', () => {
  let client: ReturnType<typeof fakeClient>;
  beforeEach(() => {
    localStorage.clear(); // the table keeps its state across reloads: each test starts afresh
    client = fakeClient({
      // pages like the server: the table loads the newest 200 first, then the rest
      'runs.list': ({ limit = 10_000, offset = 0 }) => ({ runs: runs10k.slice(offset, offset + limit), total: 10_000 }),
      'sweeps.list': () => ({ sweeps: [] }),
      'runs.delete': ({ ids }) => ({ deleted: ids.length }),
      'runs.addTag': ({ tag }) => ({ tags: [tag] }),
    });
  });

  it('lists 10,000 runs with a bounded DOM, loaded in pages', async () => {
    renderWith(RunsPage, client, {});
    await screen.findByText(/^10,000 runs/);
    expect(client.callsOf('runs.list').map((q) => [q.offset ?? 0, q.limit])).toEqual([
      [0, 200],
      [200, 5000],
      [5200, 5000],
    ]);
    expect(bodyRows().length).toBeLessThan(60);
    expect(rowOf(10_000)).toBeTruthy();
    // latest metrics from the summaries
    expect(within(rowOf(10_000)).getByText('10')).toBeTruthy(); // ΔOF 0.001 * 10000 (relu run)
  });

  it('gives the table the side panel\'s width until a run is selected (no empty 270 px panel)', async () => {
    renderWith(RunsPage, client, {});
    await screen.findByText(/^10,000 runs/);
    expect(screen.queryByRole('complementary', { name: 'Run details' })).toBeNull();
    expect(screen.getByText(/Select a run for its details/)).toBeTruthy();
    await fireEvent.click(rowOf(9998));
    expect(await screen.findByRole('complementary', { name: 'Run details' })).toBeTruthy();
    expect(screen.queryByText(/Select a run for its details/)).toBeNull();
  });

  it('sends "deltaOF < 0.05, relu = true" as filters (compiled to SQL by the store), other text as a search', async () => {
    renderWith(RunsPage, client, {});
    await screen.findByText(/^10,000 runs/);
    await fireEvent.input(screen.getByLabelText('Search runs'), { target: { value: 'deltaOF < 0.05, relu = true' } });
    await waitFor(() => expect(client.callsOf('runs.list').at(-1)).toMatchObject({ filters: [{ field: 'deltaOF', op: '<', value: 0.05 }, { field: 'relu', op: '=', value: true }] }));
    expect(client.callsOf('runs.list').at(-1)!.text).toBeUndefined();
    await fireEvent.input(screen.getByLabelText('Search runs'), { target: { value: 'baseline' } });
    await waitFor(() => expect(client.callsOf('runs.list').at(-1)!.filters).toBeUndefined());
    expect(client.callsOf('runs.list').at(-1)!.text).toBeUndefined();
  });

  it('a plain search matches what the table shows (R=100, the made-up name of an unnamed run)', async () => {
    const mk = (id: number, ratio: number, name: string | null) =>
      makeRun(id, { name, config: { ...makeRun(id).config, imbalance: { profile: 'step', nMax: 100, ratio } } });
    const few = [mk(1, 100, null), mk(2, 10, null), mk(3, 100, 'mine')];
    client.handlers['runs.list'] = () => ({ runs: few, total: few.length });
    renderWith(RunsPage, client, {});
    await screen.findByText(/^3 runs/);
    await fireEvent.input(screen.getByLabelText('Search runs'), { target: { value: 'R=100' } });
    await waitFor(() => expect(bodyRows().map((r) => Number(r.dataset.runId)).sort()).toEqual([1, 3]));
    expect(screen.getByTestId('runs-count').textContent).toMatch(/^2 runs/);
    await fireEvent.input(screen.getByLabelText('Search runs'), { target: { value: 'UFM step R=10 seed 2' } });
    await waitFor(() => expect(bodyRows().map((r) => Number(r.dataset.runId))).toEqual([2]));
  });

  it('keeps sort, filters, grouping and the chosen columns across a reload; any config field as a column', async () => {
    const first = renderWith(RunsPage, client, {});
    await screen.findByText(/^10,000 runs/);
    await fireEvent.click(screen.getByText('Columns'));
    const chooser = screen.getByRole('group', { name: 'Columns shown' });
    await fireEvent.click(within(chooser).getByLabelText(/Created/));
    await fireEvent.click(within(chooser).getByLabelText(/NCC acc \(test\)/));
    await fireEvent.input(within(chooser).getByLabelText('Add a config column'), { target: { value: 'optimizer.lr' } });
    await fireEvent.click(within(chooser).getByRole('button', { name: 'Add' }));
    await fireEvent.click(within(screen.getByRole('columnheader', { name: /Seed/ })).getByRole('button'));
    await fireEvent.input(screen.getByLabelText('Search runs'), { target: { value: 'relu = true' } });
    const heads = () => screen.getAllByRole('columnheader').map((h) => h.textContent!.replace(/[▲▼]/g, '').trim());
    expect(heads()).toEqual(expect.arrayContaining(['Created', 'NCC acc (test)', 'lr']));
    expect(within(bodyRows()[0]!).getByText('0.05')).toBeTruthy(); // its optimizer.lr
    first.unmount();
    // "reload": a fresh page reads the same state back
    renderWith(RunsPage, client, {});
    await waitFor(() => expect(client.callsOf('runs.list').at(-1)).toMatchObject({ filters: [{ field: 'relu', op: '=', value: true }] }));
    expect((screen.getByLabelText('Search runs') as HTMLInputElement).value).toBe('relu = true');
    await waitFor(() => expect(heads()).toEqual(expect.arrayContaining(['Created', 'NCC acc (test)', 'lr'])));
    expect(screen.getByRole('columnheader', { name: /Seed/ }).getAttribute('aria-sort')).toBe('ascending');
  });

  it('selects with click, shift-click, ctrl-click and the keyboard', async () => {
    renderWith(RunsPage, client, {});
    await screen.findByText(/10,000 runs/);
    const sel = () => bodyRows().filter((r) => r.getAttribute('aria-selected') === 'true').map((r) => Number(r.dataset.runId));

    await fireEvent.click(rowOf(9998));
    expect(sel()).toEqual([9998]);
    await fireEvent.click(rowOf(9995), { shiftKey: true });
    expect(sel()).toEqual([9998, 9997, 9996, 9995]);
    await fireEvent.click(rowOf(9996), { ctrlKey: true });
    expect(sel()).toEqual([9998, 9997, 9995]);
    await fireEvent.click(rowOf(10_000), { ctrlKey: true });
    expect(sel()).toEqual([10_000, 9998, 9997, 9995]);
    expect(screen.getByText(/4 selected/)).toBeTruthy();

    const grid = screen.getByRole('grid');
    await fireEvent.click(rowOf(9990));
    await fireEvent.keyDown(grid, { key: 'ArrowDown' });
    await fireEvent.keyDown(grid, { key: 'ArrowDown', shiftKey: true });
    expect(sel()).toEqual([9989, 9988]);
    await fireEvent.keyDown(grid, { key: 'ArrowDown' });
    await fireEvent.keyDown(grid, { key: ' ' });
    expect(sel()).toEqual([9989, 9988, 9987]);
    await fireEvent.keyDown(grid, { key: 'ArrowUp' });
    await fireEvent.keyDown(grid, { key: ' ' });
    expect(sel()).toEqual([9989, 9987]);
    expect(grid.getAttribute('aria-activedescendant')).toBe('runrow-r9988');
    await fireEvent.keyDown(grid, { key: 'Escape' });
    expect(sel()).toEqual([]);
    // enter opens the run under the cursor
    await fireEvent.keyDown(grid, { key: 'Enter' });
    expect(location.hash).toBe('#/run/9988');
    // End jumps to the last run, and the table scrolls there (virtualised)
    await fireEvent.keyDown(grid, { key: 'End' });
    expect(grid.getAttribute('aria-activedescendant')).toBe('runrow-r1');
  });

  it('sorts by a column, both ways', async () => {
    renderWith(RunsPage, client, {});
    await screen.findByText(/10,000 runs/);
    const header = screen.getByRole('columnheader', { name: /ΔOF/ });
    await fireEvent.click(within(header).getByRole('button'));
    expect(header.getAttribute('aria-sort')).toBe('ascending');
    let first = bodyRows()[0]!;
    expect(Number(first.dataset.runId)).toBe(2); // smallest ΔOF: relu run 2 (0.002)
    await fireEvent.click(within(header).getByRole('button'));
    expect(header.getAttribute('aria-sort')).toBe('descending');
    first = bodyRows()[0]!;
    expect(Number(first.dataset.runId)).toBe(10_000); // largest: relu run 10000 (0.001 * 10000)
    await fireEvent.click(within(screen.getByRole('columnheader', { name: /Name/ })).getByRole('button'));
    expect(Number(bodyRows()[0]!.dataset.runId)).toBe(1);
  });

  it('collapses seed groups into one row with mean ± std and n', async () => {
    const few = [makeRun(3), makeRun(4), makeRun(5), makeRun(9)];
    client.handlers['runs.list'] = () => ({ runs: few, total: few.length });
    renderWith(RunsPage, client, {});
    await screen.findByText(/4 runs/);
    await fireEvent.click(screen.getByRole('checkbox', { name: /Group seeds/ }));
    // runs 3 and 5 are non-relu with hash-plain-1: one group of 2 seeds
    const group = document.querySelector<HTMLElement>('[role="row"][aria-expanded="false"]');
    expect(group).toBeTruthy();
    expect(within(group!).getByText(/2 seeds/)).toBeTruthy();
    expect(within(group!).getAllByText(/±/).length).toBeGreaterThan(0);
    await fireEvent.click(within(group!).getByRole('button', { name: 'Expand seed group' }));
    expect(document.querySelector('[role="row"][aria-expanded="true"]')).toBeTruthy();
  });

  it('deletes the selection after confirmation, and edits tags', async () => {
    renderWith(RunsPage, client, {});
    await screen.findByText(/10,000 runs/);
    await fireEvent.click(rowOf(9999));
    await fireEvent.click(rowOf(9998), { ctrlKey: true });
    await fireEvent.click(screen.getByRole('button', { name: 'Delete 2' }));
    const dialog = document.querySelector('dialog')!;
    expect(dialog.hasAttribute('open')).toBe(true);
    expect(client.callsOf('runs.delete')).toHaveLength(0);
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Move to Trash' }));
    await waitFor(() => expect(client.callsOf('runs.delete')).toEqual([{ ids: [9999, 9998] }]));

    await fireEvent.click(rowOf(10_000));
    const tagInput = screen.getByRole('combobox', { name: 'Add tag' });
    await fireEvent.input(tagInput, { target: { value: 'baseline' } });
    await fireEvent.submit(tagInput.closest('form')!);
    await waitFor(() => expect(client.callsOf('runs.addTag')).toEqual([{ id: 10_000, tag: 'baseline' }]));
    expect(await within(rowOf(10_000)).findByText('baseline')).toBeTruthy();
  });

  it('shows the empty state with the example button when there are no runs', async () => {
    client.handlers['runs.list'] = () => ({ runs: [], total: 0 });
    client.handlers['runs.create'] = () => ({ id: 1 });
    renderWith(RunsPage, client, {});
    await fireEvent.click(await screen.findByRole('button', { name: 'Start the example run' }));
    await waitFor(() => expect(client.callsOf('runs.create')).toHaveLength(1));
    expect(client.callsOf('runs.create')[0]!.config).toMatchObject({
      kind: 'ufm',
      classes: 4,
      dim: 8,
      imbalance: { profile: 'custom', counts: [20, 20, 2, 2] },
      relu: true,
      batching: { strategy: 'fixed', batchSize: 4, binding: true },
      optimizer: { name: 'gd', lr: 0.05 },
      epochs: 1500,
      evalEvery: 50,
    });
    await waitFor(() => expect(location.hash).toBe('#/run/1'));
  });
});
