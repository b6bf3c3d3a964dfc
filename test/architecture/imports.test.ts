import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** The house rules on imports (shared/spec/architecture.md): no cycles, arrows point down. */

const ROOT = path.resolve(__dirname, '../..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (/\.(ts|svelte)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function resolveImport(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  }
  return null;
}

/** file -> the files of ours it imports (static, dynamic and type imports alike). */
function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of [...sources(path.join(ROOT, 'src-main')), ...sources(path.join(ROOT, 'src-renderer'))]) {
    const info = ts.preProcessFile(fs.readFileSync(f, 'utf8'), true, true);
    const deps = info.importedFiles.filter((i) => i.fileName.startsWith('.')).map((i) => resolveImport(f, i.fileName));
    g.set(path.relative(ROOT, f), deps.filter((d): d is string => d !== null).map((d) => path.relative(ROOT, d)));
  }
  return g;
}

/** Strongly connected components with more than one file (Tarjan). */
function cycles(g: Map<string, string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) found.push(c.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return found;
}

/** The contract's schemas are the ground floor every room may import (architecture.md): a room of their own. */
const folder = (f: string): string =>
  f.startsWith(path.join('src-main', 'api', 'schema')) || f === path.join('src-main', 'api', 'contract.ts')
    ? 'contract'
    : f.split(path.sep).slice(0, 2).join('/');

describe('imports', () => {
  const g = graph();

  it('has no import cycle between files', () => {
    expect(cycles(g)).toEqual([]);
  });

  it('has no cycle between the folders of src-main (e.g. cli <-> reproduce)', () => {
    const folders = new Map<string, string[]>();
    for (const [f, deps] of g) {
      if (!f.startsWith('src-main')) continue;
      const from = folder(f);
      const list = folders.get(from) ?? [];
      for (const d of deps) if (folder(d) !== from && !list.includes(folder(d))) list.push(folder(d));
      folders.set(from, list);
    }
    expect(cycles(folders)).toEqual([]);
  });

  it('only the cli imports the cli; the electron shell opens its session through services', () => {
    const offenders = [...g].filter(([f, deps]) => !f.startsWith(path.join('src-main', 'cli')) && deps.some((d) => d.startsWith(path.join('src-main', 'cli'))));
    expect(offenders.map(([f]) => f)).toEqual([]);
  });

  it('src-renderer/lib imports nothing from components/', () => {
    const offenders = [...g].filter(([f, deps]) => f.startsWith(path.join('src-renderer', 'lib')) && deps.some((d) => d.startsWith(path.join('src-renderer', 'components'))));
    expect(offenders.map(([f]) => f)).toEqual([]);
  });
});
