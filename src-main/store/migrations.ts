import type BetterSqlite3 from 'better-sqlite3';
import { backfillSql } from './blocks';

/**
 * Forward-only numbered migrations; `PRAGMA user_version` holds the last one applied. Each runs in its own
 * BEGIN IMMEDIATE transaction together with the user_version bump, so a failure leaves the previous version.
 * Never edit a released migration: append a new one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: (db: BetterSqlite3.Database) => void;
}

const V1_SCHEMA = `
CREATE TABLE sweeps(
  id         INTEGER PRIMARY KEY,
  uuid       TEXT NOT NULL UNIQUE,
  name       TEXT NOT NULL,
  spec_json  TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE runs(
  id            INTEGER PRIMARY KEY,
  uuid          TEXT NOT NULL UNIQUE,
  name          TEXT,
  kind          TEXT NOT NULL CHECK (kind IN ('ufm','deep','embeddings')),
  status        TEXT NOT NULL CHECK (status IN
                  ('queued','running','finished','failed','cancelled','interrupted')),
  status_detail TEXT,
  config_json   TEXT NOT NULL,
  config_hash   TEXT NOT NULL,
  seed          INTEGER NOT NULL,
  backend       TEXT,
  app_version   TEXT NOT NULL,
  env_json      TEXT,
  created_at    INTEGER NOT NULL,
  started_at    INTEGER,
  finished_at   INTEGER,
  heartbeat_at  INTEGER,
  owner_pid     INTEGER,
  last_step     INTEGER,
  error         TEXT,
  notes         TEXT,
  resumed_from  INTEGER REFERENCES runs(id),
  sweep_id      INTEGER REFERENCES sweeps(id),
  result_json   TEXT,
  deleted_at    INTEGER
);
CREATE INDEX runs_by_created ON runs(created_at);
CREATE INDEX runs_by_status  ON runs(status, created_at);
CREATE INDEX runs_by_group   ON runs(config_hash);
CREATE INDEX runs_by_sweep   ON runs(sweep_id);
CREATE INDEX runs_by_parent  ON runs(resumed_from);

CREATE TABLE tags(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE run_tags(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
  PRIMARY KEY(run_id, tag_id)) WITHOUT ROWID;
CREATE INDEX run_tags_by_tag ON run_tags(tag_id, run_id);

CREATE TABLE metric_keys(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);

-- scalars and run_summary carry no FOREIGN KEY clauses on purpose: the per-row parent lookups nearly doubled
-- the cost of a metric insert (1e6 rows: ~1.3 s -> ~2.6 s). Integrity comes from the writer (it checks the run
-- exists and takes key ids from metric_keys) and from runs being only soft-deleted; a future hard delete must
-- delete a run's scalars and run_summary rows itself. Store.check() reports orphans.
CREATE TABLE scalars(
  run_id  INTEGER NOT NULL,
  key_id  INTEGER NOT NULL,
  step    INTEGER NOT NULL,
  value   REAL,                       -- NULL when not finite, see flag
  flag    INTEGER NOT NULL DEFAULT 0, -- 0 finite, 1 NaN, 2 +Inf, 3 -Inf (no CHECK: it cost ~30% of insert time)
  wall_ms INTEGER NOT NULL,
  PRIMARY KEY(run_id, key_id, step)) WITHOUT ROWID;

-- maintained in the same transaction as scalar writes; min/max over finite values only
CREATE TABLE run_summary(
  run_id      INTEGER NOT NULL,
  key_id      INTEGER NOT NULL,
  last_step   INTEGER NOT NULL,
  last_value  REAL,
  last_flag   INTEGER NOT NULL,
  min_value   REAL, min_step INTEGER,
  max_value   REAL, max_step INTEGER,
  n           INTEGER NOT NULL,
  n_nonfinite INTEGER NOT NULL,
  PRIMARY KEY(run_id, key_id)) WITHOUT ROWID;

-- Gram / cosine matrices and per-class vectors: rows x cols Float64 little-endian
CREATE TABLE snapshots(
  run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key_id  INTEGER NOT NULL REFERENCES metric_keys(id),
  step    INTEGER NOT NULL,
  rows    INTEGER NOT NULL CHECK (rows >= 0),
  cols    INTEGER NOT NULL CHECK (cols >= 0),
  data    BLOB NOT NULL CHECK (length(data) = 8 * rows * cols),
  wall_ms INTEGER NOT NULL,
  PRIMARY KEY(run_id, key_id, step)); -- a rowid table: blobs can be large (a 100x100 matrix is 80 KB)

CREATE TABLE checkpoints(
  run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step       INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  data       BLOB NOT NULL,
  meta_json  TEXT,
  PRIMARY KEY(run_id, step));
`;

/** ms since the epoch, inside SQL (triggers have no Date.now()). */
const NOW_MS = `CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`;
const bump = (runId: string) =>
  `INSERT INTO run_changes(run_id, seq, at) VALUES (${runId}, (SELECT COALESCE(MAX(seq), 0) + 1 FROM run_changes), ${NOW_MS})
     ON CONFLICT(run_id) DO UPDATE SET seq = excluded.seq, at = excluded.at;`;

/**
 * run_changes: one row per run, its `seq` raised (by triggers, so every writer is covered) whenever the run's
 * row, tags or metric summaries change or the run is purged. A process watching the file (PRAGMA data_version)
 * reads `seq > last seen` to learn which runs to re-read. owner_host: pids are only probed on their own host.
 */
const V4_CHANGES = `
ALTER TABLE runs ADD COLUMN owner_host TEXT;
CREATE TABLE run_changes(
  run_id INTEGER PRIMARY KEY,
  seq    INTEGER NOT NULL,
  at     INTEGER NOT NULL);
CREATE INDEX run_changes_by_seq ON run_changes(seq);
CREATE TRIGGER runs_changed_insert AFTER INSERT ON runs BEGIN ${bump('NEW.id')} END;
CREATE TRIGGER runs_changed_update AFTER UPDATE ON runs BEGIN ${bump('NEW.id')} END;
CREATE TRIGGER runs_changed_delete AFTER DELETE ON runs BEGIN ${bump('OLD.id')} END;
CREATE TRIGGER run_tags_changed_insert AFTER INSERT ON run_tags BEGIN ${bump('NEW.run_id')} END;
CREATE TRIGGER run_tags_changed_delete AFTER DELETE ON run_tags BEGIN ${bump('OLD.run_id')} END;
CREATE TRIGGER run_summary_changed_insert AFTER INSERT ON run_summary BEGIN ${bump('NEW.run_id')} END;
CREATE TRIGGER run_summary_changed_update AFTER UPDATE ON run_summary BEGIN ${bump('NEW.run_id')} END;
INSERT INTO run_changes(run_id, seq, at) SELECT id, id, ${NOW_MS} FROM runs;
`;

/**
 * A sweep submitted to a cluster scheduler: its sweep folder (configs, job script, shards) and job id. Its runs
 * wait in the main database as `queued` placeholders, one array task each; no local runner may take them: they
 * run on the cluster and `scl-lab slurm collect` replaces them with their shards' copies.
 */
const CLUSTER_SCHEMA = `
CREATE TABLE cluster_sweeps(
  sweep_id     INTEGER PRIMARY KEY REFERENCES sweeps(id),
  scheduler    TEXT NOT NULL CHECK (scheduler IN ('slurm')),
  folder       TEXT NOT NULL,
  job_id       TEXT,              -- null until submitted (--dry-run)
  submitted_at INTEGER,
  options_json TEXT NOT NULL,
  created_at   INTEGER NOT NULL
);
CREATE TABLE cluster_tasks(
  run_id     INTEGER PRIMARY KEY REFERENCES runs(id),
  sweep_id   INTEGER NOT NULL REFERENCES cluster_sweeps(sweep_id),
  task_index INTEGER NOT NULL CHECK (task_index >= 0),
  UNIQUE(sweep_id, task_index)
);
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', up: (db) => db.exec(V1_SCHEMA) },
  {
    version: 2,
    name: 'cross-process cancel requests',
    // set by `scl-lab cancel` in another process; the owning runner sees it in its next heartbeat
    up: (db) => db.exec('ALTER TABLE runs ADD COLUMN cancel_requested_at INTEGER'),
  },
  {
    version: 3,
    name: 'level-of-detail blocks for chart reads',
    // built from BLOCK_SHIFTS: changing them needs a new migration that rebuilds the table
    up: (db) => {
      db.exec(`CREATE TABLE scalar_blocks(
        run_id     INTEGER NOT NULL,
        key_id     INTEGER NOT NULL,
        shift      INTEGER NOT NULL,   -- block = step >> shift
        block      INTEGER NOT NULL,
        first_step INTEGER NOT NULL,
        last_step  INTEGER NOT NULL,
        last_value REAL,
        last_flag  INTEGER NOT NULL,
        min_value  REAL,
        max_value  REAL,
        n          INTEGER NOT NULL,
        PRIMARY KEY(run_id, key_id, shift, block)) WITHOUT ROWID`);
      db.exec(backfillSql());
    },
  },
  {
    version: 4,
    name: 'owner host and the change log other processes watch',
    up: (db) => db.exec(V4_CHANGES),
  },
  {
    version: 5,
    name: 'sweeps scheduled on a cluster (Slurm) and their array tasks',
    up: (db) => db.exec(CLUSTER_SCHEMA),
  },
  {
    version: 6,
    name: 'saved views (a named app URL: a Compare or claim view with its whole state)',
    up: (db) =>
      db.exec(`CREATE TABLE saved_views(
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        url        TEXT NOT NULL,
        created_at INTEGER NOT NULL)`),
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function userVersion(db: BetterSqlite3.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies every migration above the current user_version, in order. The version is re-read inside each
 * write transaction, so two processes opening a fresh file at once do not both apply a migration.
 * Returns the versions applied.
 */
export function migrate(db: BetterSqlite3.Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const applied: number[] = [];
  let previous = 0;
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version <= previous) {
      throw new Error(`migrations must have increasing integer versions (got ${m.version} after ${previous})`);
    }
    previous = m.version;
    if (userVersion(db) >= m.version) continue;
    const step = db.transaction(() => {
      if (userVersion(db) >= m.version) return false;
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
      return true;
    });
    if (step.immediate()) applied.push(m.version);
  }
  return applied;
}
