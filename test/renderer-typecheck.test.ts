/**
 * The renderer type-checks: `svelte-check --tsconfig src-renderer/tsconfig.json` (every .ts and .svelte file of
 * src-renderer/, and the contract types they import) finds no error and no warning; and a wrong prop type in a
 * component fails the same check (so it is not vacuous). `npm run typecheck:renderer` runs it by hand.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');
const SVELTE_CHECK = join(ROOT, 'node_modules', 'svelte-check', 'bin', 'svelte-check');

interface Checked {
  status: number | null;
  problems: string[];
  summary: { files: number; errors: number; warnings: number } | null;
  output: string;
}

function svelteCheck(tsconfig: string): Checked {
  const r = spawnSync(process.execPath, [SVELTE_CHECK, '--tsconfig', tsconfig, '--output', 'machine', '--fail-on-warnings'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 32 * 1024 * 1024,
  });
  const lines = r.stdout.split('\n');
  const done = lines.map((l) => /COMPLETED (\d+) FILES (\d+) ERRORS (\d+) WARNINGS/.exec(l)).find((m) => m);
  return {
    status: r.status,
    problems: lines.filter((l) => / (ERROR|WARNING) /.test(l)).map((l) => l.replace(/^\d+ /, '')),
    summary: done ? { files: Number(done[1]), errors: Number(done[2]), warnings: Number(done[3]) } : null,
    output: `${r.stdout}\n${r.stderr}`,
  };
}

describe('type-checking the renderer with svelte-check', () => {
  it('src-renderer has no error and no warning', () => {
    const r = svelteCheck(join(ROOT, 'src-renderer', 'tsconfig.json'));
    expect(r.problems).toEqual([]);
    expect(r.summary, r.output).not.toBeNull();
    expect(r.summary!.files).toBeGreaterThan(50);
    expect(r.status).toBe(0);
  }, 120_000);

  it('a wrong prop type in a component fails the same check', () => {
    // in the git-ignored test-artifacts/ (svelte-check skips node_modules): outside every build's include,
    // and 'svelte' resolves from the repository's node_modules
    const scratch = join(ROOT, 'test-artifacts');
    mkdirSync(scratch, { recursive: true });
    const dir = mkdtempSync(join(scratch, 'svelte-check-'));
    try {
      writeFileSync(
        join(dir, 'Bad.svelte'),
        [
          '<script lang="ts">',
          `  import ProgressBar from '${join(ROOT, 'src-renderer', 'components', 'run', 'ProgressBar.svelte')}';`,
          '  const n: number = "not a number";',
          '</script>',
          '<ProgressBar epoch="three" epochs={10} status="running" />',
          '{n}',
          '',
        ].join('\n'),
      );
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: join(ROOT, 'src-renderer', 'tsconfig.json'), include: ['./Bad.svelte'] }));
      const r = svelteCheck(join(dir, 'tsconfig.json'));
      expect(r.status).not.toBe(0);
      expect(r.summary?.errors).toBe(2);
      expect(r.problems.join('\n')).toMatch(/Bad\.svelte" 3:9 .*not assignable to type 'number'/);
      expect(r.problems.join('\n')).toMatch(/Bad\.svelte" 5:14 .*not assignable to type 'number'/); // epoch="three"
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
