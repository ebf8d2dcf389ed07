// SPDX-License-Identifier: MIT
// The hardened window: sandboxed, context-isolated, no Node in the page, strict CSP, no
// navigation, no new windows, no permissions, no webviews.
import type { BrowserWindow as BW, BrowserWindowConstructorOptions, Session, WebContents } from 'electron';

export const CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
  "font-src 'self'", "connect-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'", "object-src 'none'",
].join('; ');

export function windowOptions(preload: string, title: string): BrowserWindowConstructorOptions {
  return {
    width: 1440,
    height: 900,
    title,
    show: false,
    backgroundColor: '#111418',
    webPreferences: {
      preload,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
    },
  };
}

/** Deny everything a page might ask for. */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
}

export function hardenContents(contents: WebContents, allowedUrl: () => string): void {
  contents.on('will-navigate', (event, url) => {
    if (url !== allowedUrl()) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/*
 * Back and Forward walk the page's own history: each view or device it shows is a pushState entry
 * of the one page (renderer/src/stores/ui.ts), so no step leaves it (will-navigate above still
 * guards that). A browser gives these keys and mouse buttons; a BrowserWindow gives none.
 */
export function historySteps(contents: WebContents): { back: () => void; forward: () => void } {
  const h = contents.navigationHistory;
  return {
    back: () => { if (h.canGoBack()) h.goBack(); },
    forward: () => { if (h.canGoForward()) h.goForward(); },
  };
}

export function createWindow(BrowserWindow: typeof BW, preload: string, title: string, pageUrl: () => string): BW {
  const win = new BrowserWindow(windowOptions(preload, title));
  hardenContents(win.webContents, pageUrl);
  // The mouse's back and forward buttons (Linux and Windows report them as app commands).
  const steps = historySteps(win.webContents);
  win.on('app-command', (_e, command) => {
    if (command === 'browser-backward') steps.back();
    else if (command === 'browser-forward') steps.forward();
  });
  win.once('ready-to-show', () => win.show());
  return win;
}
