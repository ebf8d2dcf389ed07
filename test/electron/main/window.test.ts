// SPDX-License-Identifier: MIT
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { CSP, createWindow, hardenContents, hardenSession, historySteps, windowOptions } from '../../../electron/main/window.js';
import { CSP as SERVE_CSP } from '../../../lab/server/serve.js';

describe('electron/main/window', () => {
  it('builds a sandboxed, context-isolated window with no Node in the page', () => {
    const o = windowOptions('/x/preload.cjs', 'Doorbell — sim');
    expect(o.webPreferences).toMatchObject({
      preload: '/x/preload.cjs', sandbox: true, contextIsolation: true, nodeIntegration: false,
      nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false, webSecurity: true, webviewTag: false,
      allowRunningInsecureContent: false,
    });
    expect(o.title).toBe('Doorbell — sim');
  });

  it('uses the same strict CSP as serve mode (no inline script, no eval, no remote origins)', () => {
    expect(CSP).toBe(SERVE_CSP);
    expect(CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
    expect(CSP).toContain("default-src 'none'");
  });

  it('denies every permission request and check, and sets the CSP header', () => {
    let request!: (wc: unknown, p: string, cb: (ok: boolean) => void) => void;
    let check!: () => boolean;
    let headers!: (d: { responseHeaders: Record<string, string[]> }, cb: (r: unknown) => void) => void;
    const session = {
      setPermissionRequestHandler: (h: typeof request) => { request = h; },
      setPermissionCheckHandler: (h: typeof check) => { check = h; },
      webRequest: { onHeadersReceived: (h: typeof headers) => { headers = h; } },
    };
    hardenSession(session as never);
    const cb = vi.fn();
    request({}, 'media', cb);
    request({}, 'notifications', cb);
    expect(cb.mock.calls).toEqual([[false], [false]]);
    expect(check()).toBe(false);
    const out = vi.fn();
    headers({ responseHeaders: { 'X-A': ['1'] } }, out);
    expect(out).toHaveBeenCalledWith({ responseHeaders: { 'X-A': ['1'], 'Content-Security-Policy': [CSP] } });
  });

  it('blocks navigation away from the page, redirects, webviews and new windows', () => {
    const contents = Object.assign(new EventEmitter(), { setWindowOpenHandler: vi.fn() });
    hardenContents(contents as never, () => 'file:///app/index.html');
    const nav = { preventDefault: vi.fn() };
    contents.emit('will-navigate', nav, 'https://evil.example/');
    expect(nav.preventDefault).toHaveBeenCalled();
    const same = { preventDefault: vi.fn() };
    contents.emit('will-navigate', same, 'file:///app/index.html');
    expect(same.preventDefault).not.toHaveBeenCalled();
    const wv = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', wv);
    expect(wv.preventDefault).toHaveBeenCalled();
    const handler = contents.setWindowOpenHandler.mock.calls[0]![0] as () => unknown;
    expect(handler()).toEqual({ action: 'deny' });
  });

  /** The page's history as Electron's NavigationHistory has it: entries and an index. */
  function history(entries: number, index: number) {
    const h = {
      index,
      canGoBack: () => h.index > 0,
      canGoForward: () => h.index < entries - 1,
      goBack: vi.fn(() => { h.index--; }),
      goForward: vi.fn(() => { h.index++; }),
    };
    return h;
  }

  it('steps back and forward through the page\'s own history, and not past either end', () => {
    const h = history(3, 1);
    const steps = historySteps({ navigationHistory: h } as never);
    steps.back();
    expect(h.index).toBe(0);
    steps.back();
    expect(h.goBack).toHaveBeenCalledTimes(1);
    steps.forward(); steps.forward(); steps.forward();
    expect(h.index).toBe(2);
    expect(h.goForward).toHaveBeenCalledTimes(2);
  });

  it('the mouse\'s back and forward buttons step through the history (a BrowserWindow has no such binding)', () => {
    class FakeBW extends EventEmitter {
      webContents = Object.assign(new EventEmitter(), { setWindowOpenHandler: vi.fn(), navigationHistory: history(3, 1) });
      show = vi.fn();
    }
    const win = createWindow(FakeBW as never, '/p.cjs', 'T', () => 'file:///i.html') as unknown as FakeBW;
    const h = win.webContents.navigationHistory;
    win.emit('app-command', {}, 'browser-backward');
    expect(h.index).toBe(0);
    win.emit('app-command', {}, 'browser-forward');
    win.emit('app-command', {}, 'browser-forward');
    expect(h.index).toBe(2);
    win.emit('app-command', {}, 'media-play-pause');
    expect(h.index).toBe(2);
  });

  it('creates the window with those options and shows it when ready', () => {
    const created: unknown[] = [];
    class FakeBW extends EventEmitter {
      webContents = Object.assign(new EventEmitter(), { setWindowOpenHandler: vi.fn(), navigationHistory: history(1, 0) });
      show = vi.fn();
      constructor(opts: unknown) { super(); created.push(opts); }
    }
    const win = createWindow(FakeBW as never, '/p.cjs', 'T', () => 'file:///i.html') as unknown as FakeBW;
    expect(created[0]).toMatchObject({ show: false, webPreferences: { sandbox: true } });
    win.emit('ready-to-show');
    expect(win.show).toHaveBeenCalled();
  });
});
