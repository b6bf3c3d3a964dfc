import * as os from 'node:os';
import * as path from 'node:path';

export const APP_DIR_NAME = 'SCL Geometry Lab';
export const DB_FILE_NAME = 'scl-lab.sqlite';

/**
 * The per-user database file the CLI and the Electron app share (Electron's userData folder for the
 * product name). `SCL_LAB_DB` overrides it. Pure: parent folders are created by `openStore`.
 */
export function defaultDbPath(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  const override = env['SCL_LAB_DB'];
  if (override !== undefined && override.trim() !== '') return path.resolve(override);
  if (platform === 'win32') {
    const appData = env['APPDATA'] || path.win32.join(home, 'AppData', 'Roaming');
    return path.win32.join(appData, APP_DIR_NAME, DB_FILE_NAME);
  }
  if (platform === 'darwin') {
    return path.posix.join(home, 'Library', 'Application Support', APP_DIR_NAME, DB_FILE_NAME);
  }
  const xdg = env['XDG_CONFIG_HOME'];
  const configHome = xdg && path.isAbsolute(xdg) ? xdg : path.posix.join(home, '.config');
  return path.posix.join(configHome, APP_DIR_NAME, DB_FILE_NAME);
}
