/**
 * THE contract between the renderer (or any client) and the app: method names, a zod schema for every
 * input and output, and the pushed events. Two transports carry it unchanged: Electron IPC (preload +
 * ipcMain.handle) and HTTP + WebSocket (`scl-lab serve`). The renderer imports only the TYPES of this file.
 */
import { z } from 'zod';
import { runConfigSchema } from './schema/config';
import { evalRecordSchema, runResultSchema, runStatusSchema } from './schema/result';
import { summarizeInputSchema, summarizeOutputSchema } from './schema/summarize';

const id = z.number().int().positive();

export const runKindSchema = z.enum(['ufm', 'deep', 'embeddings']);

export const metricSummarySchema = z.object({
  lastStep: z.number(),
  last: z.number().nullable(),
  min: z.number().nullable(),
  minStep: z.number().nullable(),
  max: z.number().nullable(),
  maxStep: z.number().nullable(),
  n: z.number(),
  nNonFinite: z.number(),
});

/** A saved view: a name for an app route whose query holds the view's whole state. */
export const savedViewSchema = z.object({ id, name: z.string(), url: z.string(), createdAt: z.number() });

/** One row of the runs table (no series, no result history: lists stay fast). */
export const runRowSchema = z.object({
  id,
  uuid: z.string(),
  name: z.string().nullable(),
  kind: runKindSchema,
  status: runStatusSchema,
  statusDetail: z.string().nullable(),
  config: z.record(z.string(), z.unknown()),
  configHash: z.string(),
  seed: z.number(),
  backend: z.string().nullable(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  lastStep: z.number().nullable(),
  error: z.string().nullable(),
  notes: z.string().nullable(),
  sweepId: z.number().nullable(),
  resumedFrom: z.number().nullable(),
  tags: z.array(z.string()),
  summaries: z.record(z.string(), metricSummarySchema),
  /** Queued, but the process that queued it is gone: `runs.resume` takes it into this process's queue. */
  orphaned: z.boolean(),
  /** The process that queued / runs it (any process may cancel it: the store passes the request on). */
  ownerPid: z.number().nullable(),
  /** A cancel was asked for and the owner has not stopped it yet. */
  cancelRequested: z.boolean(),
  /** In the trash since (ms), or null. */
  deletedAt: z.number().nullable(),
});
export type RunRow = z.infer<typeof runRowSchema>;

/** A run in full: its row plus the environment and the result object. */
export const runDetailSchema = runRowSchema.extend({
  appVersion: z.string(),
  env: z.unknown(),
  result: runResultSchema.nullable(),
});
export type RunDetail = z.infer<typeof runDetailSchema>;

export const seriesSchema = z.object({
  runId: id,
  key: z.string(),
  /** Points in step order. When decimated, each point is a bucket: value = last, with its min and max. */
  points: z.array(
    z.object({
      step: z.number(),
      value: z.number().nullable(),
      min: z.number().nullable(),
      max: z.number().nullable(),
      /** When asked for (`wall: true`): when the point was written, ms since the Unix epoch. */
      wallMs: z.number().optional(),
    }),
  ),
  /** Points stored in the requested range. */
  total: z.number(),
  decimated: z.boolean(),
});
export type Series = z.infer<typeof seriesSchema>;

export const snapshotSchema = z.object({
  runId: id,
  key: z.string(),
  step: z.number(),
  rows: z.number(),
  cols: z.number(),
  data: z.array(z.number()),
});
export type SnapshotOut = z.infer<typeof snapshotSchema>;

export const fieldIssueSchema = z.object({ field: z.string(), message: z.string() });

const conditionReportSchema = z.object({
  epochs: z.number(),
  batches: z.number(),
  withinClassConnected: z.boolean(),
  allPairsCovered: z.boolean(),
  ofUnique: z.boolean(),
  classes: z.array(z.object({ class: z.number(), size: z.number(), components: z.number(), unseen: z.number() })),
  disconnectedClasses: z.array(z.number()),
  uncoveredPairs: z.array(z.tuple([z.number(), z.number()])),
  /** "positive-in-batch" (UFM, one view): a pair is constrained iff one of the two has a positive in the batch; "two-view": every pair. */
  rule: z.enum(['positive-in-batch', 'two-view']),
  /** Batches that constrain nothing (every class at most once). */
  emptyBatches: z.number(),
  /** Each uncovered pair with why: the two classes never share a batch, or share batches only as singletons. */
  uncovered: z.array(
    z.object({ classes: z.tuple([z.number(), z.number()]), reason: z.enum(['never-share-a-batch', 'singletons-only']), sharedBatches: z.number() }),
  ),
  /** The verdict in sentences (what the CLI prints and the New run page lists). */
  findings: z.array(z.string()),
});

export const listQuerySchema = z.strictObject({
  status: runStatusSchema.optional(),
  tag: z.string().optional(),
  text: z.string().max(500).optional(),
  sweepId: id.optional(),
  /** Only these runs (e.g. the Compare page's selection): one call instead of one runs.get each. */
  ids: z.array(id).max(10_000).optional(),
  kind: runKindSchema.optional(),
  /** Numeric / boolean conditions, e.g. { field: 'deltaOF', op: '<', value: 0.05 } (store/filters.ts). */
  filters: z
    .array(z.strictObject({ field: z.string().min(1).max(100), op: z.enum(['<', '<=', '>', '>=', '=', '!=']), value: z.union([z.number(), z.boolean(), z.string().max(200)]) }))
    .max(20)
    .optional(),
  limit: z.number().int().min(1).max(100_000).default(10_000),
  offset: z.number().int().min(0).default(0),
  orderBy: z.enum(['created', 'name', 'status', 'id', 'finished']).default('created'),
  descending: z.boolean().default(true),
});

/** One preset of a reproduction sweep: its claim checks and its runs (labelled by the preset's grid keys). */
export const reproducePresetReportSchema = z.object({
  name: z.string(),
  version: z.number(),
  title: z.string(),
  claim: z.string(),
  /** Why it did not run (missing data, not part of the quick suite), or null. */
  skipped: z.string().nullable(),
  outcomes: z.array(z.object({ text: z.string(), status: z.enum(['PASS', 'FAIL', 'NOT RUN']), detail: z.string() })),
  runs: z.array(z.object({ id, label: z.string() })),
  /** The metric the report charts vs epoch (an evaluation-record field, e.g. deltaOF) and its label. */
  chart: z.object({ metric: z.string(), label: z.string() }),
});
export type ReproducePresetReport = z.infer<typeof reproducePresetReportSchema>;

/** One array task of a sweep on Slurm: the scheduler's state and its shard's live progress. */
export const slurmTaskSchema = z.object({
  index: z.number().int().min(0),
  runId: id.nullable(),
  name: z.string().nullable(),
  /** The run's status in this database (queued until collected). */
  status: runStatusSchema.nullable(),
  /** PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, PREEMPTED, CANCELLED...; NOT SUBMITTED, UNKNOWN, COLLECTED. */
  slurmState: z.string(),
  reason: z.string().nullable(),
  shard: z
    .object({ status: z.string(), epoch: z.number(), epochs: z.number().nullable(), loss: z.number().nullable(), deltaOF: z.number().nullable(), error: z.string().nullable() })
    .nullable(),
});
export type SlurmTask = z.infer<typeof slurmTaskSchema>;

export const slurmSweepSchema = z.object({
  sweepId: id,
  name: z.string(),
  jobId: z.string().nullable(),
  folder: z.string(),
  schedulerError: z.string().nullable(),
  tasks: z.array(slurmTaskSchema),
});
export type SlurmSweepOut = z.infer<typeof slurmSweepSchema>;

const m = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O, doc: string) => ({ input, output, doc });

/** Every method: input schema, output schema, one line of documentation. */
export const methods = {
  'app.info': m(z.strictObject({}), z.object({ version: z.string(), dbPath: z.string(), cores: z.number(), mode: z.enum(['electron', 'serve']) }), 'version, database path, cores'),
  'runs.list': m(listQuerySchema, z.object({ runs: z.array(runRowSchema), total: z.number() }), 'runs with their latest metric summaries'),
  'runs.get': m(z.strictObject({ id }), runDetailSchema, 'one run with its result'),
  'runs.validate': m(
    z.strictObject({ config: z.unknown(), epochs: z.number().int().min(1).max(1000).default(5) }),
    z.object({
      ok: z.boolean(),
      issues: z.array(fieldIssueSchema),
      counts: z.array(z.number()).nullable(),
      analysis: z.object({ oneEpoch: conditionReportSchema, union: conditionReportSchema, binding: z.array(z.number()).nullable() }).nullable(),
      /** Deep runs on a dataset: is it where the config says (checked as the form is typed; not an issue, it does not block)? */
      dataset: z.object({ found: z.boolean(), message: z.string(), folder: z.string().nullable() }).nullable().optional(),
    }),
    'validate a config (field issues), its class counts, the batch-condition analysis and where its dataset is',
  ),
  'runs.create': m(z.strictObject({ config: z.unknown(), name: z.string().max(200).optional() }), z.object({ id }), 'validate, store and queue a run'),
  'runs.cancel': m(z.strictObject({ id }), z.object({ ok: z.boolean() }), 'cancel a queued or running run'),
  'runs.resume': m(z.strictObject({ id }), z.object({ ok: z.boolean() }), 'resume an interrupted / cancelled / failed run from its checkpoint'),
  'runs.delete': m(
    z.strictObject({ ids: z.array(id).min(1) }),
    z.object({ deleted: z.number() }),
    'move runs to the trash (an active run is cancelled first, and moved once its worker stopped writing)',
  ),
  'trash.list': m(
    z.strictObject({ limit: z.number().int().min(1).max(100_000).default(10_000), offset: z.number().int().min(0).default(0) }),
    z.object({ runs: z.array(runRowSchema), total: z.number() }),
    'the runs in the trash, most recently deleted first',
  ),
  'trash.restore': m(z.strictObject({ ids: z.array(id).min(1) }), z.object({ restored: z.number() }), 'bring runs back from the trash, with everything they had'),
  'trash.empty': m(
    z.strictObject({ ids: z.array(id).min(1).optional() }),
    z.object({ purged: z.number(), bytesBefore: z.number(), bytesAfter: z.number(), bytesFreed: z.number() }),
    'delete runs in the trash for good (all without ids) and free their space',
  ),
  'runs.setNotes': m(z.strictObject({ id, notes: z.string().max(20_000) }), z.object({ ok: z.boolean() }), 'set notes'),
  'runs.addTag': m(z.strictObject({ id, tag: z.string().min(1).max(100) }), z.object({ tags: z.array(z.string()) }), 'add a tag'),
  'runs.removeTag': m(z.strictObject({ id, tag: z.string().min(1).max(100) }), z.object({ tags: z.array(z.string()) }), 'remove a tag'),
  'runs.rename': m(
    z.strictObject({ id, name: z.string().max(200).nullable() }),
    z.object({ ok: z.boolean() }),
    'name a run (null or "" clears the name: the app then names it from its distinguishing config)',
  ),
  'runs.metricKeys': m(z.strictObject({ id }), z.object({ keys: z.array(z.string()) }), 'scalar keys a run has'),
  'runs.series': m(
    z.strictObject({
      runIds: z.array(id).min(1).max(500),
      key: z.string(),
      x0: z.number().optional(),
      x1: z.number().optional(),
      buckets: z.number().int().min(10).max(10_000).default(1000),
      wall: z.boolean().optional(),
    }),
    z.object({ series: z.array(seriesSchema) }),
    'one scalar key for several runs, min/max/last-bucketed to about `buckets` points (with `wall`: each point\'s wall-clock time too)',
  ),
  'runs.history': m(z.strictObject({ id }), z.object({ history: z.array(evalRecordSchema) }), 'the evaluation records of a run'),
  'runs.snapshotSteps': m(z.strictObject({ id, key: z.string() }), z.object({ steps: z.array(z.number()) }), 'steps with a stored matrix/vector'),
  'runs.snapshot': m(z.strictObject({ id, key: z.string(), step: z.number().int().min(0) }), snapshotSchema.nullable(), 'a matrix or vector at one step'),
  'runs.seedGroups': m(
    z.strictObject({ sweepId: id.optional() }),
    z.object({ groups: z.array(z.object({ configHash: z.string(), runIds: z.array(z.number()), seeds: z.array(z.number()) })) }),
    'runs grouped by config hash (config without the seed)',
  ),
  'runs.summarize': m(
    summarizeInputSchema,
    summarizeOutputSchema,
    'the claim pivot: runs of a sweep (or ids) by config fields x / by / facet, each seed\'s value of a final or best metric, median, quartiles, mean, std, 95 % CI and the batch-condition verdict per cell',
  ),
  'runs.export': m(
    z.strictObject({ ids: z.array(id).optional(), format: z.enum(['json', 'runs-csv', 'metrics-csv']) }),
    z.object({ filename: z.string(), mime: z.string(), content: z.string() }),
    'export runs: JSON bundle, runs CSV or long-format metrics CSV',
  ),
  'sweeps.create': m(z.strictObject({ spec: z.unknown() }), z.object({ sweepId: id, runIds: z.array(id) }), 'expand and queue a sweep'),
  'sweeps.list': m(z.strictObject({}), z.object({ sweeps: z.array(z.object({ id, name: z.string(), createdAt: z.number() })) }), 'all sweeps'),
  'slurm.sweeps': m(
    z.strictObject({}),
    z.object({ sweeps: z.array(slurmSweepSchema) }),
    "sweeps submitted with `scl-lab sweep --slurm`: each task's Slurm state and its shard's progress",
  ),
  'slurm.collect': m(
    z.strictObject({ sweepId: id, partial: z.boolean().default(false) }),
    z.object({ collected: z.number(), unchanged: z.number(), waiting: z.number() }),
    "merge a Slurm sweep's ended shards into the database (idempotent, by run uuid)",
  ),
  'reproduce.presets': m(
    z.strictObject({}),
    z.object({
      presets: z.array(
        z.object({
          name: z.string(),
          version: z.number(),
          title: z.string(),
          description: z.string(),
          claim: z.string(),
          paperSized: z.boolean(),
          runs: z.number(),
          quickRuns: z.number(),
          /** Why it cannot run here (missing data), or null. */
          unavailable: z.string().nullable(),
        }),
      ),
    }),
    "the paper's reproduction presets",
  ),
  'reproduce.start': m(
    z.strictObject({
      presets: z.array(z.string().min(1)).min(1),
      quick: z.boolean().default(false),
      set: z.array(z.strictObject({ key: z.string().min(1), value: z.unknown() })).default([]),
    }),
    z.object({ sweepId: id, runIds: z.array(id), skipped: z.array(z.object({ name: z.string(), reason: z.string() })) }),
    'queue the presets as one sweep',
  ),
  'reproduce.report': m(
    z.strictObject({ sweepId: id }),
    z.object({
      html: z.string(),
      done: z.boolean(),
      pass: z.number(),
      fail: z.number(),
      notRun: z.number(),
      quick: z.boolean(),
      set: z.array(z.object({ key: z.string(), value: z.unknown() })),
      /** The same claims, structured: one entry per preset of the sweep, in order. */
      presets: z.array(reproducePresetReportSchema),
    }),
    'the self-contained HTML report of a reproduction sweep (claims, charts, tables, configs), and its checks structured',
  ),
  'views.list': m(z.strictObject({}), z.object({ views: z.array(savedViewSchema) }), 'the saved views (a name for an app URL with its whole view state), by name'),
  'views.save': m(
    z.strictObject({ name: z.string().min(1).max(200), url: z.string().min(3).max(8000) }),
    savedViewSchema,
    'save the app URL of a view under a name (an existing name gets the new URL)',
  ),
  'views.delete': m(z.strictObject({ name: z.string().min(1).max(200) }), z.object({ ok: z.boolean() }), 'delete a saved view'),
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;

/** Events pushed to every client. */
export const events = {
  'run.status': z.object({ runId: id, status: runStatusSchema, backend: z.string().optional(), error: z.string().optional() }),
  'run.progress': z.object({ runId: id, epoch: z.number(), epochs: z.number(), loss: z.number(), eta: z.number().nullable() }),
  'run.eval': z.object({ runId: id, record: evalRecordSchema }),
  /** New points were committed: refetch steps > the last seen one for these runs and keys. */
  'metrics.flushed': z.object({ updates: z.array(z.object({ runId: id, maxStep: z.number(), keys: z.array(z.string()) })) }),
  /** Runs whose row changed in a way no other event tells (tags, notes, name, moved to / from the trash, purged): re-read them. */
  'runs.changed': z.object({ runIds: z.array(id) }),
} as const;
export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

/** Every error that crosses the boundary has this shape. */
export const apiErrorSchema = z.object({
  code: z.enum(['INVALID_INPUT', 'INVALID_CONFIG', 'NOT_FOUND', 'STATE', 'UNKNOWN_METHOD', 'INTERNAL', 'UNAUTHORIZED']),
  message: z.string(),
  issues: z.array(fieldIssueSchema).optional(),
});
export type ApiErrorShape = z.infer<typeof apiErrorSchema>;

/** Snapshot keys are stored as `snap/<key>`; clients see `<key>` (runs.snapshot, metrics.flushed). */
export const SNAPSHOT_PREFIX = 'snap/';

export const METHOD_NAMES = Object.keys(methods) as MethodName[];
export const EVENT_NAMES = Object.keys(events) as EventName[];

export { runConfigSchema };
