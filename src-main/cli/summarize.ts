/**
 * `scl-lab summarize`: the claim pivot from the command line (the same services/summarize.ts as the API's
 * runs.summarize and the Claim page): a table, `--json` ({ "cells": [...] }) or `--csv`.
 */
import { Command, InvalidArgumentError } from 'commander';
import { CLAIM_METRIC_NAMES, QueryError, summarizeInputSchema, type SummarizeOutput } from '../api/schema/summarize';
import { cellsCsv, keyLabel } from '../science/pivot';
import { summarizeRuns } from '../services/summarize';
import { out, UsageError } from './commands';
import { openDb } from './session';

const dbOption = ['--db <file>', 'database file (default: the app data folder, env SCL_LAB_DB)'] as const;

/** Query fields as the user typed them. */
const FLAG: Record<string, string> = { sweepId: '--sweep', runIds: '--runs', x: '--x', by: '--by', facet: '--facet', metric: '--metric', stat: '--stat', threshold: '--threshold' };

function parseIdList(v: string): number[] {
  const ids = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = ids.find((s) => !/^\d+$/.test(s) || Number(s) < 1);
  if (ids.length === 0 || bad !== undefined) throw new InvalidArgumentError(`"${bad ?? v}" is not a run id (a comma-separated list of whole numbers >= 1)`);
  return ids.map(Number);
}

function parseId(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`"${v}" is not a sweep id (a whole number >= 1)`);
  return Number(v);
}

function parseNumber(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`"${v}" is not a number`);
  return n;
}

const f = (v: number | null): string => (v === null ? '—' : Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : Number(v.toPrecision(4)).toString());

function table(r: SummarizeOutput): string {
  const head = [r.x.field ?? 'x', ...(r.by.field ? [r.by.field] : []), ...(r.facet.field ? [r.facet.field] : []), 'n', 'median', 'IQR', 'min..max', 'mean ± std', 'values (seed order)', 'batches'];
  const rows = r.cells.map((c) => [
    keyLabel(c.x),
    ...(r.by.field ? [keyLabel(c.by)] : []),
    ...(r.facet.field ? [keyLabel(c.facet)] : []),
    `${c.n}${c.missing.length ? ` (+${c.missing.length} missing)` : ''}`,
    f(c.median),
    `${f(c.q1)}..${f(c.q3)}`,
    `${f(c.min)}..${f(c.max)}`,
    `${f(c.mean)} ± ${f(c.std)}`,
    c.values.map((v) => f(v)).join(' '),
    c.verdict.ofUnique === true ? 'OF unique' : c.verdict.ofUnique === false ? 'OF not unique' : c.verdict.seedsAnalysed ? 'mixed' : 'not analysed',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const lines = [r.title, line(head), ...rows.map(line)];
  const notes = r.cells.flatMap((c) => [
    ...(c.verdict.ofUnique === true ? [] : [`  ${keyLabel(c.x)}${r.by.field ? ` / ${keyLabel(c.by)}` : ''}: ${c.verdict.text}`]),
    ...c.missing.map((m) => `  run ${m.runId} (seed ${m.seed}) has no value: ${m.reason}`),
  ]);
  if (r.metric.refs.length) lines.push(`references: ${r.metric.refs.map((x) => x.label).join(', ')}`);
  const pivoted = [r.x.field, r.by.field, r.facet.field, 'seed'];
  const mixed = r.fields.filter((x) => x.distinct > 1 && !pivoted.includes(x.path)).map((x) => x.path);
  if (mixed.length) lines.push(`note: these runs also differ in ${mixed.join(', ')}: each cell mixes those values (--by or --facet splits them)`);
  return [...lines, ...notes].join('\n');
}

export function registerSummarizeCommand(program: Command): void {
  program
    .command('summarize')
    .alias('summarise')
    .description("the claim pivot: runs by config fields (x, colour 'by', facet), each seed's value of a metric, median / IQR / mean ± std / 95 % CI per cell, and the batch-condition verdict")
    .option('--sweep <id>', 'the runs of this sweep', parseId)
    .option('--runs <ids>', 'these runs (comma-separated ids), e.g. a Runs selection', parseIdList)
    .requiredOption('--x <field>', 'config field on the x axis (dotted path, e.g. imbalance.ratio, batching.batchSize, temperature)')
    .option('--by <field>', 'config field that splits the runs into colours (e.g. relu)')
    .option('--facet <field>', 'config field that splits the runs into small multiples (e.g. batching.binding)')
    .requiredOption('--metric <name>', `one of ${CLAIM_METRIC_NAMES.join(', ')}`)
    .option('--stat <stat>', 'final (the last evaluation) or best (over every evaluation)', 'final')
    .option('--threshold <t>', 'the Delta_OF target of epochsToOF / secondsToOF', parseNumber, 0.05)
    .option('--json', 'print { "cells": [ { x, by, facet, n, runIds, values, median, min, max, mean, std, ... } ] }')
    .option('--csv', 'print the cells as CSV (one row per cell, each seed a column)')
    .option(...dbOption)
    .action((opts: { sweep?: number; runs?: number[]; x: string; by?: string; facet?: string; metric: string; stat: string; threshold: number; json?: boolean; csv?: boolean; db?: string }) => {
      if (opts.json && opts.csv) throw new UsageError('give --json or --csv, not both');
      const parsed = summarizeInputSchema.safeParse({
        sweepId: opts.sweep,
        runIds: opts.runs,
        x: opts.x,
        by: opts.by,
        facet: opts.facet,
        metric: opts.metric,
        stat: opts.stat,
        threshold: opts.threshold,
      });
      if (!parsed.success) {
        throw new UsageError(parsed.error.issues.map((i) => `${FLAG[String(i.path[0])] ?? String(i.path[0])}: ${i.message}`).join('; '));
      }
      const store = openDb(opts, true);
      try {
        let r: SummarizeOutput;
        try {
          r = summarizeRuns(store, parsed.data);
        } catch (e) {
          if (e instanceof QueryError) throw new UsageError(e.issues.map((i) => `${FLAG[i.field] ?? i.field}: ${i.message}`).join('; '));
          throw e;
        }
        if (opts.json) out(JSON.stringify({ cells: r.cells }));
        else if (opts.csv) out(cellsCsv(r.cells, { x: r.x.field!, by: r.by.field, facet: r.facet.field, metric: r.metric.axisLabel }));
        else out(table(r));
      } finally {
        store.close();
      }
    });
}
