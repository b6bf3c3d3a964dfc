/**
 * End to end in real Chromium against the real `scl-lab serve` (built: `npm run build`):
 * create a UFM run through the form and watch it finish live, create a second one with the other ReLU
 * setting (clone & edit), compare both (the chart has ink), screenshots of every page, dark theme persisted,
 * no CSP violation, and the API refuses requests without the token (401).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inkedPixels, launch, type Browser } from './support/browser';
import { ROOT, startServe, type Served } from './support/serve';

const SHOTS = join(ROOT, 'test-artifacts', 'screenshots');

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Watch a run page until the run finishes; returns every status shown on the way. */
async function watchRun(page: Page, timeoutMs = 120_000): Promise<string[]> {
  const seen: string[] = [];
  const t0 = Date.now();
  for (;;) {
    const s = (await page.getByTestId('run-status').textContent({ timeout: 10_000 }))?.trim() ?? '';
    if (seen.at(-1) !== s) seen.push(s);
    if (['finished', 'failed', 'cancelled', 'interrupted'].includes(s)) return seen;
    if (Date.now() - t0 > timeoutMs) throw new Error(`run did not finish in ${timeoutMs} ms; statuses: ${seen.join(' -> ')}`);
    await page.waitForTimeout(100);
  }
}

describe('the app in Chromium against scl-lab serve (needs /usr/bin/chromium: apt-get install chromium)', () => {
  let dir: string;
  let srv: Served;
  let b: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'scl-lab-e2e-'));
    srv = await startServe(join(dir, 'lab.db'));
    b = await launch();
  });

  afterAll(async () => {
    await b?.close();
    await srv?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses API calls and event sockets without the token (401)', async () => {
    const none = await fetch(`${srv.origin}/api/app.info`, { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    const wrong = await fetch(`${srv.origin}/api/runs.list`, { method: 'POST', body: '{}', headers: { Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const ok = await fetch(`${srv.origin}/api/app.info`, { method: 'POST', body: '{}', headers: { Authorization: `Bearer ${srv.token}` } });
    expect(ok.status).toBe(200);
    // from inside the page too (same origin, no token)
    await b.page.goto(`${srv.origin}/`);
    const status = await b.page.evaluate(async () => (await fetch('/api/runs.list', { method: 'POST', body: '{}' })).status);
    expect(status).toBe(401);
  });

  it('runs the whole scenario: form -> live run -> clone without ReLU -> compare', async () => {
    const { page } = b;
    b.errors.length = 0; // the refused calls of the previous test
    await page.goto(srv.url);
    // the token leaves the address bar (kept in sessionStorage)
    await page.waitForFunction(() => !location.search.includes('token'));
    expect(page.url()).not.toContain('token=');
    expect(await page.evaluate(() => sessionStorage.getItem('scl-lab.token'))).toBe(srv.token);

    // empty state
    await page.getByRole('heading', { name: 'No runs yet' }).waitFor();
    await page.locator('.conn-open').waitFor();
    await shot(page, 'runs-empty');

    // New run: the form starts from the built-in example; the analyser runs on the server
    await page.getByRole('link', { name: 'New run' }).first().click();
    await page.getByRole('heading', { name: 'New run' }).waitFor();
    await page.getByText('OF is unique').first().waitFor();
    await page.locator('[data-field="epochs"] input').fill('1200');
    await page.locator('[data-field="name"] input').fill('e2e relu');
    // a bad value gets the server's message next to its field, and blocks start
    await page.locator('[data-field="batching.batchSize"] input').fill('500');
    await page.locator('[data-field="batching.batchSize"] .error-text').waitFor();
    expect(await page.locator('[data-field="batching.batchSize"] .error-text').textContent()).toContain('larger than the number of examples');
    expect(await page.getByRole('button', { name: 'Start run' }).isDisabled()).toBe(true);
    await shot(page, 'new-run-invalid');
    await page.locator('[data-field="batching.batchSize"] input').fill('4');
    await page.locator('[data-field="batching.batchSize"] .error-text').waitFor({ state: 'detached' });
    await page.getByText('OF is unique').first().waitFor();
    await shot(page, 'new-run');
    await page.getByRole('button', { name: 'Start run' }).click();

    // Run page, live
    await page.waitForURL(/#\/run\/\d+$/);
    const firstId = Number(/#\/run\/(\d+)$/.exec(page.url())![1]);
    const statuses = await watchRun(page);
    // seen live: the page showed the run before it finished
    expect(statuses.length).toBeGreaterThan(1);
    expect(statuses.at(-1)).toBe('finished');
    await page.getByText('epoch 1,200 / 1,200 (100%)').waitFor();
    await page.getByText('Mean off-diagonal now:').waitFor();
    // the curves were drawn from the live series
    const dOF = page.locator('section[aria-label^="ΔOF"] canvas');
    await expect.poll(async () => (await inkedPixels(page, 'section[aria-label^="ΔOF"] canvas')).inked, { timeout: 10_000 }).toBeGreaterThan(300);
    expect(await dOF.count()).toBe(1);
    // the backend it ran on, and why faster ones were skipped (env.backendSkipped)
    const backend = (await page.getByTestId('run-backend').textContent())?.trim();
    // and its thread budget: a UFM run always gets one thread (runner/thread-budget.ts)
    expect(backend).toMatch(/^(tfjs-node-gpu|tfjs-node|wasm|cpu) · 1 thread$/);
    if (!backend!.startsWith('tfjs-node-gpu')) {
      await page.getByText(/why not faster\?/).click();
      expect(await page.locator('.why-backend li').count()).toBeGreaterThan(0);
    }
    // chart images: PNG export, and data: / blob: images load under the page's CSP
    const [png] = await Promise.all([page.waitForEvent('download'), page.locator('section[aria-label^="ΔOF"]').getByRole('button', { name: 'PNG' }).click()]);
    expect(png.suggestedFilename()).toMatch(/\.png$/);
    const images = await page.evaluate(async () => {
      const c = document.querySelector('section[aria-label^="ΔOF"] canvas') as HTMLCanvasElement;
      const load = (src: string) =>
        new Promise<boolean>((ok) => {
          const img = new Image();
          img.onload = () => ok(img.naturalWidth > 0);
          img.onerror = () => ok(false);
          img.src = src;
        });
      const blob = await new Promise<Blob>((ok) => c.toBlob((b) => ok(b!), 'image/png'));
      return { data: await load(c.toDataURL('image/png')), blob: await load(URL.createObjectURL(blob)) };
    });
    expect(images).toEqual({ data: true, blob: true });
    await page.waitForTimeout(300);
    await shot(page, 'run');

    // clone & edit: the same config without ReLU
    await page.getByRole('link', { name: 'Clone & edit' }).click();
    await page.waitForURL(/#\/new\?from=\d+$/);
    await page.getByText(`cloned from run ${firstId}`).waitFor();
    await expect.poll(() => page.locator('[data-field="name"] input').inputValue()).toBe('e2e relu (copy)');
    expect(await page.locator('[data-field="epochs"] input').inputValue()).toBe('1200');
    await page.locator('[data-field="relu"] input').uncheck();
    await page.locator('[data-field="name"] input').fill('e2e no relu');
    await page.getByText('These conditions are about UFM+').waitFor();
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/#\/run\/\d+$/);
    const secondId = Number(/#\/run\/(\d+)$/.exec(page.url())![1]);
    expect(secondId).not.toBe(firstId);
    expect((await watchRun(page)).at(-1)).toBe('finished');

    // Runs: both, select with click + ctrl-click, compare
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByTestId('runs-count').filter({ hasText: '2 runs' }).waitFor();
    await page.locator(`[data-run-id="${firstId}"]`).click();
    await page.locator(`[data-run-id="${secondId}"]`).click({ modifiers: ['Control'] });
    await page.getByText('2 selected').waitFor();
    // keyboard: the grid has the focus; up/down move, space toggles
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Space');
    await page.keyboard.press('Space');
    await page.getByText('2 selected').waitFor();
    await shot(page, 'runs');
    await page.getByRole('link', { name: 'Compare 2' }).click();
    await page.waitForURL(/#\/compare\?ids=/);
    await page.locator('[data-compare-ready="true"]').waitFor({ timeout: 20_000 });
    await page.getByRole('table', { name: 'Final metrics' }).getByText('relu=true').waitFor();
    await page.getByRole('table', { name: 'Final metrics' }).getByText('relu=false').waitFor();
    const ink = await inkedPixels(page, 'section[aria-label="ΔOF"] canvas');
    expect(ink.inked).toBeGreaterThan(1000);
    // side-by-side heatmaps and their difference
    await page.getByRole('region', { name: 'Difference A − B' }).waitFor();
    await page.waitForTimeout(300);
    await shot(page, 'compare');

    // export: a CSV download of the selection
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Runs CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);

    // dark theme, persisted across a reload
    await page.getByRole('button', { name: /Switch to dark theme/ }).click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.reload();
    await page.locator('[data-compare-ready="true"]').waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.waitForTimeout(300);
    await shot(page, 'compare-dark');
    await page.goto(`${srv.origin}/#/run/${firstId}`);
    await page.getByText('Mean off-diagonal now:').waitFor();
    await page.waitForTimeout(500);
    await shot(page, 'run-dark');

    // no CSP violation anywhere, no console errors
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
    expect(b.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });
});
