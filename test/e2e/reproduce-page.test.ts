/**
 * The Reproduce page in real Chromium against the real `scl-lab serve` (built: `npm run build`): start a
 * quick reproduction of ufm-fixed-binding from the page, watch it until done, every check PASS, the Delta_OF
 * chart drawn, the HTML report opened in its sandboxed frame, the reproduction reopened from the past list;
 * no CSP violation, no console error. Screenshots: reproduce-running.png, reproduce.png, reproduce-open-report.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inkedPixels, launch, type Browser } from './support/browser';
import { ROOT, startServe, type Served } from './support/serve';

const SHOTS = join(ROOT, 'test-artifacts', 'screenshots');

describe('the Reproduce page in Chromium against scl-lab serve', () => {
  let dir: string;
  let srv: Served;
  let b: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'scl-lab-e2e-reproduce-'));
    srv = await startServe(join(dir, 'lab.db'));
    b = await launch({ width: 1400, height: 1000 });
  });

  afterAll(async () => {
    await b?.close();
    await srv?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('starts a quick ufm-fixed-binding from the page, watches it to PASS, charts Delta_OF and opens the report', async () => {
    const { page } = b;
    await page.goto(srv.url);
    await page.locator('.conn-open').waitFor();
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Reproduce' }).click();
    await page.waitForURL(/#\/reproduce$/);
    await page.getByRole('heading', { name: 'Reproduce', level: 1 }).waitFor();

    const item = page.locator('li[data-preset="ufm-fixed-binding"]');
    await item.waitFor();
    expect(await item.textContent()).toContain('ufm-fixed-binding v1');
    // a paper-sized preset is not startable in quick mode, and says why
    expect(await page.locator('li[data-preset="deep-cifar10-resnet18"]').textContent()).toMatch(/paper-sized|Unavailable/);
    expect(await page.getByRole('checkbox', { name: /Quick mode/ }).isChecked()).toBe(true);
    await item.getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Start 1 preset' }).click();

    await page.waitForURL(/#\/reproduce\?sweep=\d+$/);
    const sweepId = Number(/sweep=(\d+)$/.exec(page.url())![1]);
    const state = page.getByTestId('reproduction-state');
    await state.waitFor();
    // live: per-run progress bars of the preset's two runs
    const preset = page.locator('section[data-preset="ufm-fixed-binding"]');
    await expect.poll(() => preset.getByRole('progressbar').count(), { timeout: 20_000 }).toBe(2);
    await page.screenshot({ path: join(SHOTS, 'reproduce-running.png'), fullPage: false });
    await expect.poll(async () => (await state.textContent())?.trim(), { timeout: 150_000, interval: 250 }).toBe('done');

    expect((await preset.getByTestId('preset-verdict').textContent())?.trim()).toBe('PASS');
    const results = await preset.locator('table.checks td:nth-child(2)').allTextContents();
    expect(results.length).toBeGreaterThanOrEqual(2);
    expect(results.every((r) => r.trim() === 'PASS')).toBe(true);
    expect((await page.getByTestId('fail-count').textContent())?.trim()).toBe('0 FAIL');
    // the measured numbers are shown next to each check
    expect((await preset.locator('table.checks td.detail').first().textContent())?.length).toBeGreaterThan(5);
    const statuses = await preset.locator('table.runs .status').allTextContents();
    expect(statuses.map((s) => s.trim())).toEqual(['finished', 'finished']);

    // Delta_OF vs epoch of both runs, through the Compare page's chart components
    const canvas = 'section[aria-label^="Delta_OF vs epoch"] canvas';
    await expect.poll(async () => (await inkedPixels(page, canvas)).inked, { timeout: 15_000 }).toBeGreaterThan(1000);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SHOTS, 'reproduce.png'), fullPage: true });

    // the HTML report in its sandboxed frame
    await page.getByRole('button', { name: 'Open report' }).click();
    const frame = page.frameLocator('iframe[title="Reproduction report"]');
    await frame.getByText(/\d+ of \d+ checks pass/).waitFor();
    expect(await frame.locator('svg path').count()).toBeGreaterThanOrEqual(2);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SHOTS, 'reproduce-open-report.png'), fullPage: false });
    await page.getByRole('button', { name: 'Close' }).click();

    // reopened later from the list of past reproductions
    await page.goto(`${srv.origin}/#/runs`);
    await page.getByTestId('runs-count').waitFor();
    await page.getByRole('link', { name: 'Reproduce' }).click();
    await page.getByRole('region', { name: 'Past reproductions' }).getByRole('link', { name: `#${sweepId}` }).click();
    await page.waitForURL(new RegExp(`#/reproduce\\?sweep=${sweepId}$`));
    await expect.poll(async () => (await page.getByTestId('reproduction-state').textContent())?.trim(), { timeout: 10_000 }).toBe('done');
    expect((await page.locator('section[data-preset="ufm-fixed-binding"] [data-testid="preset-verdict"]').textContent())?.trim()).toBe('PASS');

    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
    expect(b.errors).toEqual([]);
  }, 240_000);
});
