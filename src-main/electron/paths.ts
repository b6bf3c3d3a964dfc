/**
 * Where the desktop app keeps its data: the database in Electron's userData folder, which is
 * `<appData>/SCL Geometry Lab` — the same file `scl-lab` (CLI, serve) opens by default (src-main/store/paths.ts),
 * so runs started from either show up in both. SCL_LAB_DB overrides it for both.
 */
import { join, resolve } from 'node:path';
import { DB_FILE_NAME } from '../store/paths';
import { PRODUCT_NAME } from './constants';

/** userData = appData/PRODUCT_NAME whatever package.json says (set before anything reads it). */
export function userDataDir(appData: string): string {
  return join(appData, PRODUCT_NAME);
}

export function electronDbPath(userData: string, env: NodeJS.ProcessEnv = process.env): string {
  const override = env['SCL_LAB_DB'];
  if (override !== undefined && override.trim() !== '') return resolve(override);
  return join(userData, DB_FILE_NAME);
}
