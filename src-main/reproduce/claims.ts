/** Evaluates a preset's checks on its finished runs: PASS / FAIL with the numbers, or NOT RUN. */
import type { RunConfig } from '../api/schema/config';
import type { RunResult } from '../api/schema/result';
import { analyseConfigBatching } from '../services/analysis';
import { getPath, type Check } from './presets';

export interface PresetRun {
  runId: number;
  config: RunConfig;
  status: string;
  result: RunResult | null;
}

export interface CheckOutcome {
  text: string;
  status: 'PASS' | 'FAIL' | 'NOT RUN';
  detail: string;
}

const fmt = (x: number) => (!Number.isFinite(x) ? String(x) : Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(2) : x.toFixed(4));

function matches(run: PresetRun, where: Record<string, unknown>): boolean {
  return Object.entries(where).every(([k, v]) => {
    const actual = JSON.stringify(getPath(run.config, k));
    return Array.isArray(v) ? v.some((x) => JSON.stringify(x) === actual) : JSON.stringify(v) === actual;
  });
}

function label(run: PresetRun, keys: string[]): string {
  return keys.map((k) => `${k}=${JSON.stringify(getPath(run.config, k))}`).join(' ');
}

function metricOf(run: PresetRun, metric: string): number {
  const v = getPath(run.result?.final, metric);
  return typeof v === 'number' ? v : NaN;
}

function compare(x: number, op: string, value: number, tol = 0): boolean {
  switch (op) {
    case '<': return x < value;
    case '>': return x > value;
    case '<=': return x <= value;
    case '>=': return x >= value;
    default: return Math.abs(x - value) <= tol;
  }
}

/** First evaluated epoch at which the metric is below the threshold (Infinity if never). */
export function epochsTo(run: PresetRun, metric: string, below: number): number {
  for (const h of run.result?.history ?? []) {
    const v = (h as Record<string, unknown>)[metric];
    if (typeof v === 'number' && v < below) return h.epoch;
  }
  return Infinity;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function evaluateCheck(check: Check, runs: PresetRun[]): CheckOutcome {
  const done = runs.filter((r) => r.status === 'finished' && r.result?.final);
  const pick = (w: Record<string, unknown>) => done.filter((r) => matches(r, w));
  const out = (pass: boolean, detail: string): CheckOutcome => ({ text: check.text, status: pass ? 'PASS' : 'FAIL', detail });
  const missing = (what: string): CheckOutcome => ({ text: check.text, status: 'NOT RUN', detail: `no finished run matches ${what}` });
  switch (check.type) {
    case 'threshold': {
      const rs = pick(check.where);
      if (!rs.length) return missing(JSON.stringify(check.where));
      const keys = Object.keys(check.where);
      const vals = rs.map((r) => metricOf(r, check.metric) - (check.ref ? metricOf(r, check.ref) : 0));
      const name = check.ref ? `${check.metric} - ${check.ref}` : check.metric;
      const target = check.op === 'approx' ? `= ${check.value} ± ${check.tol ?? 0}` : `${check.op} ${check.value}`;
      if (check.all) {
        const pass = vals.every((v) => compare(v, check.op, check.value, check.tol));
        return out(pass, rs.map((r, i) => `${label(r, Object.keys(check.where).length ? keys : [])}${rs.length > 1 ? ' ' : ''}${name} ${fmt(vals[i])}`).join('; ') + ` (target ${target} each)`);
      }
      const m = mean(vals);
      return out(compare(m, check.op, check.value, check.tol), `${name} ${fmt(m)}${rs.length > 1 ? ` (mean of ${rs.length} seeds)` : ''} (target ${target})`);
    }
    case 'conditions': {
      const rs = runs.filter((r) => matches(r, check.where));
      if (!rs.length) return missing(JSON.stringify(check.where));
      const a = analyseConfigBatching(rs[0].config, Math.min(rs[0].config.kind === 'embeddings' ? 1 : rs[0].config.epochs, 20));
      const u = a.union;
      const detail = `union of ${u.epochs} epochs: ${u.ofUnique ? 'conditions hold' : `classes not connected: [${u.disconnectedClasses.join(', ')}], pairs never together: ${u.uncoveredPairs.length}`}`;
      return out(u.ofUnique === check.expect, detail);
    }
    case 'epochs-to': {
      const rs = pick(check.where);
      if (!rs.length) return missing(JSON.stringify(check.where));
      const e = rs.map((r) => epochsTo(r, check.metric, check.below));
      return out(e.every(Number.isFinite), `${check.metric} < ${check.below} first at epoch ${e.map((x) => (Number.isFinite(x) ? x : 'never')).join(', ')}`);
    }
    case 'epochs-to-ratio': {
      const ra = pick(check.a), rb = pick(check.b);
      if (!ra.length || !rb.length) return missing(`${JSON.stringify(check.a)} and ${JSON.stringify(check.b)}`);
      const ea = Math.max(...ra.map((r) => epochsTo(r, check.metric, check.below)));
      const eb = Math.max(...rb.map((r) => epochsTo(r, check.metric, check.below)));
      const budget = Math.max(...ra.map((r) => (r.config.kind === 'embeddings' ? 0 : r.config.epochs)));
      const show = (e: number) => (Number.isFinite(e) ? `epoch ${e}` : `not within ${budget} epochs`);
      return out(Number.isFinite(eb) && ea >= check.factor * eb, `${JSON.stringify(check.a)}: ${show(ea)}; ${JSON.stringify(check.b)}: ${show(eb)} (needs >= ${check.factor}x)`);
    }
    case 'compare':
    case 'compare-each': {
      const groups = new Map<string, PresetRun[]>();
      if (check.type === 'compare-each') for (const r of done) groups.set(JSON.stringify(getPath(r.config, check.by)), [...(groups.get(JSON.stringify(getPath(r.config, check.by))) ?? []), r]);
      else groups.set('', done);
      const parts: string[] = [];
      let pass = groups.size > 0;
      for (const [g, rs] of groups) {
        const ra = rs.filter((r) => matches(r, check.a)), rb = rs.filter((r) => matches(r, check.b));
        if (!ra.length || !rb.length) return missing(`${JSON.stringify(check.a)} and ${JSON.stringify(check.b)}${g ? ` for ${g}` : ''}`);
        const va = mean(ra.map((r) => metricOf(r, check.metric))), vb = mean(rb.map((r) => metricOf(r, check.metric)));
        const ok = compare(va - vb, check.op, check.value ?? 0);
        pass &&= ok;
        parts.push(`${g ? `${g}: ` : ''}${check.metric} ${fmt(va)} vs ${fmt(vb)} (difference ${fmt(va - vb)}, needs ${check.op} ${check.value ?? 0})`);
      }
      return out(pass, parts.join('; '));
    }
  }
}
