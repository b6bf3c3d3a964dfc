/**
 * Renderer benchmark in real Chromium against `scl-lab serve` (run `npm run build` first):
 *  - Runs page with 10,000 runs in the database: from navigation start until the table shows its rows
 *    and a click has selected one (target < 1 s), then keyboard End, and a sort by ΔOF.
 *  - Compare page with 50 runs x 1,000 epochs: from navigation start until both overlay charts are drawn
 *    (target < 1 s).
 * The database is seeded through the store API (openStore, createRun, metricWriter). Prints the numbers;
 * exit code 1 on a missed target only with BENCH_STRICT=1.
 *
 *   npm run build && node dist/bench/renderer.js [--runs 10000] [--charted 50] [--epochs 1000] [--repeat 3]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { seed } from './renderer-seed';

const CHROMIUM = process.env.SCL_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function arg(name: string, d: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
}

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function serve(db: string): Promise<{ url: string; origin: string; proc: ChildProcess }> {
  const root = repoRoot();
  const proc = spawn(process.execPath, [join(root, 'bin/scl-lab.js'), 'serve', '--port', '0', '--db', db], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) ok(out.split('\n')[0]!.trim());
    });
    proc.once('exit', (c) => fail(new Error(`scl-lab serve exited with ${c}`)));
  });
  return { url, origin: new URL(url).origin, proc };
}

// Page-side code: plain functions (a string would need eval, which the page's CSP forbids). The DOM is
// typed loosely here: this file compiles with the Node libs only.
/* eslint-disable @typescript-eslint/no-explicit-any */
// (each function is serialised into the page: no closures; `(globalThis as any).document` is the page's DOM)

/** ms since this page's navigation started, as the page sees it. */
const pageNow = (page: Page): Promise<number> => page.evaluate(() => performance.now());
/** ms since navigation start once two more frames were painted. */
const afterFrames = (page: Page): Promise<number> =>
  page.evaluate(
    () =>
      new Promise<number>((r) => {
        const raf = (globalThis as unknown as { requestAnimationFrame(f: () => void): void }).requestAnimationFrame;
        raf(() => raf(() => r(performance.now())));
      }),
  );

interface Row {
  what: string;
  ms: number[];
  target?: number;
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    console.log(`  skipped: no Chromium at ${CHROMIUM} (set SCL_CHROMIUM)`);
    return;
  }
  const root = repoRoot();
  if (!existsSync(join(root, 'dist-renderer/index.html'))) throw new Error('dist-renderer/ is missing: run npm run build');
  const nRuns = arg('runs', 10_000);
  const nCharted = arg('charted', 50);
  const epochs = arg('epochs', 1000);
  const repeat = arg('repeat', 3);

  const dir = mkdtempSync(join(tmpdir(), 'scl-lab-bench-renderer-'));
  const t0 = performance.now();
  const seeded = seed(join(dir, 'bench.db'), nRuns - nCharted, nCharted, epochs);
  console.log(`  seeded ${nRuns} runs (${nCharted} x ${epochs} epochs x 8 metrics) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const srv = await serve(seeded.file);
  const userDir = mkdtempSync(join(tmpdir(), 'scl-lab-bench-chromium-'));
  const ctx = await chromium.launchPersistentContext(userDir, { executablePath: CHROMIUM, args: ARGS, viewport: { width: 1400, height: 900 } });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const rows: Row[] = [
    { what: `Runs page, ${nRuns.toLocaleString()} runs in the DB: nav -> first rows shown`, ms: [] },
    { what: '  nav -> a click has selected a row (interactive)', ms: [], target: 1000 },
    { what: `  nav -> all ${nRuns.toLocaleString()} runs listed (background pages)`, ms: [] },
    { what: `  keyboard End -> cursor on the last of ${nRuns.toLocaleString()} rows (duration)`, ms: [] },
    { what: `  sort by ΔOF, ${nRuns.toLocaleString()} rows client side (duration)`, ms: [] },
    { what: `Compare page, ${nCharted} runs x ${epochs.toLocaleString()} epochs: nav -> both charts drawn`, ms: [], target: 1000 },
    { what: `  nav -> the ${nCharted} runs read (rows for labels and tables)`, ms: [] },
  ];
  try {
    // token into sessionStorage once
    await page.goto(srv.url);
    await page.waitForSelector('[data-testid="runs-count"]');
    for (let r = 0; r < repeat; r++) {
      await page.goto(`${srv.origin}/#/runs`);
      await page.reload();
      await page.waitForSelector('[role="row"][data-run-id]', { timeout: 30_000 });
      rows[0]!.ms.push(await pageNow(page));
      const first = page.locator('[role="row"][data-run-id]').nth(3);
      await first.click();
      await page.waitForSelector('[role="row"][data-run-id][aria-selected="true"]');
      rows[1]!.ms.push(await afterFrames(page));
      // the rest of the list arrives in the background
      await page.waitForFunction(
        (text) => ((globalThis as any).document.querySelector('[data-testid="runs-count"]')?.textContent ?? '').trim().startsWith(text),
        `${nRuns.toLocaleString('en-US')} runs`,
        { timeout: 30_000 },
      );
      rows[2]!.ms.push(await pageNow(page));

      let t = await pageNow(page);
      await page.keyboard.press('End');
      await page.waitForFunction((id) => (globalThis as any).document.querySelector('[role="grid"]').getAttribute('aria-activedescendant') === id, `runrow-r${seeded.tableIds[0]}`);
      rows[3]!.ms.push((await afterFrames(page)) - t);

      t = await pageNow(page);
      await page.locator('[role="columnheader"]', { hasText: 'ΔOF' }).locator('button').click();
      await page.waitForSelector('[role="columnheader"][aria-sort="ascending"]');
      rows[4]!.ms.push((await afterFrames(page)) - t);

      await page.goto(`${srv.origin}/#/compare?ids=${seeded.chartIds.join(',')}`);
      await page.reload();
      await page.waitForSelector('[data-compare-ready="true"]', { timeout: 30_000 });
      rows[5]!.ms.push(await afterFrames(page));
      rows[6]!.ms.push(await page.evaluate(() => performance.getEntriesByName('compare-runs-loaded')[0]?.startTime ?? NaN));
    }
    const inked = await page.evaluate(() => {
      const c = (globalThis as any).document.querySelector('section[aria-label="geom/deltaOF"] canvas');
      const d: Uint8ClampedArray = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i]! - d[0]!) + Math.abs(d[i + 1]! - d[1]!) + Math.abs(d[i + 2]! - d[2]!) > 30) n++;
      return n;
    });
    const badge = await page.locator('[data-testid="decimation-badge"]').count();

    let missed = 0;
    console.log(`  (median of ${repeat} page loads; "nav ->" = ms from navigation start; [each run])`);
    for (const row of rows) {
      const m = median(row.ms);
      const verdict = row.target === undefined ? '' : m < row.target ? `  < ${row.target} ms: ok` : `  MISSED (target ${row.target} ms)`;
      if (row.target !== undefined && m >= row.target) missed++;
      console.log(`  ${row.what.padEnd(80)} ${m.toFixed(0).padStart(6)} ms   [${row.ms.map((x) => x.toFixed(0)).join(', ')}]${verdict}`);
    }
    console.log(`  compare chart: ${inked.toLocaleString()} inked pixels; decimation badges: ${badge}`);
    if (missed && process.env.BENCH_STRICT === '1') process.exitCode = 1;
  } finally {
    await ctx.close();
    srv.proc.kill('SIGTERM');
    await new Promise((ok) => srv.proc.once('exit', ok));
    rmSync(userDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
