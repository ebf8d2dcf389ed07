// SPDX-License-Identifier: MIT
// Electron main: the window, menus and the IPC binding — nothing else. The lab core (backends,
// session) is plain Node from lab/ and runs the same here, in the CLI and in serve mode.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, session as electronSession } from 'electron';
import { formatError, LabFailure, toLabError } from '../../common/errors.js';
import { openLab, parseLabSpec } from '../../lab/select.js';
import { LabSession, type DispatchContext } from '../../lab/session.js';
import type { LabEvent } from '../../common/ipc/contract.js';
import type { Result } from '../../common/errors.js';
import { bindLabApi, forwardEvents } from './ipc/handle.js';
import { menuTemplate } from './menu.js';
import { createWindow, hardenSession, historySteps } from './window.js';

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
  const pageFile = path.join(import.meta.dirname, '../renderer/index.html');
  const pageUrl = pathToFileURL(pageFile).toString();
  const trusted = new Set<number>();
  // The IPC binding stays; the lab behind it can be swapped (File → Open Snapshot).
  const front = new CoreSwitch(core);
  bindLabApi(ipcMain, front, trusted, () => pageUrl);
  const info = await core.backend.info();
  const win = createWindow(BrowserWindow, path.join(import.meta.dirname, '../preload/index.cjs'), `Doorbell — ${info.title}`, () => pageUrl);
  trusted.add(win.webContents.id);
  forwardEvents(front, win.webContents);
  const steps = historySteps(win.webContents);
  const setMenu = async () => {
    const i = await front.core.backend.info();
    win.setTitle(`Doorbell — ${i.title}`);
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({
      labTitle: i.title,
      quit: () => app.quit(),
      reload: () => win.webContents.reload(),
      about: () => void dialog.showMessageBox(win, { message: 'Doorbell', detail: `${i.title}\n${i.reason}` }),
      openSnapshot: () => void openSnapshotInto(win),
      back: steps.back,
      forward: steps.forward,
    })));
  };
  async function openSnapshotInto(w: BrowserWindow): Promise<void> {
    const pick = await dialog.showOpenDialog(w, { title: 'Open a Doorbell snapshot', properties: ['openFile'], filters: [{ name: 'Doorbell snapshot', extensions: ['dbsnap'] }, { name: 'All files', extensions: ['*'] }] });
    const file = pick.filePaths[0];
    if (pick.canceled || !file) return;
    try {
      const next = new LabSession(await openLab(parseLabSpec(`snapshot:${file}`)));
      await front.swap(next);
    } catch (e) {
      // A bad snapshot never half-loads: the current lab stays.
      const err = e instanceof LabFailure ? e.error : toLabError('open snapshot', e);
      dialog.showErrorBox('Doorbell: cannot open the snapshot', formatError(err));
      return;
    }
    await setMenu();
    w.webContents.reload();
  }
  await setMenu();
  await win.loadFile(pageFile);
  app.on('window-all-closed', () => {
    void front.core.close().finally(() => app.quit());
  });
}

/** The dispatcher the IPC binding talks to; the session behind it can be replaced. */
export class CoreSwitch {
  private listeners = new Set<(e: LabEvent) => void>();
  private off: () => void;
  constructor(public core: LabSession) {
    this.off = core.onEvent((e) => this.listeners.forEach((l) => l(e)));
  }
  dispatch(method: unknown, req: unknown, ctx?: DispatchContext): Promise<Result<unknown>> {
    return this.core.dispatch(method, req, ctx);
  }
  onEvent(listener: (e: LabEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async swap(next: LabSession): Promise<void> {
    const old = this.core;
    this.off();
    this.core = next;
    this.off = next.onEvent((e) => this.listeners.forEach((l) => l(e)));
    await old.close();
  }
}

if (!process.env.VITEST) void start();
