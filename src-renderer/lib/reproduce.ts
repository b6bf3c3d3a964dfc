/** Pure helpers of the Reproduce page: the override field, chart keys, per-preset and per-run state. */
import type { MethodOutput } from './client';

export type ReproduceReport = MethodOutput<'reproduce.report'>;
export type PresetReport = ReproduceReport['presets'][number];
export type PresetInfo = MethodOutput<'reproduce.presets'>['presets'][number];

/**
 * One `key=value` override, as the CLI's `--set` reads it: the value is JSON when it parses (numbers,
 * booleans, arrays), else the bare text. Empty input: no override.
 */
export function parseOverride(text: string): { ok: true; set: { key: string; value: unknown }[] } | { ok: false; error: string } {
  const s = text.trim();
  if (s === '') return { ok: true, set: [] };
  const i = s.indexOf('=');
  if (i <= 0) return { ok: false, error: 'write the override as key=value, e.g. batching.batchSize=8' };
  const key = s.slice(0, i).trim();
  const raw = s.slice(i + 1).trim();
  if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(key)) return { ok: false, error: `"${key}" is not a config key (dotted, e.g. batching.batchSize)` };
  if (raw === '') return { ok: false, error: `${key}: the value is missing` };
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    /* a bare word is a string */
  }
  return { ok: true, set: [{ key, value }] };
}

/** Evaluation-record field -> the stored scalar series of the same metric. */
const SERIES_KEYS: Record<string, string> = {
  loss: 'train/loss',
  gap: 'train/gap',
  deltaOF: 'geom/deltaOF',
  deltaETF: 'geom/deltaETF',
  nc1: 'geom/nc1',
  cosMean: 'geom/cosMean',
  cosMin: 'geom/cosMin',
  cosMax: 'geom/cosMax',
  normRatio: 'geom/normRatio',
  nccAccTrain: 'acc/nccTrain',
  nccAccTest: 'acc/nccTest',
};

export function seriesKey(metric: string): string {
  return SERIES_KEYS[metric] ?? (metric.includes('/') ? metric : `geom/${metric}`);
}

export const TERMINAL = new Set(['finished', 'failed', 'cancelled', 'interrupted']);

/** A run as the page watches it: its status and epoch from the events, seeded by runs.list. */
export interface RunState {
  id: number;
  status: string;
  epoch: number;
  epochs: number;
  backend: string | null;
  error: string | null;
}

export type PresetStatus = 'PASS' | 'FAIL' | 'NOT RUN' | 'RUNNING';

/** One preset's verdict: not run (skipped), still running, or PASS only when every check passes. */
export function presetStatus(p: PresetReport, runs: Map<number, RunState>): PresetStatus {
  if (p.skipped) return 'NOT RUN';
  if (p.runs.some((r) => !TERMINAL.has(runs.get(r.id)?.status ?? 'queued'))) return 'RUNNING';
  if (p.outcomes.length === 0) return 'NOT RUN';
  return p.outcomes.every((o) => o.status === 'PASS') ? 'PASS' : 'FAIL';
}

/** Fraction of the sweep's epochs done (0..1), over the runs that can still move. */
export function sweepProgress(runs: Iterable<RunState>): { done: number; total: number; frac: number } {
  let done = 0;
  let total = 0;
  for (const r of runs) {
    total += r.epochs;
    done += r.status === 'finished' ? r.epochs : Math.min(r.epoch, r.epochs);
  }
  return { done, total, frac: total > 0 ? done / total : 0 };
}

/** A reproduction sweep, by its name (`reproduce[ --quick] <ISO time>`, written by the server). */
export const isReproduction = (s: { name: string }): boolean => /^reproduce\b/.test(s.name);
