/** Reading stored matrices / vectors (cosine, gram, classNorms, classCounts) through the contract. */
import type { Client } from './client';

export type SnapName = 'cosine' | 'gram' | 'classNorms' | 'classCounts';

export async function snapshotSteps(client: Client, id: number, key: SnapName): Promise<number[]> {
  const r = await client.call('runs.snapshotSteps', { id, key });
  return r.steps;
}

export async function snapshotAt(client: Client, id: number, key: SnapName, step: number): Promise<number[] | null> {
  const r = await client.call('runs.snapshot', { id, key, step });
  return r ? r.data : null;
}

/** The snapshot step to show for a wanted epoch: the last stored step at or before it (else the first). */
export function nearestStep(steps: readonly number[], want: number): number | null {
  if (!steps.length) return null;
  let best = steps[0]!;
  for (const s of steps) if (s <= want) best = s;
  return best;
}
