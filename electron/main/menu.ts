// SPDX-License-Identifier: MIT
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  labTitle: string; quit: () => void; reload: () => void; about: () => void; openSnapshot: () => void;
  back: () => void; forward: () => void;
  /** process.platform: Back and Forward take the keys a browser on it uses. */
  platform?: string;
}

export function menuTemplate(opts: MenuActions): MenuItemConstructorOptions[] {
  const mac = (opts.platform ?? process.platform) === 'darwin';
  return [
    { label: 'File', submenu: [{ label: 'Open Snapshot…', accelerator: 'CmdOrCtrl+O', click: opts.openSnapshot }, { type: 'separator' }, { label: 'Quit', accelerator: 'CmdOrCtrl+Q', click: opts.quit }] },
    {
      label: 'View',
      submenu: [
        { label: 'Back', accelerator: mac ? 'Cmd+[' : 'Alt+Left', click: opts.back },
        { label: 'Forward', accelerator: mac ? 'Cmd+]' : 'Alt+Right', click: opts.forward },
        { type: 'separator' },
        { label: 'Reload', accelerator: 'CmdOrCtrl+R', click: opts.reload },
        { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' },
      ],
    },
    { label: 'Help', submenu: [{ label: `About Doorbell (${opts.labTitle})`, click: opts.about }] },
  ];
}
