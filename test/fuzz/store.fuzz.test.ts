/**
 * Fuzz: import bundles and database files. A bad bundle is refused with a StoreError naming the field and leaves
 * the database's contents and integrity unchanged; a damaged database file is opened (when quick_check passes)
 * or refused with a StoreError naming the file, never a raw SQLite error.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src-main/api/schema/config';
import { openStore, StoreError, type Store } from '../../src-main/store';
import { smallUfm } from '../api/helpers';
import { expectUserMessage, fuzz, jsonValue, mutate, mutation } from './helpers';
import { tempDir } from '../support/tmp';

const dir = tempDir('scl-fuzz-store-');

/** A database with a sweep, two runs (one resumed from the other), tags, metrics and snapshots. */
function populate(file: string): Store {
  const s = openStore(file);
  const sweep = s.createSweep('fuzz sweep', { base: smallUfm, grid: { relu: [true, false] } });
  const a = s.createRun({ name: 'a', kind: 'ufm', config: { ...smallUfm, seed: 1 }, seed: 1, appVersion: 'test', sweepId: sweep });
  const b = s.createRun({ name: 'b', kind: 'ufm', config: { ...smallUfm, seed: 2 }, seed: 2, appVersion: 'test', sweepId: sweep, resumedFrom: a });
  s.addTag(b, 'paper');
  const w = s.metricWriter();
  for (const id of [a, b]) {
    for (let step = 0; step < 40; step++) w.write({ runId: id, key: 'train/loss', step, value: 1 / (step + 1) });
    w.snapshot({ runId: id, key: 'geom/gram', step: 39, rows: 2, cols: 2, data: [1, 0.1, 0.1, 1] });
  }
  w.close();
  s.markStarted(a, { backend: 'cpu', ownerPid: process.pid });
  s.finishRun(a, 'finished', { result: { ok: true } });
  return s;
}

/** Everything a user could see of the database, for "unchanged" checks. */
function contents(s: Store): string {
  return JSON.stringify({ runs: s.listRuns({ limit: 1000 }), sweeps: s.listSweeps(), counts: s.check().counts });
}

describe('fuzz: import bundles', () => {
  const src = populate(join(dir, 'src.sqlite'));
  const bundle = JSON.parse(JSON.stringify(src.exportRuns()));
  src.close();
  const dst = populate(join(dir, 'dst.sqlite')); // a database with its own runs, which must stay as they are
  afterAll(() => dst.close());

  it('one to four mutations of a real bundle, and random documents', () => {
    const before = contents(dst);
    let imported = 0;
    fuzz(
      [fc.oneof({ weight: 5, arbitrary: fc.array(mutation(bundle), { minLength: 1, maxLength: 4 }).map((ms) => mutate(bundle, ms)) }, { weight: 1, arbitrary: jsonValue })],
      (doc) => {
        const snapshot = contents(dst);
        try {
          const report = dst.importRuns(doc);
          // accepted: every stored config is a valid run config, and no imported run claims to be queued or running
          for (const { id } of report.imported) {
            const run = dst.getRun(id);
            expect(() => parseRunConfig(run.config)).not.toThrow();
            expect(run.kind).toBe((run.config as { kind: string }).kind);
            expect(['queued', 'running']).not.toContain(run.status);
          }
          imported += report.imported.length;
        } catch (err) {
          expect(err).toBeInstanceOf(StoreError);
          expect((err as StoreError).code).toBe('INVALID');
          expectUserMessage((err as StoreError).message);
          expect((err as StoreError).message).toMatch(/^(invalid import file: |run \S+ already exists)/);
          expect(contents(dst)).toBe(snapshot);
        }
        expect(dst.check().integrity).toBe('ok');
      },
      500,
      8000,
    );
    // imports that were accepted added runs; the original runs are untouched
    const originals = JSON.parse(before).runs as { uuid: string }[];
    const now = dst.listRuns({ limit: 1000 });
    for (const r of originals) expect(now.map((x) => x.uuid)).toContain(r.uuid);
    expect(now.length).toBe(originals.length + imported);
  });
});

describe('fuzz: database files', () => {
  const good = join(dir, 'good.sqlite');
  populate(good).close();
  const db = new Database(good);
  db.pragma('journal_mode = DELETE');
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  const bytes = readFileSync(good);
  const pages = bytes.length / pageSize;

  const damage = fc.record({
    /** whole pages overwritten with one byte value */
    pages: fc.array(fc.record({ page: fc.integer({ min: 0, max: pages - 1 }), fill: fc.integer({ min: 0, max: 255 }) }), { maxLength: 3 }),
    /** single bytes changed (the 100-byte header included) */
    bytes: fc.array(fc.record({ at: fc.integer({ min: 0, max: bytes.length - 1 }), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 8 }),
    cut: fc.option(fc.integer({ min: 0, max: bytes.length }), { nil: undefined }),
    readonly: fc.boolean(),
  });

  let n = 0;
  it('damaged pages, bytes and truncations: open or a StoreError naming the file', () => {
    fuzz(
      [damage],
      (d) => {
        const file = join(dir, `damaged-${n++}.sqlite`);
        copyFileSync(good, file);
        let b = Buffer.from(bytes);
        for (const p of d.pages) b.fill(p.fill, p.page * pageSize, (p.page + 1) * pageSize);
        for (const x of d.bytes) b[x.at] = x.value;
        if (d.cut !== undefined) b = b.subarray(0, d.cut);
        writeFileSync(file, b);
        try {
          let s: Store;
          try {
            s = openStore(file, { readonly: d.readonly });
          } catch (err) {
            if (!(err instanceof StoreError)) throw new Error(`not a StoreError: ${String((err as Error)?.stack ?? err)}`);
            expect(err.message).toContain(file);
            expectUserMessage(err.message);
            return;
          }
          try {
            // an opened writer passed quick_check; a reader's check reports damage instead of throwing
            const report = s.check({ quick: true });
            if (!d.readonly) expect(report.integrity).toBe('ok');
            if (report.integrity === 'ok') {
              try {
                s.listRuns({});
              } catch (err) {
                if (!(err instanceof StoreError)) throw new Error(`listRuns on a checked database: ${String((err as Error)?.stack ?? err)}`);
              }
            }
          } finally {
            s.close();
          }
        } finally {
          for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
        }
      },
      300,
      8000,
    );
  });
});
