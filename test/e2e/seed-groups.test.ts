/**
 * In real Chromium against `scl-lab serve`: a Compare of two seed groups where one seed's minority classes
 * collapsed (cosine 0.99 where its siblings are orthogonal). The grouped heatmap shows the seeds' MEAN and says
 * so, every seed is drawn beneath it, the collapsed seed is flagged (and only it), the band menu and the seed
 * curves redraw the chart, the view state survives a reload through the URL, and a saved view (stored in the
 * database) reopens identical.
 *
 * The runs and their stored matrices are written through the store (the same MetricWriter the runner uses), so
 * that the disagreement is certain rather than left to an optimiser's luck.
 *
 * With SCL_DOC_SCREENSHOTS=1 it also writes the documentation's screenshots (docs/images/compare-seeds-*.png,
 * runs-table-*.png at 1366 x 768 and 1920 x 1080); without it, it writes no file outside its temporary folder.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src-main/store';
import { tempDir } from '../support/tmp';
import { inkedPixels, launch, type Browser } from './support/browser';
import { ROOT, startServe, type Served } from './support/serve';

const K = 4;
const base = {
  kind: 'ufm',
  classes: K,
  dim: 8,
  imbalance: { profile: 'custom', counts: [20, 20, 2, 2] },
  temperature: 1,
  batching: { strategy: 'fixed', batchSize: 4, binding: true, stepPer: 'epoch' },
  optimizer: { name: 'gd', lr: 0.05 },
  epochs: 1000,
  evalEvery: 100,
};

/** Unit diagonal, `off` elsewhere, the minority pair (c2, c3) at `c23`. */
function cosines(off: number, c23 = off): number[] {
  const m: number[] = [];
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) m.push(i === j ? 1 : (i === 2 && j === 3) || (i === 3 && j === 2) ? c23 : off);
  return m;
}

/** Six finished runs: relu=true seeds 0..2 (seed 2 collapsed its minority classes), relu=false seeds 0..2. */
function seed(db: string): { collapsed: number; ids: number[] } {
  const store = openStore(db);
  const w = store.metricWriter();
  const ids: number[] = [];
  let collapsed = 0;
  for (const relu of [true, false])
    for (const s of [0, 1, 2]) {
      const id = store.createRun({ kind: 'ufm', config: { ...base, relu, seed: s }, seed: s, appVersion: '0.1.0-e2e' });
      store.markStarted(id, { backend: 'cpu', ownerPid: process.pid });
      const bad = relu && s === 2;
      if (bad) collapsed = id;
      for (let step = 0; step <= 1000; step += 100) {
        const t = step / 1000;
        const dOF = bad ? 0.6 - 0.2 * t : relu ? 0.5 * (1 - t) ** 3 + 0.002 * s : 0.52 - 0.01 * t + 0.003 * s;
        w.write({ runId: id, key: 'geom/deltaOF', step, value: dOF });
        w.write({ runId: id, key: 'train/loss', step, value: 80 + 10 * (1 - t) + s });
        const off = relu ? 0.01 * (s - 1) * (1 - t) : -0.3;
        w.snapshot({ runId: id, key: 'snap/cosine', step, data: cosines(off, bad ? 0.99 * t : off), rows: K, cols: K });
      }
      w.flush();
      store.finishRun(id, 'finished');
      ids.push(id);
    }
  w.close();
  store.close();
  return { collapsed, ids };
}

const DOCS = process.env.SCL_DOC_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'images') : null;
async function docShot(page: Page, name: string, sizes: { width: number; height: number }[]): Promise<void> {
  if (!DOCS) return;
  mkdirSync(DOCS, { recursive: true });
  for (const size of sizes) {
    await page.setViewportSize(size);
    await page.waitForTimeout(600);
    await page.screenshot({ path: join(DOCS, `${name}-${size.width}x${size.height}.png`) });
  }
}

describe('grouped Compare in Chromium: a disagreeing seed is flagged', () => {
  let srv: Served;
  let b: Browser;
  let runs: { collapsed: number; ids: number[] };
  let db: string;

  beforeAll(async () => {
    db = join(tempDir(), 'lab.db');
    runs = seed(db);
    srv = await startServe(db);
    b = await launch({ width: 1920, height: 1080 });
  });

  afterAll(async () => {
    await b?.close();
    await srv?.stop();
  });

  it('shows the group mean, every seed, and flags the collapsed one; the view state survives a reload', async () => {
    const { page } = b;
    await page.goto(srv.url);
    await page.waitForFunction(() => !location.search.includes('token'));
    await page.getByTestId('runs-count').waitFor();
    await docShot(page, 'runs-table', [
      { width: 1366, height: 768 },
      { width: 1920, height: 1080 },
    ]);
    await page.setViewportSize({ width: 1920, height: 1080 });

    await page.goto(`${srv.origin}/#/compare?ids=${runs.ids.join(',')}`);
    await page.locator('[data-compare-ready="true"]').waitFor({ timeout: 20_000 });
    const flag = page.getByTestId('seed-disagrees');
    await flag.waitFor({ timeout: 20_000 });
    expect(await flag.count()).toBe(1);
    expect(await flag.textContent()).toBe(`⚠ seed 2 (run #${runs.collapsed}) disagrees: cos(c2, c3) = 0.99 vs group median 0`);

    // the relu=true group: its heatmap is the mean of 3 seeds, and says so
    const group = page.locator('.group', { has: page.getByTestId('seed-disagrees') });
    expect(await group.getByTestId('heatmap-subtitle').textContent()).toBe('mean of 3 seeds');
    expect(await group.getByTestId('heatmap-offmean').textContent()).toBe('0.055');
    expect(await group.getByTestId('decimation-badge').textContent()).toBe('1 of 3 seeds disagree');
    // every seed drawn beneath it, the collapsed one marked
    const minis = group.locator('button.mini');
    expect(await minis.count()).toBe(3);
    expect(await group.locator('button.mini[data-flagged="true"]').count()).toBe(1);
    expect(await group.locator('button.mini[data-flagged="true"]').textContent()).toContain(`#${runs.collapsed}`);
    for (let i = 0; i < 3; i++) expect((await inkedPixels(page, `.group:has([data-testid="seed-disagrees"]) button.mini >> nth=${i} >> canvas`)).inked).toBeGreaterThan(200);
    // the exported PNG is a figure: title and notes above the chart, the colour bar below (taller than the canvas)
    const [png] = await Promise.all([page.waitForEvent('download'), group.locator('section.chart-frame').first().getByRole('button', { name: 'PNG' }).click()]);
    const file = readFileSync((await png.path())!);
    const size = { width: file.readUInt32BE(16), height: file.readUInt32BE(20) };
    const canvasSize = await group.locator('section.chart-frame canvas').first().evaluate((c) => ({ width: (c as HTMLCanvasElement).width, height: (c as HTMLCanvasElement).height }));
    expect(png.suggestedFilename()).toBe('relu_true.png');
    expect(size.width).toBeGreaterThan(canvasSize.width);
    expect(size.height).toBeGreaterThan(canvasSize.height + 60);

    // the other group agrees with itself
    expect(await page.locator('.group').filter({ hasText: 'relu=false' }).getByTestId('seed-disagrees').count()).toBe(0);

    // the band: median with min–max; and every seed's curve (the chart gains ink)
    const chart = 'section[aria-label="ΔOF"] canvas';
    const before = (await inkedPixels(page, chart)).inked;
    await page.getByLabel('Seed band').selectOption('minmax');
    await page.getByText("every seed's curve").click();
    await expect.poll(async () => (await inkedPixels(page, chart)).inked).not.toBe(before);
    await expect.poll(() => page.evaluate(() => location.hash)).toContain('band=minmax');
    expect(await page.evaluate(() => location.hash)).toContain('seeds=1');

    // a reload keeps the view
    await page.reload();
    await page.locator('[data-compare-ready="true"]').waitFor({ timeout: 20_000 });
    expect(await page.getByLabel('Seed band').inputValue()).toBe('minmax');
    await page.getByTestId('seed-disagrees').waitFor({ timeout: 20_000 });
    await page.locator('.geometry').scrollIntoViewIfNeeded();
    await docShot(page, 'compare-seeds', [
      { width: 1366, height: 768 },
      { width: 1920, height: 1080 },
    ]);
    expect(b.errors).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
  });

  it('a saved view is stored in the database and reopens identical', async () => {
    const { page } = b;
    await page.setViewportSize({ width: 1920, height: 1080 });
    const url = await page.evaluate(() => location.hash);
    expect(url).toContain('band=minmax');
    await page.getByRole('button', { name: 'Save view' }).click();
    await page.getByLabel('View name').fill('relu seeds, min-max');
    await page.getByRole('form', { name: 'Save view' }).getByRole('button', { name: 'Save' }).click();
    await page.getByRole('button', { name: 'Views (1)' }).waitFor();
    const store = openStore(db, { readonly: true });
    expect(store.listViews().map((v) => [v.name, v.url])).toEqual([['relu seeds, min-max', url]]);
    store.close();

    // somewhere else, then back through the list
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByTestId('runs-count').waitFor();
    await page.getByRole('button', { name: 'Views (1)' }).click();
    await page.getByRole('link', { name: 'relu seeds, min-max' }).click();
    await page.locator('[data-compare-ready="true"]').waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => location.hash)).toBe(url);
    expect(await page.getByLabel('Seed band').inputValue()).toBe('minmax');
    expect(await page.getByText("every seed's curve").locator('input').isChecked()).toBe(true);
    await page.getByTestId('seed-disagrees').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('seed-disagrees').count()).toBe(1);
    expect(b.errors).toEqual([]);
  });
});
