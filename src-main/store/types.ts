/** Public types of the run store. Names match the config / contract keys (camelCase here, snake_case in SQL). */

export const RUN_KINDS = ['ufm', 'deep', 'embeddings'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

export const RUN_STATUSES = ['queued', 'running', 'finished', 'failed', 'cancelled', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** Statuses `finishRun` may set. */
export type EndStatus = Exclude<RunStatus, 'queued' | 'running'>;

/** Latest summary of one scalar key of one run. min/max are over finite values only (null if none). */
export interface MetricSummary {
  readonly lastStep: number;
  readonly last: number; // may be NaN / ±Infinity
  readonly min: number | null;
  readonly minStep: number | null;
  readonly max: number | null;
  readonly maxStep: number | null;
  readonly n: number; // points stored
  readonly nNonFinite: number; // of which NaN / ±Infinity
}

export interface RunRecord {
  readonly id: number;
  readonly uuid: string;
  readonly name: string | null;
  readonly kind: RunKind;
  /** As shown: the stored status judged by the liveness rule (a dead owner's `running` run is `interrupted`). */
  readonly status: RunStatus;
  /** As stored in the row (a writer's reconcile() persists the judged status). */
  readonly storedStatus: RunStatus;
  /** Queued, but its owner is gone: nobody will run it unless a process adopts it or the user requeues it. */
  readonly orphaned: boolean;
  readonly statusDetail: string | null;
  readonly config: Record<string, unknown>;
  readonly configHash: string;
  readonly seed: number;
  readonly backend: string | null;
  readonly appVersion: string;
  readonly env: unknown;
  readonly createdAt: number; // ms since epoch
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly heartbeatAt: number | null;
  readonly ownerPid: number | null;
  readonly ownerHost: string | null;
  readonly lastStep: number | null;
  readonly error: string | null;
  readonly notes: string | null;
  readonly resumedFrom: number | null;
  readonly sweepId: number | null;
  readonly result: unknown;
  readonly deletedAt: number | null;
  readonly cancelRequestedAt: number | null;
  readonly tags: readonly string[];
  readonly summaries: Readonly<Record<string, MetricSummary>>;
}

export interface CreateRunInput {
  readonly name?: string | null;
  readonly kind: RunKind;
  readonly config: Record<string, unknown>;
  readonly seed: number;
  readonly appVersion: string;
  readonly sweepId?: number | null;
  readonly resumedFrom?: number | null;
  readonly status?: 'queued' | 'running';
}

export interface StartInfo {
  readonly backend: string;
  readonly ownerPid: number;
  readonly env?: unknown;
}

export interface HeartbeatInfo {
  /** Another process called requestCancel for this run: stop at the next safe point. */
  readonly cancelRequested: boolean;
}

export interface FinishInfo {
  readonly error?: string | null;
  readonly result?: unknown;
  readonly detail?: string | null;
}

export type RunOrderBy = 'created' | 'name' | 'status' | 'id' | 'finished' | 'deleted';

export interface ListRunsQuery {
  readonly status?: RunStatus | readonly RunStatus[];
  readonly tag?: string;
  /** Case-insensitive substring of name, notes, uuid or config JSON. */
  readonly text?: string;
  readonly sweepId?: number;
  readonly configHash?: string;
  /** Only these run ids (any order; unknown ids are simply absent from the result). */
  readonly ids?: readonly number[];
  readonly kind?: RunKind;
  /** Numeric / boolean conditions (store/filters.ts), compiled to parameterised SQL. */
  readonly filters?: readonly import('./filters').RunFilter[];
  readonly includeDeleted?: boolean;
  /** Only runs in the trash (soft-deleted). */
  readonly onlyDeleted?: boolean;
  readonly limit?: number; // default 10_000
  readonly offset?: number;
  readonly orderBy?: RunOrderBy; // default 'created'
  readonly descending?: boolean; // default true
}

export interface SeedGroup {
  readonly configHash: string;
  readonly kind: RunKind;
  readonly runIds: readonly number[];
  readonly seeds: readonly number[];
}

export interface MetricInput {
  readonly runId: number;
  readonly key: string;
  readonly step: number;
  readonly value: number; // NaN and ±Infinity allowed
  readonly wallMs?: number; // default: Date.now() when written
}

export interface SnapshotInput {
  readonly runId: number;
  readonly key: string;
  readonly step: number;
  readonly data: Float64Array | readonly number[];
  readonly rows?: number; // default 1 (a vector)
  readonly cols?: number; // default data.length / rows
  readonly wallMs?: number;
}

export interface Snapshot {
  readonly step: number;
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
  readonly wallMs: number;
}

/**
 * One chart point. Undecimated: one stored point (n = 1, firstStep = step). Decimated: one bucket, with
 * `step`/`value` its last point, `min`/`max` over its finite values (null if none) and `firstStep` its first step.
 */
export interface SeriesPoint {
  readonly step: number;
  readonly value: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly firstStep: number;
  readonly n: number;
  /** Wall-clock time (ms since the epoch) at which `step` was written; only when the query asks for `wall`. */
  readonly wallMs?: number;
}

export interface SeriesQuery {
  readonly x0?: number;
  readonly x1?: number;
  readonly buckets?: number; // default 1000 (≈ chart width in pixels)
  /** Also read each point's wall-clock time (a chart's wall-time x axis): one primary-key lookup a point. */
  readonly wall?: boolean;
}

export interface Series {
  readonly runId: number;
  readonly key: string;
  readonly points: readonly SeriesPoint[];
  readonly total: number; // points stored in [x0, x1]
  readonly decimated: boolean;
}

export interface Checkpoint {
  readonly runId: number;
  readonly step: number;
  readonly createdAt: number;
  readonly data: Buffer;
  readonly meta: unknown;
}

export interface Sweep {
  readonly id: number;
  readonly uuid: string;
  readonly name: string;
  readonly spec: unknown;
  readonly createdAt: number;
}

export interface CheckReport {
  readonly integrity: 'ok' | string;
  readonly counts: { runs: number; scalars: number; snapshots: number; checkpoints: number; sweeps: number };
  readonly userVersion: number;
}

export interface WalCheckpointResult {
  readonly busy: boolean;
  readonly walFrames: number;
  readonly checkpointedFrames: number;
}
