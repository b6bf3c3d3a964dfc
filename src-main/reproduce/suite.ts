/** Plans a reproduction (which presets run, and how), queues it as one sweep, and gathers its report. */
import type { RunConfig } from '../api/schema/config';
import type { SweepCell } from '../api/schema/sweep';
import type { RunResult } from '../api/schema/result';
import { DataError, findDataset } from '../data';
import type { RunService } from '../services/runs';
import type { Store } from '../store';
import { evaluateCheck, type PresetRun } from './claims';
import { expandPreset, loadPresets, type Preset } from './presets';
import { assertDottedPaths } from '../api/schema/dotted-path';
import type { PresetReport } from './report';

export interface ReproduceOptions {
  presets?: string[];
  all?: boolean;
  quick?: boolean;
  set?: [string, unknown][];
}

export interface PlanItem {
  preset: Preset;
  cells: SweepCell[];
  skipped: string | null;
}

export function planReproduction(opts: ReproduceOptions, available: Preset[] = loadPresets()): PlanItem[] {
  assertDottedPaths((opts.set ?? []).map(([k]) => [k, `set.${k}`]), 'reproduction overrides');
  let chosen = available;
  if (!opts.all) {
    if (!opts.presets?.length) throw new Error(`name presets with --preset, or use --all; presets: ${available.map((p) => p.name).join(', ')}`);
    chosen = opts.presets.map((n) => {
      const p = available.find((x) => x.name === n);
      if (!p) throw new Error(`unknown preset "${n}"; presets: ${available.map((x) => x.name).join(', ')}`);
      return p;
    });
  }
  return chosen.map((preset) => {
    if (preset.paperSized && opts.quick) {
      return { preset, cells: [], skipped: 'paper-sized: not part of the quick CPU suite (run it without --quick where the data and ideally a GPU are)' };
    }
    if (preset.requires) {
      try {
        findDataset(preset.requires.dataset, undefined);
      } catch (e) {
        if (!(e instanceof DataError)) throw e;
        return { preset, cells: [], skipped: `missing data: ${e.message}` };
      }
    }
    return { preset, cells: expandPreset(preset, opts), skipped: null };
  });
}

export function runName(preset: Preset, cell: SweepCell): string {
  const params = Object.entries(cell.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
  return `${preset.name}: ${params}`;
}

/** Queue every runnable preset's runs under one sweep. */
export function startReproduction(service: RunService, plan: PlanItem[], opts: ReproduceOptions): { sweepId: number; runIds: Map<string, number[]> } {
  const sweepId = service.store.createSweep(`reproduce${opts.quick ? ' --quick' : ''} ${new Date().toISOString()}`, {
    reproduce: plan.map((p) => ({ name: p.preset.name, version: p.preset.version, skipped: p.skipped })),
    quick: !!opts.quick,
    set: opts.set ?? [],
  });
  const runIds = new Map<string, number[]>();
  for (const item of plan) {
    runIds.set(item.preset.name, item.cells.map((c) => service.submit(c.config, { sweepId, name: runName(item.preset, c) })));
  }
  return { sweepId, runIds };
}

export function presetReports(store: Store, plan: PlanItem[], runIds: Map<string, number[]>): PresetReport[] {
  return plan.map((item) => {
    const runs: PresetRun[] = (runIds.get(item.preset.name) ?? []).map((id) => {
      const r = store.getRun(id);
      return { runId: id, config: r.config as unknown as RunConfig, status: r.status, result: (r.result as RunResult | null) ?? null };
    });
    return {
      preset: item.preset,
      skipped: item.skipped,
      runs,
      outcomes: item.skipped ? [] : item.preset.checks.map((c) => evaluateCheck(c, runs)),
      gridKeys: Object.keys(item.preset.sweep.grid),
    };
  });
}

/** Rebuild the report of a reproduction sweep from the database (for the app's Reproduce page). */
export function reportForSweep(store: Store, sweepId: number, available: Preset[] = loadPresets()): { plan: PlanItem[]; runIds: Map<string, number[]>; quick: boolean; set: [string, unknown][]; createdAt: number } {
  const sweep = store.getSweep(sweepId);
  const spec = sweep.spec as { reproduce?: { name: string; skipped: string | null }[]; quick?: boolean; set?: [string, unknown][] };
  if (!spec || !Array.isArray(spec.reproduce)) throw new Error(`sweep ${sweepId} is not a reproduction`);
  const plan: PlanItem[] = [];
  const runIds = new Map<string, number[]>();
  const runs = store.listRuns({ sweepId, orderBy: 'id', descending: false });
  for (const item of spec.reproduce) {
    const preset = available.find((p) => p.name === item.name);
    if (!preset) continue;
    plan.push({ preset, cells: [], skipped: item.skipped });
    runIds.set(preset.name, runs.filter((r) => (r.name ?? '').startsWith(`${preset.name}: `)).map((r) => r.id));
  }
  return { plan, runIds, quick: !!spec.quick, set: spec.set ?? [], createdAt: sweep.createdAt };
}
