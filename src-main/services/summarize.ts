/**
 * The claim pivot over stored runs (`runs.summarize`, `scl-lab summarize`, the Claim page): resolve the run set
 * (a sweep or a list of ids), read each run's value of the metric (final, best over its evaluations, or epochs /
 * seconds to a Delta_OF threshold), the batch-condition verdict of its config (the analyser, as the New run
 * page shows it), and pivot them (science/pivot.ts). A bad field, metric, sweep or run throws a QueryError.
 */
import { parseRunConfig } from '../api/schema/config';
import { dottedPathIssue, getPath } from '../api/schema/dotted-path';
import type { FinalMetrics, RunResult } from '../api/schema/result';
import {
  CLAIM_METRIC_NAMES,
  CLAIM_METRICS,
  isClaimMetric,
  QueryError,
  type ClaimMetric,
  type SummarizeInput,
  type SummarizeOutput,
} from '../api/schema/summarize';
import { axisKind, compareKeys, keyOf, pivot, type Observation, type PivotKey } from '../science/pivot';
import type { RunRecord, Store } from '../store';
import { analyseConfigBatchingBounded } from './analysis';

const SKIP_FIELDS = new Set(['name', 'schemaVersion']);

/** Leaf config fields as dotted paths -> value (arrays are leaves; long ones, e.g. explicit batches, are left out). */
function leaves(o: unknown, prefix: string, out: Map<string, unknown>): void {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    if (prefix && !(Array.isArray(o) && JSON.stringify(o).length > 200)) out.set(prefix, o);
    return;
  }
  for (const [k, v] of Object.entries(o)) {
    if (!prefix && SKIP_FIELDS.has(k)) continue;
    leaves(v, prefix ? `${prefix}.${k}` : k, out);
  }
}

function fieldsOf(runs: readonly RunRecord[]): SummarizeOutput['fields'] {
  const values = new Map<string, Set<string>>();
  const numeric = new Map<string, boolean>();
  for (const r of runs) {
    const m = new Map<string, unknown>();
    leaves(r.config, '', m);
    for (const [path, v] of m) {
      let s = values.get(path);
      if (!s) values.set(path, (s = new Set()));
      s.add(JSON.stringify(v));
      numeric.set(path, (numeric.get(path) ?? true) && typeof v === 'number');
    }
  }
  return [...values]
    .map(([path, s]) => ({ path, distinct: s.size, numeric: numeric.get(path) ?? false }))
    .sort((a, b) => (b.distinct > 1 ? 1 : 0) - (a.distinct > 1 ? 1 : 0) || a.path.localeCompare(b.path));
}

function resolveRuns(store: Store, q: SummarizeInput): { runs: RunRecord[]; what: string } {
  if ((q.sweepId === undefined) === (q.runIds === undefined)) {
    throw new QueryError([{ field: 'sweepId', message: 'give either a sweep (sweepId) or a list of runs (runIds), not both and not neither' }]);
  }
  if (q.sweepId !== undefined) {
    const sweep = store.listSweeps().find((s) => s.id === q.sweepId);
    if (!sweep) throw new QueryError([{ field: 'sweepId', message: `sweep ${q.sweepId} does not exist` }]);
    const runs = store.listRuns({ sweepId: q.sweepId, limit: 100_000, orderBy: 'id', descending: false });
    if (runs.length === 0) throw new QueryError([{ field: 'sweepId', message: `sweep ${q.sweepId} has no runs (outside the trash)` }]);
    return { runs, what: `sweep ${sweep.id} "${sweep.name}"` };
  }
  const ids = [...new Set(q.runIds!)];
  const runs = store.listRuns({ ids, limit: 100_000, orderBy: 'id', descending: false });
  const found = new Set(runs.map((r) => r.id));
  const absent = ids.filter((id) => !found.has(id));
  if (absent.length) throw new QueryError([{ field: 'runIds', message: `run ${absent.join(', ')} ${absent.length === 1 ? 'does' : 'do'} not exist (or is in the trash)` }]);
  return { runs, what: `${runs.length} runs` };
}

function checkField(runs: readonly RunRecord[], field: string, path: string, fields: SummarizeOutput['fields']): void {
  const issue = dottedPathIssue(path, field);
  if (issue) throw new QueryError([issue]);
  if (runs.some((r) => getPath(r.config, path) !== undefined)) return;
  const varying = fields.filter((f) => f.distinct > 1).map((f) => f.path);
  throw new QueryError([
    {
      field,
      message: `"${path}" is not a config field of these runs (fields that vary across them: ${varying.length ? varying.join(', ') : 'none but the seed'})`,
    },
  ]);
}

type Value = { value: number | null; missing?: string };

function metricValue(store: Store, r: RunRecord, name: keyof typeof CLAIM_METRICS, m: ClaimMetric, stat: 'final' | 'best', threshold: number): Value {
  if (r.status !== 'finished') return { value: null, missing: `run is ${r.status}` };
  const result = r.result as RunResult | null;
  const final = result?.final ?? null;
  if (!final) return { value: null, missing: 'no final metrics' };
  if (m.source === 'threshold') {
    const hit = store.firstStepAtOrBelow(r.id, 'geom/deltaOF', threshold);
    if (!hit) return { value: null, missing: `never reached Delta_OF <= ${threshold} in ${final.epoch} epochs` };
    if (name === 'epochsToOF') return { value: hit.step };
    if (r.startedAt === null) return { value: null, missing: 'no start time' };
    return { value: Math.max(0, (hit.wallMs - r.startedAt) / 1000) };
  }
  if (m.source === 'cosGroup') {
    const g = final.cosGroups[({ cosMajMaj: 'majMaj', cosMinMin: 'minMin', cosMajMin: 'majMin' } as const)[name as 'cosMajMaj']];
    return g === null ? { value: null, missing: 'no such pair of class groups (balanced, or one class per group)' } : { value: g };
  }
  const field = name as keyof FinalMetrics & keyof RunResult['history'][number];
  const absent = name === 'nccAccTest' ? 'no test set' : name === 'gap' ? 'no closed-form optimum L* for this run' : `no ${m.label}`;
  if (stat === 'final') {
    const v = final[field];
    return typeof v === 'number' && Number.isFinite(v) ? { value: v } : { value: null, missing: absent };
  }
  const all = [...(result?.history ?? []), final].map((h) => h[field]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (all.length === 0) return { value: null, missing: absent };
  return { value: m.better === 'max' ? Math.max(...all) : Math.min(...all) };
}

type Verdict = { ofUnique: boolean | null; verdict: string };

/**
 * Verdicts by what the batches depend on (a pure function of those fields: never stale). Kept across calls, since
 * the Claim page asks again on every picker change; one analysis costs up to ~50 ms (INTERACTIVE_ANALYSIS_VISITS).
 */
const VERDICTS = new Map<string, Verdict>();
const MAX_VERDICTS = 20_000;

/** The batch-condition verdict of a run's config. */
function verdictOf(r: RunRecord, cache: Map<string, Verdict> = VERDICTS): Verdict {
  const c = r.config as Record<string, unknown>;
  if (c.kind === 'embeddings') return { ofUnique: null, verdict: 'imported embeddings: no batching to analyse' };
  const b = (c.batching ?? {}) as { strategy?: unknown; binding?: unknown };
  // full and explicit batches without binding are the same for every seed: one analysis serves them all
  const seeded = !((b.strategy === 'full' || b.strategy === 'explicit') && b.binding !== true);
  const key = JSON.stringify([c.kind, c.loss, c.views, c.classes, c.imbalance, c.batching, seeded ? c.seed : null, c.epochs]);
  const hit = cache.get(key);
  if (hit) return hit;
  let out: Verdict;
  try {
    const config = parseRunConfig(c);
    const a = config.kind === 'embeddings' ? null : analyseConfigBatchingBounded(config, config.epochs);
    out =
      a === null
        ? { ofUnique: null, verdict: 'too large to analyse here (scl-lab analyze-batching has the full analysis)' }
        : { ofUnique: a.union.ofUnique, verdict: a.union.findings.find((f) => !f.startsWith('two views')) ?? a.union.findings[0] ?? '' };
  } catch (e) {
    out = { ofUnique: null, verdict: `not analysed: ${(e as Error).message}` };
  }
  if (cache.size >= MAX_VERDICTS) cache.delete(cache.keys().next().value!);
  cache.set(key, out);
  return out;
}

export function summarizeRuns(store: Store, q: SummarizeInput): SummarizeOutput {
  const { runs, what } = resolveRuns(store, q);
  if (!isClaimMetric(q.metric)) throw new QueryError([{ field: 'metric', message: `unknown metric "${q.metric}" (one of ${CLAIM_METRIC_NAMES.join(', ')})` }]);
  const m: ClaimMetric = CLAIM_METRICS[q.metric];
  if (q.stat === 'best' && m.better === null && m.source !== 'threshold') {
    throw new QueryError([{ field: 'stat', message: `${q.metric} has no "best" (neither larger nor smaller is better); use final` }]);
  }
  // one meaning per metric: the loss is the UFM objective (a sum over batches) but a deep run's mean batch loss
  if (q.metric === 'loss' && new Set(runs.map((r) => (r.kind === 'deep' ? 'deep' : 'ufm'))).size > 1) {
    throw new QueryError([{ field: 'metric', message: 'loss is a sum over batches for UFM runs and a mean for deep runs: these runs mix both kinds (choose runs of one kind, or another metric)' }]);
  }
  const fields = fieldsOf(runs);
  checkField(runs, 'x', q.x, fields);
  if (q.by !== undefined) checkField(runs, 'by', q.by, fields);
  if (q.facet !== undefined) checkField(runs, 'facet', q.facet, fields);

  const observations: Observation[] = runs.map((r) => ({
    runId: r.id,
    seed: r.seed,
    x: keyOf(getPath(r.config, q.x)),
    by: q.by === undefined ? null : keyOf(getPath(r.config, q.by)),
    facet: q.facet === undefined ? null : keyOf(getPath(r.config, q.facet)),
    ...metricValue(store, r, q.metric as keyof typeof CLAIM_METRICS, m, q.stat, q.threshold),
    ...verdictOf(r),
  }));
  const cells = pivot(observations);
  const distinct = (pick: (o: Observation) => PivotKey): PivotKey[] => [...new Set(observations.map(pick))].sort(compareKeys);
  const xs = distinct((o) => o.x);
  const ks = new Set(runs.map((r) => (r.config as { classes?: unknown }).classes));
  const k = ks.size === 1 && typeof [...ks][0] === 'number' ? ([...ks][0] as number) : null;
  const threshold = m.source === 'threshold' ? q.threshold : null;
  const stat = m.source === 'threshold' ? 'final' : q.stat;
  const axisLabel = threshold !== null ? `${m.label} <= ${threshold}${q.metric === 'secondsToOF' ? ' (s)' : ''}` : `${m.label} (${stat})`;
  return {
    cells,
    title: `${axisLabel} vs ${q.x}${q.by ? ` by ${q.by}` : ''}${q.facet ? `, per ${q.facet}` : ''} — ${what}`,
    x: { field: q.x, values: xs, kind: axisKind(q.x, xs) },
    by: { field: q.by ?? null, values: distinct((o) => o.by) },
    facet: { field: q.facet ?? null, values: distinct((o) => o.facet) },
    metric: { name: q.metric, label: m.label, meaning: m.meaning, stat, threshold, axisLabel, refs: m.refs?.(k) ?? [], bounds: m.bounds ?? [null, null] },
    runs: runs.length,
    fields,
    metrics: CLAIM_METRIC_NAMES.map((name) => {
      const d: ClaimMetric = CLAIM_METRICS[name];
      return { name, label: d.label, meaning: d.meaning, best: d.better !== null };
    }),
  };
}
