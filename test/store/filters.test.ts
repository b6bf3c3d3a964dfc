/** Runs-table filters (`deltaOF < 0.05`, `relu = true`, `imbalance.ratio >= 10`) as parameterised SQL. */
import { describe, expect, it } from 'vitest';
import { filterSql, parseFilters } from '../../src-main/store/filters';
import { freshStore } from './helpers';

describe('filter text', () => {
  it('parses clauses; any other text stays a plain search', () => {
    expect(parseFilters('deltaOF < 0.05, relu = true and imbalance.ratio >= 10')).toEqual([
      { field: 'deltaOF', op: '<', value: 0.05 },
      { field: 'relu', op: '=', value: true },
      { field: 'imbalance.ratio', op: '>=', value: 10 },
    ]);
    expect(parseFilters('optimizer.name = "adam"')).toEqual([{ field: 'optimizer.name', op: '=', value: 'adam' }]);
    expect(parseFilters('R=100')).toBeNull(); // a search for what the table shows ("custom R=100")
    expect(parseFilters('seed = 2')).toEqual([{ field: 'seed', op: '=', value: 2 }]);
    expect(parseFilters('baseline run')).toBeNull();
    expect(parseFilters('deltaOF < 0.05, baseline')).toBeNull();
    expect(parseFilters('')).toBeNull();
  });

  it('never puts a field or value into the SQL text', () => {
    const evil = { field: 'relu', op: '=' as const, value: "1; DROP TABLE runs; --" };
    const c = filterSql(evil);
    expect(c.sql).toBe('json_extract(r.config_json, ?) = ?');
    expect(c.params).toEqual(['$.relu', evil.value]);
    expect(() => filterSql({ field: "x') OR 1=1 --", op: '=', value: 1 })).toThrow(/is not a metric, a run column or a config path/);
    expect(() => filterSql({ field: 'x', op: 'LIKE' as never, value: 1 })).toThrow(/op: expected one of/);
    expect(() => filterSql({ field: 'deltaOF', op: '<', value: 'small' })).toThrow(/compares with a number/);
  });
});

describe('filters on stored runs', () => {
  it('select by final metric, config boolean and nested config number', () => {
    const store = freshStore();
    const mk = (relu: boolean, ratio: number, dOF: number) => {
      const id = store.createRun({ kind: 'ufm', config: { relu, imbalance: { profile: 'step', ratio } }, seed: 0, appVersion: 't' });
      const w = store.metricWriter();
      w.write({ runId: id, key: 'geom/deltaOF', step: 0, value: 0.9 });
      w.write({ runId: id, key: 'geom/deltaOF', step: 10, value: dOF });
      w.close();
      return id;
    };
    const a = mk(true, 10, 0.01);
    const b = mk(true, 100, 0.3);
    const c = mk(false, 1, 0.5);
    const ids = (text: string) => store.listRuns({ filters: parseFilters(text)! }).map((r) => r.id).sort();
    expect(ids('deltaOF < 0.05')).toEqual([a]); // the LATEST value, not the first
    expect(ids('relu = true')).toEqual([a, b]);
    expect(ids('relu = false')).toEqual([c]);
    expect(ids('imbalance.ratio >= 10')).toEqual([a, b]);
    expect(ids('imbalance.ratio >= 10, deltaOF > 0.1')).toEqual([b]);
    expect(ids('geom/deltaOF <= 0.5, id != ' + c)).toEqual([a, b]);
    expect(store.countRuns({ filters: parseFilters('relu = true')! })).toBe(2);
    expect(store.listRuns().length).toBe(3);
  });
});
