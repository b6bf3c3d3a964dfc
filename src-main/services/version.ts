/** The app's version, from the nearest package.json above this file (works from sources and from dist/). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findPackageJson(start: string): string {
  let dir = start;
  for (;;) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${start}`);
    dir = up;
  }
}

export const APP_ROOT = dirname(findPackageJson(__dirname));
export const APP_VERSION: string = JSON.parse(readFileSync(join(APP_ROOT, 'package.json'), 'utf8')).version;
