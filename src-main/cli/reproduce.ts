/** `scl-lab reproduce`: run the paper's presets as one sweep and write the HTML report. */
import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadPresets, parseSet } from '../reproduce/presets';
import { renderReport } from '../reproduce/report';
import { planReproduction, presetReports, startReproduction } from '../reproduce/suite';
import { APP_VERSION } from '../services/version';
import { out, parseBackend, parsePositiveInt, UsageError } from './commands';
import { makeProgress } from './progress';
import { openSession } from './session';

export function registerReproduceCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('reproduce')
    .description("reproduce the paper's claims: queue the presets' runs as one sweep, then write an HTML report with PASS / FAIL per claim")
    .option('-p, --preset <name...>', 'presets to run (see --list)')
    .option('--all', 'every preset')
    .option('--quick', 'smaller sizes and fewer epochs (the CPU suite in minutes); paper-sized presets are skipped')
    .option('--set <key=value...>', 'override a config field of every run, e.g. batching.batchSize=8')
    .option('-o, --out <dir>', 'folder for report.html (default: ./scl-lab-reproduce-<sweep id>)')
    .option('-j, --concurrency <n>', 'runs at once (default: number of cores)', parsePositiveInt)
    .option('--backend <name>', 'tfjs backend', parseBackend)
    .option('--list', 'list the presets and exit')
    .option('--json', 'print one JSON summary')
    .option('--db <file>', 'database file (default: the app data folder, env SCL_LAB_DB)')
    .option('-q, --quiet', 'no progress bar')
    .action(async (opts) => {
      const presets = loadPresets();
      if (opts.list) {
        for (const p of presets) out(`${p.name.padEnd(24)} v${p.version}${p.paperSized ? ' (paper-sized)' : ''}  ${p.title}`);
        return;
      }
      let set: [string, unknown][];
      try {
        set = (opts.set ?? []).map(parseSet);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      let plan;
      try {
        plan = planReproduction({ presets: opts.preset, all: opts.all, quick: opts.quick, set }, presets);
      } catch (e) {
        if ((e as Error).name === 'ConfigError') throw e;
        throw new UsageError((e as Error).message);
      }
      const t0 = Date.now();
      const startedAt = new Date();
      const s = openSession({ db: opts.db, backend: opts.backend, concurrency: opts.concurrency });
      try {
        const { sweepId, runIds } = startReproduction(s.service, plan, { quick: opts.quick, set });
        const ids = [...runIds.values()].flat();
        for (const p of plan) if (p.skipped) process.stderr.write(`${p.preset.name}: not run — ${p.skipped}\n`);
        process.stderr.write(`sweep ${sweepId}: ${ids.length} runs queued\n`);
        const bar = makeProgress(ids.length, 'reproduce', opts.quiet);
        let finished = 0;
        const onStatus = (e: { runId: number; status: string }) => {
          if (ids.includes(e.runId) && e.status !== 'running') bar.update(++finished, `run ${e.runId} ${e.status}`);
        };
        s.runner.on('status', onStatus);
        const onSignal = () => ids.forEach((id) => s.runner.cancel(id));
        process.once('SIGINT', onSignal);
        await s.runner.onIdle();
        process.off('SIGINT', onSignal);
        s.runner.off('status', onStatus);
        bar.stop();
        const reports = presetReports(s.store, plan, runIds);
        const html = renderReport({
          title: `Reproduction of Kini et al. (ICLR 2024)${opts.quick ? ' — quick' : ''}`,
          sweepId,
          quick: !!opts.quick,
          set,
          startedAt,
          seconds: (Date.now() - t0) / 1000,
          appVersion: APP_VERSION,
          presets: reports,
        });
        const dir = resolve(opts.out ?? `scl-lab-reproduce-${sweepId}`);
        mkdirSync(dir, { recursive: true });
        const file = join(dir, 'report.html');
        writeFileSync(file, html);
        const outcomes = reports.flatMap((r) => r.outcomes.map((o) => ({ preset: r.preset.name, ...o })));
        const failed = outcomes.filter((o) => o.status !== 'PASS');
        if (opts.json) {
          out(JSON.stringify({ sweepId, report: file, seconds: (Date.now() - t0) / 1000, presets: reports.map((r) => ({ name: r.preset.name, skipped: r.skipped, runIds: r.runs.map((x) => x.runId), outcomes: r.outcomes })) }));
        } else {
          for (const r of reports) {
            out(`${r.preset.name}: ${r.skipped ? `NOT RUN (${r.skipped})` : r.outcomes.every((o) => o.status === 'PASS') ? 'PASS' : 'FAIL'}`);
            for (const o of r.outcomes) out(`  ${o.status.padEnd(7)} ${o.text}\n          ${o.detail}`);
          }
          out(`report: ${file} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
        }
        if (failed.length) setExit(1);
      } finally {
        await s.close();
      }
    });
}
