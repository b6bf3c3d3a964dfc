/** The Runs page's Slurm panel: each task's Slurm state and shard progress, Collect, and automatic collect. */
import { fireEvent, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import SlurmPanel from '../../src-renderer/components/runs/SlurmPanel.svelte';
import type { MethodOutput } from '../../src-renderer/lib/client';
import { fakeClient } from './fake-client';
import { renderWith } from './render-with';

type Sweep = MethodOutput<'slurm.sweeps'>['sweeps'][number];
type Task = Sweep['tasks'][number];

const task = (index: number, over: Partial<Task>): Task => ({
  index, runId: index + 1, name: `grid relu=true seed=${index}`, status: 'queued', slurmState: 'PENDING', reason: null, shard: null, ...over,
});
const shard = (status: string, epoch: number) => ({ status, epoch, epochs: 240, loss: 81.25, deltaOF: 0.0123, error: null });

function sweepWith(tasks: Task[]): Sweep {
  return { sweepId: 3, name: 'grid', jobId: '17', folder: '/shared/sweeps/sweep-3', schedulerError: null, tasks };
}

describe('Slurm panel', () => {
  it('shows each task with its Slurm state, reason and live shard progress; nothing when no sweep is on Slurm', async () => {
    const client = fakeClient({
      'slurm.sweeps': () => ({
        sweeps: [sweepWith([
          task(0, { slurmState: 'RUNNING', shard: shard('running', 120) }),
          task(1, { slurmState: 'PENDING', reason: 'Resources' }),
        ])],
      }),
      'slurm.collect': () => ({ collected: 0, unchanged: 0, waiting: 2 }),
    });
    renderWith(SlurmPanel, client, { pollMs: 60_000 });
    await screen.findByText('Sweep 3: grid');
    expect(screen.getByText('RUNNING')).toBeTruthy();
    expect(screen.getByText(/Resources/)).toBeTruthy();
    expect(screen.getByText(/120\/240/)).toBeTruthy();
    expect((document.querySelector('progress') as HTMLProgressElement).value).toBe(50);
    expect(screen.getByText('grid relu=true seed=0').getAttribute('href')).toBe('#/run/1');
    // nothing ended yet: no automatic collect
    expect(client.callsOf('slurm.collect')).toEqual([]);

    const empty = fakeClient({ 'slurm.sweeps': () => ({ sweeps: [] }) });
    document.body.innerHTML = '';
    renderWith(SlurmPanel, empty, { pollMs: 60_000 });
    await waitFor(() => expect(empty.callsOf('slurm.sweeps')).toHaveLength(1));
    expect(document.querySelector('[aria-label="Sweeps on Slurm"]')).toBeNull();
  });

  it('collects by itself when a shard has ended, and on the button; the page is told to reload', async () => {
    let collected = 0;
    const client = fakeClient({
      'slurm.sweeps': () => ({ sweeps: [sweepWith([task(0, { slurmState: 'COMPLETED', shard: shard('finished', 240) }), task(1, { slurmState: 'RUNNING', shard: shard('running', 10) })])] }),
      'slurm.collect': () => ({ collected: 1, unchanged: 0, waiting: 1 }),
    });
    renderWith(SlurmPanel, client, { pollMs: 60_000, oncollected: () => collected++ });
    await waitFor(() => expect(client.callsOf('slurm.collect')).toEqual([{ sweepId: 3 }]));
    await waitFor(() => expect(collected).toBe(1));
    await fireEvent.click(screen.getByRole('button', { name: 'Collect' }));
    await waitFor(() => expect(client.callsOf('slurm.collect')).toHaveLength(2));
  });
});
