import type { StoreContext } from './context';
import { filterSql } from './filters';
import { StoreError } from './errors';
import { judge, type LivenessOptions } from './liveness';
import { assertStatus } from './runs';
import { readStoredConfig, readStoredResult } from './stored-config';
import { flagToNumber } from './values';
import {
  RUN_KINDS,
  type ListRunsQuery,
  type MetricSummary,
  type RunKind,
  type RunRecord,
  type RunStatus,
  type SeedGroup,
} from './types';

/** Read side of runs: one run, filtered pages of runs with their tags and latest summaries, seed groups. */

/** A runs row as fetched by RUN_SELECT in raw (array) mode, in this column order. */
type RunRow = [
  id: number, uuid: string, name: string | null, kind: RunKind, status: RunStatus, statusDetail: string | null,
  configJson: string, configHash: string, seed: number, backend: string | null, appVersion: string,
  envJson: string | null, createdAt: number, startedAt: number | null, finishedAt: number | null,
  heartbeatAt: number | null, ownerPid: number | null, lastStep: number | null, error: string | null,
  notes: string | null, resumedFrom: number | null, sweepId: number | null, resultJson: string | null,
  deletedAt: number | null, tagsJson: string, summariesJson: string, cancelRequestedAt: number | null, ownerHost: string | null, scheduled: number,
];

/** [keyId, lastStep, lastValue, lastFlag, min, minStep, max, maxStep, n, nNonFinite] per summary row. */
type SummaryTuple = [number, number, number | null, number, number | null, number | null, number | null, number | null, number, number];

// One statement for runs + tags + summaries: per-run JSON built in SQL costs far less than 10 summary rows
// per run crossing into JS (10,000 runs: ~100 ms instead of ~300 ms).
const RUN_SELECT = `SELECT r.id, r.uuid, r.name, r.kind, r.status, r.status_detail, r.config_json, r.config_hash,
  r.seed, r.backend, r.app_version, r.env_json, r.created_at, r.started_at, r.finished_at, r.heartbeat_at,
  r.owner_pid, r.last_step, r.error, r.notes, r.resumed_from, r.sweep_id, r.result_json, r.deleted_at,
  (SELECT json_group_array(t.name) FROM (SELECT t.name FROM run_tags rt JOIN tags t ON t.id = rt.tag_id
     WHERE rt.run_id = r.id ORDER BY t.name) t) AS tags,
  (SELECT json_group_array(json_array(s.key_id, s.last_step, s.last_value, s.last_flag, s.min_value, s.min_step,
     s.max_value, s.max_step, s.n, s.n_nonfinite)) FROM run_summary s WHERE s.run_id = r.id) AS summaries,
  r.cancel_requested_at, r.owner_host,
  EXISTS(SELECT 1 FROM cluster_tasks c WHERE c.run_id = r.id) AS scheduled
  FROM runs r`;

const ORDER_COLUMNS = {
  created: 'r.created_at',
  name: 'r.name COLLATE NOCASE',
  status: 'r.status',
  id: 'r.id',
  finished: 'r.finished_at',
  deleted: 'r.deleted_at',
} as const;

function parseJson(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

function toSummary(s: SummaryTuple): MetricSummary {
  return {
    lastStep: s[1],
    last: flagToNumber(s[2], s[3]),
    min: s[4],
    minStep: s[5],
    max: s[6],
    maxStep: s[7],
    n: s[8],
    nNonFinite: s[9],
  };
}

function keyNames(ctx: StoreContext): Map<number, string> {
  const rows = ctx.stmt('SELECT id, name FROM metric_keys').raw(true).all() as [number, string][];
  return new Map(rows);
}

/** Liveness of every read (liveness.ts); tests pass a fixed clock or probe. */
let readOptions: LivenessOptions & { now?: () => number } = {};
export function setReadLiveness(opts: LivenessOptions & { now?: () => number }): void {
  readOptions = opts;
}

function toRecord(r: RunRow, names: Map<number, string>, now: number): RunRecord {
  const summaries: Record<string, MetricSummary> = {};
  for (const s of JSON.parse(r[25]) as SummaryTuple[]) summaries[names.get(s[0]) ?? `#${s[0]}`] = toSummary(s);
  const verdict =
    r[4] === 'running' || r[4] === 'queued'
      ? judge({ status: r[4], ownerPid: r[16], ownerHost: r[27], heartbeatAt: r[15], startedAt: r[13], createdAt: r[12], scheduled: r[28] === 1 }, now, readOptions)
      : null;
  const interrupted = verdict?.kind === 'interrupted';
  return {
    id: r[0],
    uuid: r[1],
    name: r[2],
    kind: r[3],
    status: interrupted ? 'interrupted' : r[4],
    storedStatus: r[4],
    orphaned: verdict?.kind === 'orphaned',
    statusDetail: verdict !== null && verdict.kind !== 'ok' ? verdict.detail : r[5],
    config: readStoredConfig(JSON.parse(r[6]) as Record<string, unknown>),
    configHash: r[7],
    seed: r[8],
    backend: r[9],
    appVersion: r[10],
    env: parseJson(r[11]),
    createdAt: r[12],
    startedAt: r[13],
    finishedAt: interrupted ? (r[14] ?? verdict.since) : r[14],
    heartbeatAt: r[15],
    ownerPid: r[16],
    ownerHost: r[27],
    lastStep: r[17],
    error: r[18],
    notes: r[19],
    resumedFrom: r[20],
    sweepId: r[21],
    result: readStoredResult(parseJson(r[22])),
    deletedAt: r[23],
    cancelRequestedAt: r[26],
    tags: JSON.parse(r[24]) as string[],
    summaries,
  };
}

function toRecords(ctx: StoreContext, rows: RunRow[]): RunRecord[] {
  if (rows.length === 0) return [];
  const names = keyNames(ctx);
  const now = readOptions.now?.() ?? Date.now();
  return rows.map((r) => toRecord(r, names, now));
}

export function getRun(ctx: StoreContext, id: number): RunRecord {
  const run = ctx.read(() => {
    const row = ctx.stmt(`${RUN_SELECT} WHERE r.id = ?`).raw(true).get(id) as RunRow | undefined;
    return row === undefined ? undefined : toRecords(ctx, [row])[0]!;
  });
  if (run === undefined) throw new StoreError('NOT_FOUND', `run ${id} does not exist in ${ctx.file}`);
  return run;
}

export function getRunByUuid(ctx: StoreContext, uuid: string): RunRecord | null {
  return ctx.read(() => {
    const row = ctx.stmt(`${RUN_SELECT} WHERE r.uuid = ?`).raw(true).get(uuid) as RunRow | undefined;
    return row === undefined ? null : toRecords(ctx, [row])[0]!;
  });
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function buildWhere(q: ListRunsQuery): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.onlyDeleted === true) where.push('r.deleted_at IS NOT NULL');
  else if (q.includeDeleted !== true) where.push('r.deleted_at IS NULL');
  if (q.status !== undefined) {
    const list: readonly RunStatus[] = typeof q.status === 'string' ? [q.status] : q.status;
    list.forEach((s) => assertStatus(s));
    if (list.length === 0) where.push('0');
    else {
      // the shown status of a dead owner's `running` run is `interrupted`: look in both, judge after reading
      const stored = list.includes('interrupted') && !list.includes('running') ? [...list, 'running'] : list;
      where.push(`r.status IN (${stored.map(() => '?').join(', ')})`);
      params.push(...stored);
    }
  }
  if (q.kind !== undefined) {
    if (!RUN_KINDS.includes(q.kind)) throw new StoreError('INVALID', `kind: unknown run kind ${String(q.kind)}`);
    where.push('r.kind = ?');
    params.push(q.kind);
  }
  if (q.tag !== undefined) {
    where.push(
      'EXISTS (SELECT 1 FROM run_tags rt JOIN tags t ON t.id = rt.tag_id WHERE rt.run_id = r.id AND t.name = ?)',
    );
    params.push(q.tag.trim());
  }
  if (q.text !== undefined && q.text.trim() !== '') {
    const like = `%${escapeLike(q.text.trim())}%`;
    where.push(
      `(r.name LIKE ? ESCAPE '\\' OR r.notes LIKE ? ESCAPE '\\' OR r.uuid LIKE ? ESCAPE '\\'
        OR r.config_json LIKE ? ESCAPE '\\')`,
    );
    params.push(like, like, like, like);
  }
  if (q.sweepId !== undefined) {
    where.push('r.sweep_id = ?');
    params.push(q.sweepId);
  }
  if (q.ids !== undefined) {
    if (!q.ids.every((id) => Number.isSafeInteger(id))) throw new StoreError('INVALID', 'ids: expected integers');
    // one JSON parameter, whatever the number of ids (no bound-variable limit)
    where.push('r.id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(q.ids));
  }
  if (q.configHash !== undefined) {
    where.push('r.config_hash = ?');
    params.push(q.configHash);
  }
  (q.filters ?? []).forEach((f, i) => {
    const c = filterSql(f, i);
    where.push(c.sql);
    params.push(...c.params);
  });
  return { sql: where.length > 0 ? `WHERE ${where.join(' AND ')}` : '', params };
}

function checkCount(value: number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw new StoreError('INVALID', `${field}: expected an integer >= 0`);
  return value;
}

/** A page of runs with tags and latest summaries; never touches the series tables. */
export function listRuns(ctx: StoreContext, q: ListRunsQuery = {}): RunRecord[] {
  return ctx.read(() => readRuns(ctx, q));
}

function readRuns(ctx: StoreContext, q: ListRunsQuery): RunRecord[] {
  const { sql, params } = buildWhere(q);
  const orderBy = q.orderBy ?? 'created';
  const column = ORDER_COLUMNS[orderBy];
  if (column === undefined) throw new StoreError('INVALID', `orderBy: unknown column ${String(orderBy)}`);
  const dir = q.descending === false ? 'ASC' : 'DESC';
  const limit = checkCount(q.limit, 'limit', 10_000);
  const offset = checkCount(q.offset, 'offset', 0);
  const rows = ctx
    .stmt(`${RUN_SELECT} ${sql} ORDER BY ${column} ${dir}, r.id ${dir} LIMIT ? OFFSET ?`)
    .raw(true)
    .all(...params, limit, offset) as RunRow[];
  const records = toRecords(ctx, rows);
  if (q.status === undefined) return records;
  const wanted = new Set<RunStatus>(typeof q.status === 'string' ? [q.status] : q.status);
  return records.filter((r) => wanted.has(r.status));
}

export function countRuns(ctx: StoreContext, q: ListRunsQuery = {}): number {
  ctx.assertOpen();
  const { sql, params } = buildWhere(q);
  return (ctx.stmt(`SELECT COUNT(*) AS n FROM runs r ${sql}`).get(...params) as { n: number }).n;
}

/** Runs that differ only by seed (same config hash), largest groups first. */
export function seedGroups(ctx: StoreContext, q: Pick<ListRunsQuery, 'kind' | 'sweepId' | 'status'> = {}): SeedGroup[] {
  ctx.assertOpen();
  const { sql, params } = buildWhere({ kind: q.kind, sweepId: q.sweepId, status: q.status });
  const rows = ctx
    .stmt(
      `SELECT r.config_hash, r.kind, json_group_array(r.id ORDER BY r.seed, r.id) AS ids,
              json_group_array(r.seed ORDER BY r.seed, r.id) AS seeds
       FROM runs r ${sql} GROUP BY r.config_hash, r.kind ORDER BY COUNT(*) DESC, MIN(r.id)`,
    )
    .all(...params) as { config_hash: string; kind: RunKind; ids: string; seeds: string }[];
  return rows.map((r) => ({
    configHash: r.config_hash,
    kind: r.kind,
    runIds: JSON.parse(r.ids) as number[],
    seeds: JSON.parse(r.seeds) as number[],
  }));
}
