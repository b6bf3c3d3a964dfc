import { describe, expect, it } from 'vitest';
import { runResultSchema } from '../../src-main/api/schema/result';
import { cli, exampleConfig, tempDir, writeJson } from './helpers';

describe('scl-lab run / analyze-batching', () => {
  const dir = tempDir();

  it('run --json prints exactly one result object; fixed batches + binding reach the OF', () => {
    const cfg = writeJson(dir, 'a.json', exampleConfig);
    const r = cli(['run', '--config', cfg, '--json', '--db', `${dir}/db.sqlite`]);
    expect(r.code, r.stderr).toBe(0);
    const obj = JSON.parse(r.stdout);
    const res = runResultSchema.parse(obj);
    expect(res.status).toBe('finished');
    expect(['wasm', 'cpu', 'tfjs-node', 'tfjs-node-gpu']).toContain(res.backend);
    expect(res.final!.deltaOF).toBeLessThan(1e-3);
    expect(res.final!.gap! / res.final!.optimalLoss!).toBeLessThan(1e-4);
    expect(res.history[0].epoch).toBe(0);
    expect(res.history.at(-1)!.epoch).toBe(1500);
    expect(res.history.length).toBe(16);
    expect(r.stderr).toMatch(/100%/); // the progress went to stderr
  });

  it('fixed batches WITHOUT binding stall in a non-OF minimiser', () => {
    const cfg = writeJson(dir, 'b.json', { ...exampleConfig, batching: { ...exampleConfig.batching, binding: false } });
    const r = cli(['run', '--config', cfg, '--json', '--db', `${dir}/db.sqlite`]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.final.deltaOF).toBeGreaterThan(0.05);
  });

  it('bad config: exit 2 and one message per wrong field, nothing on stdout', () => {
    const cfg = writeJson(dir, 'bad.json', { ...exampleConfig, temperature: -1, batching: { ...exampleConfig.batching, strategy: 'nope' }, colour: 'red' });
    const r = cli(['run', '--config', cfg, '--json', '--db', `${dir}/db.sqlite`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/bad\.json/);
    expect(r.stderr).toMatch(/temperature: temperature must be > 0/);
    expect(r.stderr).toMatch(/batching\.strategy: strategy must be one of/);
    expect(r.stderr).toMatch(/colour: unknown key/);
  });

  it('malformed JSON and a missing file: exit 2 with the file named', () => {
    const cfg = writeJson(dir, 'broken.json', '{ "kind": "ufm", ');
    const r = cli(['run', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.json[\s\S]*malformed JSON/);
    const m = cli(['run', '--config', `${dir}/nope.json`]);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/nope\.json.*ENOENT/);
  });

  it('a diverging run stops with a clear NaN/Inf error and exit 1', () => {
    const cfg = writeJson(dir, 'nan.json', { ...exampleConfig, optimizer: { name: 'gd', lr: 1e308 }, relu: false });
    const r = cli(['run', '--config', cfg, '--db', `${dir}/db.sqlite`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the features after the update became (NaN|Infinity|-Infinity) at epoch 1, step 1 of 1: .*try a smaller lr \(now 1e\+308\)/);
  });

  it('analyze-batching --json flags fixed without binding and clears it with binding', () => {
    const without = writeJson(dir, 'c.json', { ...exampleConfig, batching: { ...exampleConfig.batching, binding: false } });
    const a = cli(['analyze-batching', '--config', without, '--epochs', '5', '--json']);
    expect(a.code, a.stderr).toBe(0);
    const ra = JSON.parse(a.stdout);
    expect(ra.union.ofUnique).toBe(false);
    expect(ra.union.disconnectedClasses.length).toBeGreaterThan(0);
    const withB = writeJson(dir, 'd.json', exampleConfig);
    const b = JSON.parse(cli(['analyze-batching', '--config', withB, '--json']).stdout);
    expect(b.oneEpoch.ofUnique).toBe(true);
    expect(b.binding).toHaveLength(4);
  });

  it('a forced backend that is missing is a clear error', () => {
    const cfg = writeJson(dir, 'e.json', exampleConfig);
    const r = cli(['run', '--config', cfg, '--backend', 'tfjs-node-gpu', '--db', `${dir}/db.sqlite`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/backend "tfjs-node-gpu" is not available/);
  });
});
