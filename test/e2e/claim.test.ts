/**
 * The claim view end to end in real Chromium against the real `scl-lab serve` (built: `npm run build`):
 * a 2 x 2 x 3-seed sweep of small UFM runs (imbalance.ratio in {1, 10} x relu, seeds 0..2, fixed batches of 8 with
 * binding, 400 epochs: about 45 s on a busy 2-core machine) made with the CLI,
 * the Claim page reached from the Runs table's sweep filter; one dot per seed drawn on the canvas, the table's
 * medians and each seed's value equal to `scl-lab summarize --json`, the CSV export equal to `--csv`, the SVG
 * export with title, axes and a dot per seed, and the URL reopening the same view. With SCL_DOCS_SCREENSHOTS=1
 * it also writes docs/images/claim-view-1366.png and -1920.png (otherwise it leaves nothing behind).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fmtNum } from '../../src-renderer/lib/format';
import { cli, writeJson } from '../cli/helpers';
import { claimSweepSpec } from '../support/claim-sweep';
import { tempDir } from '../support/tmp';
import { launch, type Browser } from './support/browser';
import { ROOT, startServe, type Served } from './support/serve';

type Cell = { x: number; by: boolean; n: number; runIds: number[]; seeds: number[]; values: number[]; median: number };
type Dot = { px: number; py: number; runId: number; seed: number; value: number; group: string };

const SPEC = claimSweepSpec({
  name: 'claim-e2e',
  grid: { 'imbalance.ratio': [1, 10], relu: [true, false] },
  seeds: [0, 1, 2],
  batching: { strategy: 'fixed', batchSize: 8, binding: true },
  epochs: 400,
  evalEvery: 50,
});


async function download(page: Page, button: string): Promise<string> {
  const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('group', { name: 'Export the figure' }).getByRole('button', { name: button }).click()]);
  return readFileSync((await d.path())!, 'utf8');
}

describe('the claim view in Chromium (needs /usr/bin/chromium and npm run build)', () => {
  let dir: string;
  let db: string;
  let srv: Served;
  let b: Browser;
  let cells: Cell[];

  beforeAll(async () => {
    dir = tempDir('scl-lab-e2e-claim-');
    db = join(dir, 'lab.db');
    const sweep = cli(['sweep', '-s', writeJson(dir, 'spec.json', SPEC), '--db', db, '-q', '--json'], {}, 300_000);
    expect(sweep.code, sweep.stderr).toBe(0);
    const s = cli(['summarize', '--sweep', '1', '--x', 'imbalance.ratio', '--by', 'relu', '--metric', 'deltaOF', '--json', '--db', db]);
    expect(s.code, s.stderr).toBe(0);
    cells = (JSON.parse(s.stdout) as { cells: Cell[] }).cells;
    srv = await startServe(db);
    b = await launch({ width: 1366, height: 768 });
  }, 360_000);

  afterAll(async () => {
    await b?.close();
    await srv?.stop();
  });

  it('opens from the Runs table filtered to the sweep, one dot per seed, the numbers of scl-lab summarize', async () => {
    const { page } = b;
    await page.goto(srv.url);
    await page.getByTestId('runs-count').filter({ hasText: '12 runs' }).waitFor();
    await page.getByRole('search').getByLabel('Sweep').selectOption({ label: 'claim-e2e' });
    await page.getByTestId('claim-link').filter({ hasText: 'Claim sweep' }).click();
    // the page picks the fields that vary: the ratio on x, relu as colour; all of it in the URL
    await page.waitForURL(/#\/claim\?sweep=1&x=imbalance\.ratio&by=relu$/);
    await page.getByTestId('claim-table').waitFor();
    expect(await page.getByTestId('claim-title').textContent()).toBe('Delta_OF (final) vs imbalance.ratio by relu — sweep 1 "claim-e2e"');
    expect(await page.getByTestId('claim-n').textContent()).toContain('n = 3 seeds per cell');

    // what Chart.js drew: 12 dots, one per (run, seed), at the values of summarize --json, each on inked pixels
    const canvas = page.getByTestId('claim-facet').locator('canvas');
    await expect.poll(async () => (await canvas.getAttribute('data-dots')) !== null).toBe(true);
    const dots = JSON.parse((await canvas.getAttribute('data-dots'))!) as Dot[];
    expect(dots).toHaveLength(12);
    const expected = cells.flatMap((c) => c.runIds.map((id, i) => ({ runId: id, seed: c.seeds[i], value: c.values[i], group: `relu = ${c.by}` })));
    expect(dots.map(({ runId, seed, value, group }) => ({ runId, seed, value, group })).sort((a, b) => a.runId - b.runId)).toEqual(
      expected.sort((a, b) => a.runId - b.runId),
    );
    expect(new Set(dots.map((d) => `${d.px},${d.py}`)).size).toBe(12); // no dot hides another
    const inked = await canvas.evaluate((el, ds: Dot[]) => {
      const c = el as HTMLCanvasElement;
      const k = c.width / c.clientWidth;
      const ctx = c.getContext('2d')!;
      const bg = ctx.getImageData(2, 2, 1, 1).data;
      return ds.filter((d) => {
        const p = ctx.getImageData(Math.round(d.px * k), Math.round(d.py * k), 1, 1).data;
        return Math.abs(p[0]! - bg[0]!) + Math.abs(p[1]! - bg[1]!) + Math.abs(p[2]! - bg[2]!) > 60;
      }).length;
    }, dots);
    expect(inked).toBe(12);

    // the table: one row per cell, its n, median and every seed's value
    const rows = page.getByTestId('claim-row');
    expect(await rows.count()).toBe(4);
    for (const [i, c] of cells.entries()) {
      const row = rows.nth(i);
      expect((await row.getByTestId('claim-n-cell').textContent())?.trim()).toBe('3');
      expect(await row.getByTestId('claim-median').textContent()).toBe(fmtNum(c.median, 4));
      expect(await row.getByTestId('claim-values').locator('a').allTextContents()).toEqual(c.values.map((v) => fmtNum(v, 3)));
      // binding makes the OF unique at R = 1; at R = 10 (44 examples) fixed batches of 8 drop 4 examples: the analyser says so
      expect(await row.locator('td.verdict').textContent()).toMatch(c.x === 1 ? /^\s*OF unique\s*$/ : /OF not unique\s+class 1 is split into 5 parts: .*\(4 examples in no batch\)/);
    }
    expect(b.errors).toEqual([]);
  });

  it('exports CSV equal to summarize --csv, and an SVG with title, axis labels, legend and a dot per seed', async () => {
    const { page } = b;
    const csv = await download(page, 'CSV');
    const fromCli = cli(['summarize', '--sweep', '1', '--x', 'imbalance.ratio', '--by', 'relu', '--metric', 'deltaOF', '--csv', '--db', db]);
    expect(csv).toBe(fromCli.stdout);
    const svg = await download(page, 'SVG');
    expect(svg).toContain('Delta_OF (final) vs imbalance.ratio by relu — sweep 1 &quot;claim-e2e&quot;');
    expect(svg).toContain('imbalance.ratio (log scale)');
    expect(svg).toContain('>relu = true<');
    expect(svg).toContain('>relu = false<');
    expect(svg.match(/<circle cx=[^>]*r="4"/g)).toHaveLength(12);
    const [png] = await Promise.all([page.waitForEvent('download'), page.getByRole('group', { name: 'Export the figure' }).getByRole('button', { name: 'PNG' }).click()]);
    const pngBytes = readFileSync((await png.path())!);
    expect(pngBytes.subarray(1, 4).toString()).toBe('PNG');
    if (process.env.SCL_DOCS_SCREENSHOTS === '1') {
      writeFileSync(join(ROOT, 'docs', 'images', 'claim-export.png'), pngBytes);
      writeFileSync(join(ROOT, 'docs', 'images', 'claim-export.svg'), svg);
    }
  });

  it('keeps its whole state in the URL: another band and metric reopen identically after a reload', async () => {
    const { page } = b;
    await page.getByLabel('Band').selectOption('minmax');
    await page.getByLabel('Metric').selectOption('nccAccTrain');
    await page.waitForURL(/metric=nccAccTrain&band=minmax/);
    await page.getByTestId('claim-title').filter({ hasText: 'NCC acc train (final)' }).waitFor();
    const before = await page.getByTestId('claim-table').innerText();
    const url = page.url();
    await page.reload();
    await page.getByTestId('claim-table').waitFor();
    expect(page.url()).toBe(url);
    expect(await page.getByLabel('Band').inputValue()).toBe('minmax');
    expect(await page.getByTestId('claim-table').innerText()).toBe(before);
    // a bad field in the URL is named, not a stack trace
    await page.evaluate(() => (location.hash = '#/claim?sweep=1&x=imbalance.ration&by=relu'));
    await page.getByTestId('claim-error').filter({ hasText: 'x: "imbalance.ration" is not a config field of these runs' }).waitFor();
    const res = await fetch(`${srv.origin}/api/runs.summarize`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${srv.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ sweepId: 1, x: 'relu', metric: 'deltaOFF' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'INVALID_INPUT', issues: [{ field: 'metric' }] });
  });

  it('screenshots at 1366 x 768 and 1920 x 1080 (into docs/images only with SCL_DOCS_SCREENSHOTS=1)', async () => {
    const { page } = b;
    const out = process.env.SCL_DOCS_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'images') : dir;
    for (const [w, h] of [
      [1366, 768],
      [1920, 1080],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.evaluate(() => (location.hash = '#/claim?sweep=1&x=imbalance.ratio&by=relu'));
      await page.getByTestId('claim-title').filter({ hasText: 'Delta_OF (final)' }).waitFor();
      await page.getByTestId('claim-table').waitFor();
      await page.waitForTimeout(300);
      const file = join(out, `claim-view-${w}.png`);
      await page.screenshot({ path: file });
      expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
    }
  });
});
