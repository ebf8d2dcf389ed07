// SPDX-License-Identifier: MIT
// The main-process wiring with `electron` mocked (the binary cannot run on these machines).
import { beforeEach, describe, expect, it, vi } from 'vitest';

const h = vi.hoisted(() => ({
  windows: [] as { opts: Record<string, unknown>; loaded?: string; webContents: { id: number } }[],
  steps: [] as string[],
  errors: [] as [string, string][],
  exits: [] as number[],
  menus: [] as unknown[],
  handlers: new Map<string, unknown>(),
  openedSpecs: [] as unknown[],
  failOpen: false,
  reloads: 0,
  openPick: [] as string[],
}));

vi.mock('electron', async () => {
  const { EventEmitter } = await import('node:events');
  class BrowserWindow extends EventEmitter {
    webContents: EventEmitter & { id: number; setWindowOpenHandler: () => void; send: () => void; isDestroyed: () => boolean };
    opts: Record<string, unknown>;
    loaded?: string;
    constructor(opts: Record<string, unknown>) {
      super();
      this.opts = opts;
      this.webContents = Object.assign(new EventEmitter(), { id: 7, setWindowOpenHandler: () => {}, send: () => {}, isDestroyed: () => false, reload: () => { h.reloads++; },
        navigationHistory: { canGoBack: () => true, canGoForward: () => true, goBack: () => h.steps.push('back'), goForward: () => h.steps.push('forward') } });
      h.windows.push(this);
    }
    async loadFile(f: string) { this.loaded = f; }
    setTitle(t: string) { this.opts.title = t; }
    show() {}
  }
  return {
    app: { whenReady: async () => {}, exit: (c: number) => h.exits.push(c), quit: () => {}, on: () => {} },
    BrowserWindow,
    dialog: { showErrorBox: (t: string, m: string) => h.errors.push([t, m]), showMessageBox: async () => ({}), showOpenDialog: async () => ({ canceled: h.openPick.length === 0, filePaths: h.openPick }) },
    ipcMain: { handle: (ch: string, fn: unknown) => h.handlers.set(ch, fn), removeHandler: () => {} },
    Menu: { setApplicationMenu: (m: unknown) => h.menus.push(m), buildFromTemplate: (t: unknown) => t },
    session: { defaultSession: { setPermissionRequestHandler: () => {}, setPermissionCheckHandler: () => {}, webRequest: { onHeadersReceived: () => {} } } },
  };
});

vi.mock('../../../lab/select.js', async (orig) => {
  const real = await orig<Record<string, unknown>>();
  return {
    ...real,
    openLab: async (spec: unknown) => {
      h.openedSpecs.push(spec);
      if (h.failOpen) throw new Error('boom');
      const { fakeBackend } = await import('../../helpers/fake-backend.js');
      return fakeBackend();
    },
  };
});

process.env.VITEST = 'true';
const { start, labArg } = await import('../../../electron/main/index.js');

describe('electron/main/index', () => {
  beforeEach(() => {
    h.windows.length = 0; h.errors.length = 0; h.exits.length = 0; h.menus.length = 0; h.handlers.clear(); h.openedSpecs.length = 0; h.failOpen = false; h.reloads = 0; h.openPick = []; h.steps.length = 0;
    vi.spyOn(process, 'getuid').mockReturnValue(1000);
  });

  it('takes --lab like the CLI', () => {
    expect(labArg(['electron', '.', '--lab', 'sim:x86-noir'])).toBe('sim:x86-noir');
    expect(labArg(['electron', '.', '--lab=linux:/tmp/t'])).toBe('linux:/tmp/t');
  });

  it('opens the lab, names it in the window title, binds the API and loads the page', async () => {
    process.argv = ['electron', '.', '--lab', 'sim:arm64-its-smmuv3'];
    await start();
    expect(h.openedSpecs[0]).toMatchObject({ kind: 'sim', scenario: 'arm64-its-smmuv3' });
    expect(h.windows).toHaveLength(1);
    expect(h.windows[0]!.opts.title).toBe('Doorbell — transport test lab');
    expect(h.windows[0]!.opts.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false });
    expect(String((h.windows[0]!.opts.webPreferences as Record<string, string>).preload)).toMatch(/preload[/\\]index\.cjs$/);
    expect(h.windows[0]!.loaded).toMatch(/renderer[/\\]index\.html$/);
    expect([...h.handlers.keys()]).toContain('lab:getLab');
    expect(h.menus).toHaveLength(1);
  });

  it('refuses to run the window as root', async () => {
    vi.spyOn(process, 'getuid').mockReturnValue(0);
    await start();
    expect(h.windows).toHaveLength(0);
    expect(h.errors[0]![1]).toMatch(/does not run its window as root/);
    expect(h.exits).toEqual([2]);
  });

  it('shows why the lab could not be opened instead of crashing', async () => {
    process.argv = ['electron', '.', '--lab', 'bogus:1'];
    await start();
    expect(h.windows).toHaveLength(0);
    expect(h.errors[0]![1]).toMatch(/bad lab spec "bogus:1"/);
    expect(h.exits).toEqual([2]);
  });

  it('File → Open Snapshot swaps the lab behind the same IPC binding and reloads the page', async () => {
    process.argv = ['electron', '.', '--lab', 'sim:x86-noir'];
    await start();
    const menu = h.menus.at(-1) as { label: string; submenu: { label?: string; click?: () => void }[] }[];
    const open = menu[0]!.submenu.find((i) => i.label === 'Open Snapshot…')!;
    h.openPick = ['/tmp/lab.dbsnap'];
    open.click!();
    await vi.waitFor(() => expect(h.reloads).toBe(1));
    expect(h.openedSpecs.at(-1)).toMatchObject({ kind: 'snapshot', file: '/tmp/lab.dbsnap' });
    const getLab = h.handlers.get('lab:getLab') as (e: unknown, r: unknown) => Promise<unknown>;
    const ev = { sender: { id: 7 }, senderFrame: { url: h.windows[0]!.loaded!.startsWith('/') ? `file://${h.windows[0]!.loaded}` : h.windows[0]!.loaded, parent: null } };
    await expect(getLab(ev, {})).resolves.toMatchObject({ ok: true });
  });

  it('a snapshot that cannot be opened leaves the current lab and says why', async () => {
    process.argv = ['electron', '.', '--lab', 'sim:x86-noir'];
    await start();
    const menu = h.menus.at(-1) as { label: string; submenu: { label?: string; click?: () => void }[] }[];
    h.failOpen = true;
    h.openPick = ['/tmp/broken.dbsnap'];
    menu[0]!.submenu.find((i) => i.label === 'Open Snapshot…')!.click!();
    await vi.waitFor(() => expect(h.errors).toHaveLength(1));
    expect(h.errors[0]![0]).toBe('Doorbell: cannot open the snapshot');
    expect(h.reloads).toBe(0);
  });

  it('View → Back and Forward (Alt+← and Alt+→) step through the page\'s history, as in a browser', async () => {
    process.argv = ['electron', '.', '--lab', 'sim:x86-noir'];
    await start();
    const menu = h.menus.at(-1) as { label: string; submenu: { label?: string; accelerator?: string; click?: () => void }[] }[];
    const view = menu.find((m) => m.label === 'View')!.submenu;
    const back = view.find((i) => i.label === 'Back')!, forward = view.find((i) => i.label === 'Forward')!;
    if (process.platform !== 'darwin') expect([back.accelerator, forward.accelerator]).toEqual(['Alt+Left', 'Alt+Right']);
    back.click!(); forward.click!();
    expect(h.steps).toEqual(['back', 'forward']);
  });
});
