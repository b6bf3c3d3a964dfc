/** The shell's security settings as data: window options, CSP, the app:// resolver, URL classes, the menu. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { APP_ORIGIN, CONTENT_SECURITY_POLICY, START_URL, isAppOrigin } from '../../src-main/electron/constants';
import { menuTemplate } from '../../src-main/electron/menu';
import { APP_SCHEME_PRIVILEGES, appRequestHandler, contentType, resolveAppUrl } from '../../src-main/electron/protocol';
import { isAppUrl, isRemoteUrl, windowOptions } from '../../src-main/electron/security';
import { tempDir } from '../support/tmp';

describe('BrowserWindow options', () => {
  const o = windowOptions('/app/dist/src-main/electron/preload.js', '/app/assets/icon.png');
  const wp = o.webPreferences!;

  it('isolate and sandbox the page, with web security on', () => {
    expect(wp.contextIsolation).toBe(true);
    expect(wp.sandbox).toBe(true);
    expect(wp.nodeIntegration).toBe(false);
    expect(wp.nodeIntegrationInWorker).toBe(false);
    expect(wp.nodeIntegrationInSubFrames).toBe(false);
    expect(wp.webSecurity).toBe(true);
    expect(wp.allowRunningInsecureContent).toBe(false);
    expect(wp.webviewTag).toBe(false);
    expect(wp.experimentalFeatures).toBe(false);
    expect(wp.preload).toBe('/app/dist/src-main/electron/preload.js');
  });

  it('no option loosens them', () => {
    const loose = ['enableRemoteModule', 'enableBlinkFeatures', 'additionalArguments', 'partition'];
    for (const k of loose) expect(wp, k).not.toHaveProperty(k);
    expect(o.show).toBe(false); // shown on ready-to-show, no white flash
  });
});

describe('Content-Security-Policy', () => {
  const directives = Object.fromEntries(CONTENT_SECURITY_POLICY.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));

  it('is strict: only the app itself, no objects, no base, no framing', () => {
    expect(directives).toEqual({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self' 'unsafe-inline'",
      'img-src': "'self' data: blob:",
      'object-src': "'none'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
      'form-action': "'none'",
      'frame-src': "'none'",
    });
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|https?:|\*/);
  });
});

describe('the app:// scheme', () => {
  const dir = tempDir('scl-electron-protocol-');
  const root = join(dir, 'dist-renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><script type="module" src="./assets/index.js"></script>');
  writeFileSync(join(root, 'assets', 'index.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'outside');

  it('is privileged like https (standard, secure) so module scripts, fetch and CSP self work', () => {
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ standard: true, secure: true, supportFetchAPI: true });
    expect(START_URL).toBe(`${APP_ORIGIN}/index.html`);
    expect(isAppOrigin(START_URL)).toBe(true);
    expect(isAppOrigin('app://scl-lab.example/index.html')).toBe(false);
  });

  it('maps URLs into the renderer folder only', () => {
    expect(resolveAppUrl('app://scl-lab/index.html', root)).toBe(join(root, 'index.html'));
    expect(resolveAppUrl('app://scl-lab/assets/index.js', root)).toBe(join(root, 'assets', 'index.js'));
    expect(resolveAppUrl('app://scl-lab/', root)).toBe(join(root, 'index.html'));
    expect(resolveAppUrl('app://scl-lab/runs/4', root)).toBe(join(root, 'index.html'));
    expect(resolveAppUrl('app://scl-lab/..%2Fsecret.txt', root)).toBeNull();
    expect(resolveAppUrl('app://scl-lab/%2e%2e%5Csecret.txt', root)).toBeNull();
    expect(resolveAppUrl('app://scl-lab/a%00.js', root)).toBeNull();
    expect(resolveAppUrl('app://scl-lab/%E0%A4%A.js', root)).toBeNull();
    expect(resolveAppUrl('app://elsewhere/index.html', root)).toBeNull();
    expect(resolveAppUrl('file:///etc/passwd', root)).toBeNull();
    expect(resolveAppUrl('not a url', root)).toBeNull();
  });

  it('answers with the file, its type and the CSP; 404 / 405 otherwise; a hint page when not built', async () => {
    const h = appRequestHandler(root);
    const js = await h(new Request('app://scl-lab/assets/index.js'));
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await js.text()).toBe('console.log(1)');
    expect((await h(new Request('app://scl-lab/nope.css'))).status).toBe(404);
    expect((await h(new Request('app://scl-lab/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
    const notBuilt = await appRequestHandler(join(dir, 'missing'))(new Request('app://scl-lab/index.html'));
    expect(notBuilt.status).toBe(200);
    expect(await notBuilt.text()).toContain('npm run build');
    expect(contentType('x.wasm')).toBe('application/wasm');
  });
});

describe('URL classes', () => {
  it('remote = anything that leaves the machine or reads files', () => {
    for (const u of ['https://example.org', 'http://127.0.0.1:8080/', 'ws://x', 'wss://x', 'file:///etc/passwd', 'ftp://x', '::bad::']) {
      expect(isRemoteUrl(u), u).toBe(true);
    }
    for (const u of ['app://scl-lab/index.html', 'data:image/png;base64,AA', 'blob:app://scl-lab/123', 'devtools://devtools/bundled/x.html']) {
      expect(isRemoteUrl(u), u).toBe(false);
    }
  });

  it('downloads only of the app\'s own blobs and data URLs', () => {
    expect(isAppUrl('blob:app://scl-lab/6f1c')).toBe(true);
    expect(isAppUrl('data:text/csv,a,b')).toBe(true);
    expect(isAppUrl('blob:https://example.org/6f1c')).toBe(false);
    expect(isAppUrl('https://example.org/file.csv')).toBe(false);
  });
});

describe('application menu', () => {
  const actions = { openDataFolder: vi.fn(), showAbout: vi.fn(), quit: vi.fn() };
  const labels = (t: ReturnType<typeof menuTemplate>) => t.map((m) => m.label ?? m.role);

  it('has File / Edit / View / Window / Help on Linux and Windows, an app menu on macOS', () => {
    expect(labels(menuTemplate(actions, 'linux'))).toEqual(['File', 'editMenu', 'View', 'windowMenu', 'help']);
    expect(labels(menuTemplate(actions, 'darwin'))).toEqual(['SCL Geometry Lab', 'File', 'editMenu', 'View', 'windowMenu', 'help']);
  });

  it('Quit goes through the quit guard (which asks when runs are active), not straight to app.quit', () => {
    const file = menuTemplate(actions, 'linux')[0]!.submenu as { label?: string; click?: () => void }[];
    file.find((i) => i.label === 'Quit')!.click!();
    expect(actions.quit).toHaveBeenCalledTimes(1);
    file.find((i) => i.label === 'Open Data Folder')!.click!();
    expect(actions.openDataFolder).toHaveBeenCalledTimes(1);
  });
});
