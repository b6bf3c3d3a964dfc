/** The application menu: standard roles, the data folder, an About box. No business logic. */
import type { MenuItemConstructorOptions } from 'electron';
import { PRODUCT_NAME } from './constants';

export interface MenuActions {
  /** Show the folder that holds the database in the file manager. */
  openDataFolder(): void;
  /** Version, database path, Electron / Node versions. */
  showAbout(): void;
  /** Start quitting (the quit guard asks when runs are active). */
  quit(): void;
}

/**
 * `dev`: from a checkout (`npm start`), View also has force-reload and the developer tools; a packaged app
 * (the default) has neither.
 */
export function menuTemplate(actions: MenuActions, platform: NodeJS.Platform = process.platform, dev = false): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const quit: MenuItemConstructorOptions = { label: mac ? `Quit ${PRODUCT_NAME}` : 'Quit', accelerator: 'CmdOrCtrl+Q', click: () => actions.quit() };
  const about: MenuItemConstructorOptions = { label: `About ${PRODUCT_NAME}`, click: () => actions.showAbout() };
  return [
    ...(mac
      ? [{ label: PRODUCT_NAME, submenu: [about, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, quit] } satisfies MenuItemConstructorOptions]
      : []),
    {
      label: 'File',
      submenu: [{ label: 'Open Data Folder', click: () => actions.openDataFolder() }, ...(mac ? [] : [{ type: 'separator' } as const, quit])],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        ...(dev ? ([{ role: 'forceReload' }, { role: 'toggleDevTools' }] as const) : []),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: mac ? [{ label: 'Open Data Folder', click: () => actions.openDataFolder() }] : [about] },
  ];
}
