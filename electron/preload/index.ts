// SPDX-License-Identifier: MIT
// =============================================================================================
// The preload runs in a sandboxed, context-isolated renderer and must stay CommonJS. It exposes
// exactly the LabApi methods as named functions plus one event subscription — never ipcRenderer
// itself, never a generic `invoke(channel)`: the page can reach nothing but the lab core's API.
// =============================================================================================
import { contextBridge, ipcRenderer } from 'electron';
import { EVENT_CHANNEL, LAB_METHODS, channelOf } from '../../common/ipc/contract.js';
import type { WireEvent } from '../../common/ipc/wire.js';

export function buildBridge(ipc: Pick<typeof ipcRenderer, 'invoke' | 'on' | 'removeListener'>): Record<string, unknown> {
  const bridge: Record<string, unknown> = {};
  for (const method of LAB_METHODS) {
    const channel = channelOf(method);
    bridge[method] = (req: unknown) => ipc.invoke(channel, req);
  }
  bridge.onEvent = (listener: (e: WireEvent) => void) => {
    if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
    const h = (_event: unknown, e: WireEvent) => listener(e);
    ipc.on(EVENT_CHANNEL, h);
    return () => { ipc.removeListener(EVENT_CHANNEL, h); };
  };
  return Object.freeze(bridge);
}

contextBridge.exposeInMainWorld('doorbell', buildBridge(ipcRenderer));
