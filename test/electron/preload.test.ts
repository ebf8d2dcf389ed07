// SPDX-License-Identifier: MIT
import { describe, expect, it, vi } from 'vitest';

const exposed: Record<string, unknown> = {};
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => { exposed[key] = api; } },
  ipcRenderer: { invoke: vi.fn(async (ch: string, req: unknown) => ({ ok: true, value: { ch, req } })), on: vi.fn(), removeListener: vi.fn() },
}));

describe('electron/preload', () => {
  it('exposes exactly the LabApi methods and onEvent as named functions on window.doorbell', async () => {
    const { LAB_METHODS } = await import('../../common/ipc/contract.js');
    await import('../../electron/preload/index.js');
    const api = exposed.doorbell as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual([...LAB_METHODS, 'onEvent'].sort());
    for (const k of Object.keys(api)) expect(typeof api[k]).toBe('function');
    expect(Object.isFrozen(api)).toBe(true);
    expect(api).not.toHaveProperty('invoke');
    expect(api).not.toHaveProperty('ipcRenderer');
  });

  it('routes each method to its own lab:<method> channel', async () => {
    const api = exposed.doorbell as Record<string, (r: unknown) => Promise<unknown>>;
    await expect(api.getVectors!({ bdf: '0000:00:02.0' })).resolves.toEqual({ ok: true, value: { ch: 'lab:getVectors', req: { bdf: '0000:00:02.0' } } });
  });

  it('onEvent subscribes to the event channel and unsubscribes', async () => {
    const { ipcRenderer } = await import('electron');
    const api = exposed.doorbell as { onEvent(l: (e: unknown) => void): () => void };
    const seen: unknown[] = [];
    const off = api.onEvent((e) => seen.push(e));
    const [[channel, handler]] = (ipcRenderer.on as unknown as { mock: { calls: [string, (ev: unknown, e: unknown) => void][] } }).mock.calls;
    expect(channel).toBe('lab-event');
    handler({ sender: 'x' }, { type: 'status' });
    expect(seen).toEqual([{ type: 'status' }]); // the IPC event object itself never reaches the page
    off();
    expect(ipcRenderer.removeListener).toHaveBeenCalledWith('lab-event', handler);
  });
});
