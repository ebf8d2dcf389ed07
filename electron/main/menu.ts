// SPDX-License-Identifier: MIT
import type { MenuItemConstructorOptions } from 'electron';

export function menuTemplate(opts: { labTitle: string; quit: () => void; reload: () => void; about: () => void; openSnapshot: () => void }): MenuItemConstructorOptions[] {
  return [
    { label: 'File', submenu: [{ label: 'Open Snapshot…', accelerator: 'CmdOrCtrl+O', click: opts.openSnapshot }, { type: 'separator' }, { label: 'Quit', accelerator: 'CmdOrCtrl+Q', click: opts.quit }] },
    {
      label: 'View',
      submenu: [
        { label: 'Reload', accelerator: 'CmdOrCtrl+R', click: opts.reload },
        { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' },
      ],
    },
    { label: 'Help', submenu: [{ label: `About Doorbell (${opts.labTitle})`, click: opts.about }] },
  ];
}
