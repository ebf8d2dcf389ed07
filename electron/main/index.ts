// SPDX-License-Identifier: MIT
// Electron main: the window, menus and the IPC binding — nothing else. The lab core (backends,
// session) is plain Node from lab/ and runs the same here, in the CLI and in serve mode.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, session as electronSession } from 'electron';
import { formatError, LabFailure, toLabError } from '../../common/errors.js';
import { openLab, parseLabSpec } from '../../lab/select.js';
import { LabSession } from '../../lab/session.js';
import { bindLabApi, forwardEvents } from './ipc/handle.js';
import { menuTemplate } from './menu.js';
import { createWindow, hardenSession } from './window.js';

/** `--lab SPEC` or `--lab=SPEC` from Electron's argv (default auto). */
export function labArg(argv: readonly string[]): string {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--lab' && argv[i + 1] !== undefined) return argv[i + 1]!;
    if (argv[i]!.startsWith('--lab=')) return argv[i]!.slice('--lab='.length);
  }
  return process.env.DOORBELL_LAB ?? 'auto';
}

export async function start(): Promise<void> {
  if (process.getuid?.() === 0) {
    dialog.showErrorBox('Doorbell', 'Doorbell does not run its window as root. Start it as your user; see the README for the vfio group and the privileged helper, or use `doorbell serve` as root and open the URL in a browser.');
    app.exit(2);
    return;
  }
  await app.whenReady();
  hardenSession(electronSession.defaultSession);
  let core: LabSession;
  try {
    core = new LabSession(await openLab(parseLabSpec(labArg(process.argv))));
  } catch (e) {
    const err = e instanceof LabFailure ? e.error : toLabError('open lab', e);
    dialog.showErrorBox('Doorbell: cannot open the lab', formatError(err));
    app.exit(2);
    return;
  }
  const info = await core.backend.info();
  const pageFile = path.join(import.meta.dirname, '../renderer/index.html');
  const pageUrl = pathToFileURL(pageFile).toString();
  const trusted = new Set<number>();
  bindLabApi(ipcMain, core, trusted, () => pageUrl);
  const win = createWindow(BrowserWindow, path.join(import.meta.dirname, '../preload/index.cjs'), `Doorbell — ${info.title}`, () => pageUrl);
  trusted.add(win.webContents.id);
  forwardEvents(core, win.webContents);
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({
    labTitle: info.title,
    quit: () => app.quit(),
    reload: () => win.webContents.reload(),
    about: () => void dialog.showMessageBox(win, { message: 'Doorbell', detail: `${info.title}\n${info.reason}` }),
  })));
  await win.loadFile(pageFile);
  app.on('window-all-closed', () => {
    void core.close().finally(() => app.quit());
  });
}

if (!process.env.VITEST) void start();
