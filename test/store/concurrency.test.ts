import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { open, newRun, tmpDbPath, tmpDir } from './helpers';

const ROOT = path.resolve(__dirname, '../..');
const ROWS_PER_WRITER = 2000;

/**
 * Child processes run plain Node: transpile the store to CommonJS in a temp folder for them, with the
 * contract's config schemas it reads stored configs through (and the science modules those import).
 */
function buildStoreForChildren(): string {
  const out = tmpDir();
  for (const dir of ['store', 'api/schema', 'science']) {
    const srcDir = path.join(ROOT, 'src-main', dir);
    fs.mkdirSync(path.join(out, dir), { recursive: true });
    for (const name of fs.readdirSync(srcDir).filter((f) => f.endsWith('.ts'))) {
      const js = ts.transpileModule(fs.readFileSync(path.join(srcDir, name), 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      }).outputText;
      fs.writeFileSync(path.join(out, dir, name.replace(/\.ts$/, '.js')), js);
    }
  }
  fs.writeFileSync(path.join(out, 'writer-child.js'), WRITER_CHILD);
  return out;
}

// Each child: its own connection and MetricWriter, writing in irregular bursts with manual flushes and
// heartbeats mixed in, so its transactions interleave with the other writers' and the reader's.
const WRITER_CHILD = `
const { openStore } = require('./store/index.js');
const [file, runIdText, rowsText] = process.argv.slice(2);
const runId = Number(runIdText), rows = Number(rowsText);
const fail = (err) => { process.send({ type: 'error', message: String(err && err.stack || err) }); process.exit(1); };
try {
  const store = openStore(file);
  const w = store.metricWriter({ onError: fail });
  let step = 0;
  const tick = () => {
    try {
      const burst = Math.min(rows - step, 10 + Math.floor(Math.random() * 90));
      for (let i = 0; i < burst; i++, step++) w.write({ runId, key: 'train/loss', step, value: Math.exp(-step / 500) });
      if (Math.random() < 0.3) w.flush();
      if (Math.random() < 0.2) store.heartbeat(runId, step);
      if (step < rows) { setTimeout(tick, Math.random() * 4); return; }
      w.close();
      store.close();
      process.send({ type: 'done' }, () => process.exit(0));
    } catch (err) { fail(err); }
  };
  tick();
} catch (err) { fail(err); }
`;

describe('concurrent writers and a reader', () => {
  it('4 writer processes x 2,000 rows while a reader polls listRuns: no SQLITE_BUSY, no lost rows', async () => {
    const file = tmpDbPath();
    const setup = open(file);
    const runIds = [0, 1, 2, 3].map((i) => newRun(setup, { name: `writer-${i}`, status: 'running' }));
    setup.close();
    const dir = buildStoreForChildren();
    const reader = open(file, { readonly: true });

    const errors: string[] = [];
    let polls = 0;
    const seen = new Map<number, number>();
    const poll = setInterval(() => {
      try {
        for (const run of reader.listRuns()) {
          const n = run.summaries['train/loss']?.n ?? 0;
          if (n < (seen.get(run.id) ?? 0)) errors.push(`run ${run.id}: summary went back from ${seen.get(run.id)} to ${n}`);
          seen.set(run.id, n);
        }
        reader.getSeries(runIds[polls % 4]!, 'train/loss', { buckets: 100 });
        polls++;
      } catch (err) {
        errors.push(`reader: ${(err as Error).message}`);
      }
    }, 3);

    const env = { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') };
    const children = runIds.map(
      (id) =>
        new Promise<void>((resolve) => {
          const child = fork(path.join(dir, 'writer-child.js'), [file, String(id), String(ROWS_PER_WRITER)], { env, stdio: 'pipe' });
          let stderr = '';
          child.stderr?.on('data', (d) => (stderr += String(d)));
          child.on('message', (m: { type: string; message?: string }) => {
            if (m.type === 'error') errors.push(`writer ${id}: ${m.message}`);
          });
          child.on('exit', (code) => {
            if (code !== 0) errors.push(`writer ${id} exited with ${code}: ${stderr}`);
            resolve();
          });
        }),
    );
    await Promise.all(children);
    clearInterval(poll);

    expect(errors).toEqual([]);
    expect(polls).toBeGreaterThan(5);
    const check = open(file);
    for (const id of runIds) {
      const series = check.getSeries(id, 'train/loss', { buckets: 1000 });
      expect(series.total).toBe(ROWS_PER_WRITER);
      expect(check.getRun(id).summaries['train/loss']).toMatchObject({ n: ROWS_PER_WRITER, lastStep: ROWS_PER_WRITER - 1 });
    }
    expect(check.check().counts.scalars).toBe(4 * ROWS_PER_WRITER);
    expect(check.check().integrity).toBe('ok');
  });
});
