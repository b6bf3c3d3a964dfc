import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach } from 'vitest';
import { openStore, type CreateRunInput, type Store } from '../../src-main/store';

const dirs: string[] = [];
const stores: Store[] = [];

/** A fresh folder under os.tmpdir(), removed after the test. */
export function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scl-store-test-'));
  dirs.push(dir);
  return dir;
}

export function tmpDbPath(): string {
  return path.join(tmpDir(), 'runs.sqlite');
}

/** openStore, closed automatically after the test. */
export function open(file: string, opts?: { readonly?: boolean; keepCheckpoints?: number }): Store {
  const s = openStore(file, opts);
  stores.push(s);
  return s;
}

export function freshStore(): Store {
  return open(tmpDbPath());
}

export function newRun(store: Store, over: Partial<CreateRunInput> = {}): number {
  return store.createRun({
    kind: 'ufm',
    config: { lr: 0.01, classes: 4, loss: { tau: 0.1, finalRelu: true } },
    seed: 1,
    appVersion: '0.1.0-test',
    ...over,
  });
}

/** Deterministic PRNG (mulberry32) so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

afterEach(() => {
  for (const s of stores.splice(0)) {
    try {
      s.close();
    } catch {
      // already closed or failed on purpose
    }
  }
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
