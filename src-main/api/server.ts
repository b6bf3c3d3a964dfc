/**
 * THE server implementation of the contract (`contract.ts`), shared by both transports (Electron IPC and
 * `scl-lab serve`). Every input is parsed with the method's input schema, every output with its output
 * schema before it leaves, and every error becomes `{ code, message, issues? }` (see errors.ts).
 */
import { availableParallelism } from 'node:os';
import type { z } from 'zod';
import { METHOD_NAMES, methods, SNAPSHOT_PREFIX, type MethodName, type Methods } from './contract';
import { ApiError, invalidInput, toApiError } from './errors';
import { ConfigError, imbalanceSchema, parseRunConfig } from './schema/config';
import type { EvalRecordOut, runResultSchema } from './schema/result';
import { expandPreset, loadPresets } from '../reproduce/presets';
import { renderReport, runLabel } from '../reproduce/report';
import { planReproduction, presetReports, reportForSweep, startReproduction } from '../reproduce/suite';
import { priorHistory } from '../runner/history';
import { classCounts } from '../science/imbalance';
import { analyseConfigBatchingBounded } from '../services/analysis';
import { summarizeRuns } from '../services/summarize';
import { budgetCheck, datasetCheck } from '../services/preflight';
import { slurmCollect, slurmSweeps } from './slurm';
import type { RunService } from '../services/runs';
import { APP_VERSION } from '../services/version';
import type { ListRunsQuery, MetricSummary, RunRecord, Store } from '../store';

/** What the server calls: the run services (writes go through them; reads use their store). */
export interface ApiContext {
  service: RunService;
  dbPath: string;
  mode: 'electron' | 'serve';
}

export interface Api {
  /** Resolves with the method's output (parsed by its output schema); rejects with an ApiError. */
  call(method: string, input: unknown): Promise<unknown>;
  readonly methods: string[];
}

export { SNAPSHOT_PREFIX };

type In<M extends MethodName> = z.output<Methods[M]['input']>;
type Out<M extends MethodName> = z.input<Methods[M]['output']>;
type Impl = { [M in MethodName]: (input: In<M>) => Out<M> | Promise<Out<M>> };

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

function summaries(s: RunRecord['summaries']): Record<string, Omit<MetricSummary, 'last'> & { last: number | null }> {
  const out: Record<string, Omit<MetricSummary, 'last'> & { last: number | null }> = {};
  for (const [k, v] of Object.entries(s)) out[k] = { ...v, last: finiteOrNull(v.last) };
  return out;
}

function row(r: RunRecord): Out<'runs.list'>['runs'][number] {
  return {
    id: r.id,
    uuid: r.uuid,
    name: r.name,
    kind: r.kind,
    status: r.status,
    statusDetail: r.statusDetail,
    config: r.config,
    configHash: r.configHash,
    seed: r.seed,
    backend: r.backend,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    lastStep: r.lastStep,
    error: r.error,
    notes: r.notes,
    sweepId: r.sweepId,
    resumedFrom: r.resumedFrom,
    tags: [...r.tags],
    summaries: summaries(r.summaries),
    orphaned: r.orphaned,
    ownerPid: r.ownerPid,
    cancelRequested: r.cancelRequestedAt !== null && (r.status === 'queued' || r.status === 'running'),
    deletedAt: r.deletedAt,
  };
}

const snapKey = (key: string): string => (key.startsWith(SNAPSHOT_PREFIX) ? key : SNAPSHOT_PREFIX + key);
const clientKey = (key: string): string => (key.startsWith(SNAPSHOT_PREFIX) ? key.slice(SNAPSHOT_PREFIX.length) : key);

/** Evaluation records whose required numbers are all finite (the contract has no NaN). */
function completeRecords(history: readonly EvalRecordOut[]): EvalRecordOut[] {
  const required = ['loss', 'deltaOF', 'deltaETF', 'nc1', 'cosMean', 'cosMin', 'cosMax', 'normRatio', 'nccAccTrain'] as const;
  return history.filter((h) => required.every((k) => Number.isFinite(h[k])));
}

/** Class counts of a config that may be invalid elsewhere (for the form), or null. */
function partialCounts(raw: unknown): number[] | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { classes, imbalance } = raw as Record<string, unknown>;
  const imb = imbalanceSchema.safeParse(imbalance);
  if (!imb.success) return null;
  const k = imb.data.profile === 'custom' ? imb.data.counts.length : classes;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 2 || k > 100_000) return null;
  try {
    return classCounts(imb.data, k);
  } catch {
    return null;
  }
}

function listQuery(q: In<'runs.list'>): ListRunsQuery {
  return { status: q.status, tag: q.tag, text: q.text, sweepId: q.sweepId, ids: q.ids, kind: q.kind, filters: q.filters };
}

export function createApi(ctx: ApiContext): Api {
  const { service } = ctx;
  const store: Store = service.store;

  const impl: Impl = {
    'app.info': () => ({ version: APP_VERSION, dbPath: ctx.dbPath, cores: availableParallelism(), mode: ctx.mode }),

    'runs.list': (q) => {
      const where = listQuery(q);
      const runs = store.listRuns({ ...where, limit: q.limit, offset: q.offset, orderBy: q.orderBy, descending: q.descending });
      return { runs: runs.map(row), total: store.countRuns(where) };
    },

    'runs.get': ({ id }) => {
      const r = store.getRun(id);
      return {
        ...row(r),
        appVersion: r.appVersion,
        env: r.env,
        result: (r.result ?? null) as z.input<typeof runResultSchema> | null,
      };
    },

    'runs.validate': ({ config, epochs }) => {
      let parsed;
      try {
        parsed = parseRunConfig(config);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return { ok: false, issues: e.issues.map((i) => ({ field: i.field, message: i.message })), counts: partialCounts(config), analysis: null };
      }
      // what the machine cannot afford is refused here too, before any analysis allocates it
      const over = budgetCheck(parsed);
      const counts = parsed.kind === 'embeddings' ? null : classCounts(parsed.imbalance, parsed.classes);
      if (over.length) return { ok: false, issues: over, counts: null, analysis: null };
      // an embeddings run imports features: no class counts of ours, no batching to analyse
      if (parsed.kind === 'embeddings') return { ok: true, issues: [], counts: null, analysis: null };
      const dataset = datasetCheck(parsed);
      // bounded (~100 ms): a big config gets fewer union epochs, or no analysis (scl-lab analyze-batching has it)
      const a = analyseConfigBatchingBounded(parsed, epochs);
      if (a === null) return { ok: true, issues: [], counts, analysis: null, dataset };
      return { ok: true, issues: [], counts: a.counts, analysis: { oneEpoch: a.oneEpoch, union: a.union, binding: a.binding }, dataset };
    },

    'runs.create': ({ config, name }) => ({ id: service.submit(config, { name }) }),

    'runs.cancel': ({ id }) => ({ ok: service.cancel(id) }),

    'runs.resume': ({ id }) => {
      service.resume(id);
      return { ok: true };
    },

    'runs.delete': async ({ ids }) => ({ deleted: await service.delete(ids) }),

    'trash.list': ({ limit, offset }) => ({
      runs: store.listRuns({ onlyDeleted: true, limit, offset, orderBy: 'deleted' }).map(row),
      total: store.countRuns({ onlyDeleted: true }),
    }),

    'trash.restore': ({ ids }) => ({ restored: service.restore(ids) }),

    'trash.empty': ({ ids }) => {
      const r = service.emptyTrash(ids);
      return { purged: r.purged.length, bytesBefore: r.bytesBefore, bytesAfter: r.bytesAfter, bytesFreed: Math.max(0, r.bytesBefore - r.bytesAfter) };
    },

    'runs.setNotes': ({ id, notes }) => {
      service.setNotes(id, notes);
      return { ok: true };
    },

    'runs.addTag': ({ id, tag }) => ({ tags: [...service.addTag(id, tag)] }),

    'runs.removeTag': ({ id, tag }) => ({ tags: [...service.removeTag(id, tag)] }),

    'runs.rename': ({ id, name }) => {
      store.renameRun(id, name);
      return { ok: true };
    },

    'runs.metricKeys': ({ id }) => {
      store.getRun(id);
      return { keys: store.metricKeys(id).scalars };
    },

    'runs.series': ({ runIds, key, x0, x1, buckets, wall }) => {
      for (const id of runIds) store.getRun(id);
      const series = store.getSeriesMany(runIds, key, { x0, x1, buckets, wall });
      return {
        series: series.map((s) => ({
          runId: s.runId,
          key: s.key,
          points: s.points.map((p) => ({ step: p.step, value: finiteOrNull(p.value), min: p.min, max: p.max, ...(p.wallMs !== undefined ? { wallMs: p.wallMs } : {}) })),
          total: s.total,
          decimated: s.decimated,
        })),
      };
    },

    'runs.history': ({ id }) => {
      const r = store.getRun(id);
      const stored = (r.result as { history?: EvalRecordOut[] } | null)?.history;
      const history = stored && stored.length > 0 ? stored : priorHistory(store, id, Number.MAX_SAFE_INTEGER);
      return { history: completeRecords(history) };
    },

    'runs.snapshotSteps': ({ id, key }) => {
      store.getRun(id);
      return { steps: store.snapshotSteps(id, snapKey(key)) };
    },

    'runs.snapshot': ({ id, key, step }) => {
      store.getRun(id);
      const s = store.getSnapshot(id, snapKey(key), step);
      if (s === null) return null;
      return { runId: id, key: clientKey(key), step: s.step, rows: s.rows, cols: s.cols, data: Array.from(s.data) };
    },

    'runs.seedGroups': ({ sweepId }) => ({
      groups: store.seedGroups({ sweepId }).map((g) => ({ configHash: g.configHash, runIds: [...g.runIds], seeds: [...g.seeds] })),
    }),

    'runs.summarize': (q) => summarizeRuns(store, q),

    'runs.export': ({ ids, format }) => {
      const single = ids?.length === 1 ? `run-${ids[0]}` : 'runs';
      switch (format) {
        case 'json':
          return { filename: `scl-lab-${single}.json`, mime: 'application/json', content: JSON.stringify(store.exportRuns(ids)) };
        case 'runs-csv':
          return { filename: `scl-lab-${single}.csv`, mime: 'text/csv', content: store.runsCsv(ids) };
        case 'metrics-csv':
          return { filename: `scl-lab-${single}-metrics.csv`, mime: 'text/csv', content: store.metricsCsv(ids) };
      }
    },

    'sweeps.create': ({ spec }) => service.sweep(spec),

    'sweeps.list': () => ({ sweeps: store.listSweeps().map((s) => ({ id: s.id, name: s.name, createdAt: s.createdAt })) }),

    'slurm.sweeps': () => slurmSweeps(store),
    'slurm.collect': ({ sweepId, partial }) => slurmCollect(store, sweepId, partial),

    'reproduce.presets': () => {
      const presets = loadPresets();
      const plan = planReproduction({ all: true, quick: true }, presets);
      return {
        presets: presets.map((p) => {
          const item = plan.find((x) => x.preset.name === p.name)!;
          const missing = item.skipped && item.skipped.startsWith('missing data') ? item.skipped : null;
          return {
            name: p.name,
            version: p.version,
            title: p.title,
            description: p.description,
            claim: p.claim,
            paperSized: p.paperSized,
            runs: missing ? 0 : expandPreset(p).length,
            quickRuns: item.cells.length,
            unavailable: missing,
          };
        }),
      };
    },

    'reproduce.start': ({ presets, quick, set }) => {
      const pairs = set.map((x) => [x.key, x.value] as [string, unknown]);
      const plan = planReproduction({ presets, quick, set: pairs });
      const { sweepId, runIds } = startReproduction(service, plan, { quick, set: pairs });
      return {
        sweepId,
        runIds: [...runIds.values()].flat(),
        skipped: plan.filter((p) => p.skipped).map((p) => ({ name: p.preset.name, reason: p.skipped! })),
      };
    },

    'reproduce.report': ({ sweepId }) => {
      const r = reportForSweep(store, sweepId);
      const reports = presetReports(store, r.plan, r.runIds);
      const ids = [...r.runIds.values()].flat();
      const done = ids.every((i) => !['queued', 'running'].includes(store.getRun(i).status));
      const all = reports.flatMap((p) => p.outcomes);
      const html = renderReport({
        title: `Reproduction of Kini et al. (ICLR 2024)${r.quick ? ' — quick' : ''}${done ? '' : ' (in progress)'}`,
        sweepId,
        quick: r.quick,
        set: r.set,
        startedAt: new Date(r.createdAt),
        seconds: Math.max(0, ...ids.map((i) => store.getRun(i).finishedAt ?? Date.now())) / 1000 - r.createdAt / 1000,
        appVersion: APP_VERSION,
        presets: reports,
      });
      return {
        html,
        done,
        pass: all.filter((o) => o.status === 'PASS').length,
        fail: all.filter((o) => o.status === 'FAIL').length,
        notRun: reports.filter((p) => p.skipped).length,
        quick: r.quick,
        set: r.set.map(([key, value]) => ({ key, value })),
        presets: reports.map((p) => ({
          name: p.preset.name,
          version: p.preset.version,
          title: p.preset.title,
          claim: p.preset.claim,
          skipped: p.skipped,
          outcomes: p.outcomes.map((o) => ({ text: o.text, status: o.status, detail: o.detail })),
          runs: p.runs.map((x) => ({ id: x.runId, label: runLabel(x, p.gridKeys) })),
          chart: { metric: p.preset.chart.metric, label: p.preset.chart.label },
        })),
      };
    },

    'views.list': () => ({ views: store.listViews() }),

    'views.save': ({ name, url }) => store.saveView(name, url),

    'views.delete': ({ name }) => {
      store.deleteView(name);
      return { ok: true };
    },
  };

  async function call(method: string, input: unknown): Promise<unknown> {
    if (typeof method !== 'string' || !Object.prototype.hasOwnProperty.call(methods, method)) {
      throw new ApiError('UNKNOWN_METHOD', `unknown method "${String(method)}" (known: ${METHOD_NAMES.join(', ')})`);
    }
    const name = method as MethodName;
    const def = methods[name];
    const parsed = def.input.safeParse(input === undefined ? {} : input);
    if (!parsed.success) throw invalidInput(name, parsed.error);
    let out: unknown;
    try {
      out = await (impl[name] as (i: unknown) => unknown)(parsed.data);
    } catch (e) {
      throw toApiError(e);
    }
    const checked = def.output.safeParse(out);
    if (!checked.success) {
      const what = checked.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.map(String).join('.') || '(output)'}: ${i.message}`)
        .join('; ');
      throw new ApiError('INTERNAL', `the output of ${name} does not match the contract: ${what}`);
    }
    return checked.data;
  }

  return { call, methods: [...METHOD_NAMES] };
}
