/**
 * In real Chromium against `scl-lab serve`, with `scl-lab run` in another process on the same database: the CLI
 * run shows up in the open Runs page and its progress moves on its Run page; after a SIGKILL the page shows it
 * interrupted (within the liveness window) and offers Resume, which finishes it; a tab that holds the token of an
 * earlier serve process says so instead of retrying forever.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, type Browser } from './support/browser';
import { ROOT, startServe, type Served } from './support/serve';

const ufm = {
  kind: 'ufm', name: 'from the terminal', classes: 4, dim: 8,
  imbalance: { profile: 'custom', counts: [20, 20, 2, 2] },
  relu: true, temperature: 1.0,
  batching: { strategy: 'fixed', batchSize: 4, binding: true, stepPer: 'epoch' },
  optimizer: { name: 'gd', lr: 0.05 }, epochs: 3000, seed: 0, evalEvery: 100,
};

/** The epoch the Run page's progress bar shows. */
async function shownEpoch(page: Page): Promise<number> {
  const t = (await page.getByText(/^epoch [\d,]+ \/ /).first().textContent()) ?? '';
  return Number(/^epoch ([\d,]+)/.exec(t)![1]!.replace(/,/g, ''));
}

async function statusIs(page: Page, want: string, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const s = (await page.getByTestId('run-status').textContent({ timeout: 10_000 }))?.trim();
    if (s === want) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`status stayed ${s}, not ${want}, for ${timeoutMs} ms`);
    await page.waitForTimeout(50);
  }
}

describe('a CLI run seen from the open app in Chromium', () => {
  let dir: string;
  let db: string;
  let srv: Served;
  let b: Browser;
  let cliRun: ChildProcess | null = null;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scl-lab-e2e-xp-'));
    db = join(dir, 'lab.db');
    srv = await startServe(db);
    b = await launch();
  });

  afterAll(async () => {
    if (cliRun && cliRun.exitCode === null && cliRun.signalCode === null) cliRun.kill('SIGKILL');
    await b?.close();
    await srv?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows up, moves live, turns interrupted after SIGKILL, and Resume finishes it', async () => {
    const { page } = b;
    await page.goto(srv.url);
    await page.getByRole('button', { name: /example/i }).first().waitFor({ timeout: 30_000 }); // empty database: the empty state
    const cfg = join(dir, 'cli.json');
    writeFileSync(cfg, JSON.stringify(ufm));
    const child = spawn(process.execPath, [join(ROOT, 'bin/scl-lab.js'), 'run', '--config', cfg, '--db', db, '-q'], { stdio: 'ignore' });
    cliRun = child;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));

    // the open Runs page lists it without a reload
    await page.getByText('from the terminal').first().waitFor({ timeout: 30_000 });
    await page.getByText('from the terminal').first().dblclick();
    await page.getByTestId('run-status').waitFor({ timeout: 10_000 });
    await statusIs(page, 'running', 30_000);
    // its progress moves like that of the app's own runs
    let first = 0;
    for (let i = 0; i < 300 && first === 0; i++) {
      first = await shownEpoch(page);
      await page.waitForTimeout(100);
    }
    let later = first;
    for (let i = 0; i < 300 && later <= first; i++) {
      await page.waitForTimeout(100);
      later = await shownEpoch(page);
    }
    expect(later).toBeGreaterThan(first);
    // let a checkpoint land, then kill the CLI the hard way
    while ((await shownEpoch(page)) < 400) await page.waitForTimeout(100);
    child.kill('SIGKILL');
    await exited;
    const after = await statusIs(page, 'interrupted', 15_000);
    expect(after).toBeLessThan(10_000); // serve judges liveness every 2 s
    await page.getByRole('alert').filter({ hasText: `owner process ${child.pid} is no longer running` }).waitFor({ timeout: 5000 });
    expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Resume' }).click();
    await statusIs(page, 'finished', 120_000);
    expect(await shownEpoch(page)).toBe(3000);
    expect(b.errors).toEqual([]);
  }, 240_000);

  it('a tab holding the token of an earlier serve process says so and how to reopen', async () => {
    const { page } = b;
    const port = new URL(srv.origin).port;
    await srv.stop();
    srv = await startServe(db, ['--port', port]); // same address, new token
    await page.getByTestId('stale-token').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('stale-token').textContent()).toMatch(/earlier scl-lab serve: its token is no longer accepted\. Open the URL/);
    // opening the new URL works again
    await page.goto(srv.url);
    await page.getByText('from the terminal').first().waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('stale-token').count()).toBe(0);
  }, 120_000);
});
