/**
 * The reproduction suite, reduced: two UFM presets with --quick pass every claim; the HTML report opens in
 * real Chromium and its charts are drawn; rerunning with a changed parameter keeps the earlier runs.
 */
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from '../cli/helpers';
import { launch, type Browser } from './support/browser';

const SHOTS = resolve(__dirname, '../../test-artifacts/screenshots');

describe('scl-lab reproduce', () => {
  const dir = tempDir();
  const db = join(dir, 'lab.sqlite');
  let b: Browser;
  beforeAll(async () => {
    b = await launch({ width: 1200, height: 1400 });
  });
  afterAll(async () => {
    await b?.close();
  });

  it('quick UFM presets pass every claim and write a report whose charts Chromium draws', async () => {
    const r = cli(['reproduce', '--preset', 'ufm-fixed-binding', 'ufm-reshuffle-binding', '--quick', '--json', '-q', '--out', join(dir, 'first'), '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    const sum = JSON.parse(r.stdout);
    const outcomes = sum.presets.flatMap((p: { outcomes: { status: string }[] }) => p.outcomes);
    expect(outcomes.length).toBe(6);
    expect(outcomes.every((o: { status: string }) => o.status === 'PASS')).toBe(true);
    const html = readFileSync(sum.report, 'utf8');
    expect(html).toContain('6 of 6 checks pass');

    await b.page.goto(`file://${sum.report}`);
    expect(await b.page.locator('svg path').count()).toBeGreaterThanOrEqual(4);
    // draw the first chart into a canvas and count the pixels of its two curves' colours
    const coloured = await b.page.evaluate(async () => {
      const svg = document.querySelector('svg')!;
      const img = new Image();
      img.src = 'data:image/svg+xml;base64,' + btoa(unescape(encodeURIComponent(new XMLSerializer().serializeToString(svg))));
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let blue = 0, red = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i] < 80 && d[i + 1] > 90 && d[i + 1] < 160 && d[i + 2] > 150) blue++;
        if (d[i] > 180 && d[i + 1] < 80 && d[i + 2] < 80) red++;
      }
      return { blue, red };
    });
    expect(coloured.blue).toBeGreaterThan(200);
    expect(coloured.red).toBeGreaterThan(200);
    mkdirSync(SHOTS, { recursive: true });
    await b.page.screenshot({ path: join(SHOTS, 'reproduce-report.png'), fullPage: false });
    expect(b.errors).toEqual([]);
  }, 300_000);

  it('rerunning with a changed batch size keeps the earlier suite intact, under a new sweep', () => {
    const raw = () => new Database(db, { readonly: true });
    const before = raw();
    const firstRuns = before.prepare('SELECT id, config_json, result_json FROM runs ORDER BY id').all();
    before.close();
    const r = cli(['reproduce', '--preset', 'ufm-fixed-binding', '--quick', '--set', 'batching.batchSize=8', '--json', '-q', '--out', join(dir, 'second'), '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    const sum = JSON.parse(r.stdout);
    const after = raw();
    const again = after.prepare('SELECT id, config_json, result_json FROM runs WHERE id <= ? ORDER BY id').all(firstRuns.length);
    expect(again).toEqual(firstRuns);
    const newRuns = after.prepare('SELECT config_json, sweep_id FROM runs WHERE id > ?').all(firstRuns.length) as { config_json: string; sweep_id: number }[];
    expect(newRuns).toHaveLength(2);
    expect(newRuns.every((x) => JSON.parse(x.config_json).batching.batchSize === 8 && x.sweep_id === sum.sweepId)).toBe(true);
    expect((after.prepare('SELECT COUNT(*) AS n FROM sweeps').get() as { n: number }).n).toBe(2);
    after.close();
  }, 300_000);
});
