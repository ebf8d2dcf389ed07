// SPDX-License-Identifier: MIT
// The only place the main process touches ipcMain: one handler per LabApi method, each checking
// that the sender is our own top-level frame before the request is validated and dispatched.
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { CHANNEL_PREFIX, EVENT_CHANNEL, LAB_METHODS, channelOf, type LabEvent } from '../../../common/ipc/contract.js';
import type { Result } from '../../../common/errors.js';
import { encodeEvent, encodeReply } from '../../../common/ipc/wire.js';

export interface Dispatcher {
  dispatch(method: unknown, req: unknown, ctx?: { capturePng?: () => Promise<Uint8Array> }): Promise<Result<unknown>>;
  onEvent(listener: (e: LabEvent) => void): () => void;
}

/** A sender is trusted when it is one of our windows' top frames showing our own page. */
export function isTrustedSender(event: IpcMainInvokeEvent, trusted: ReadonlySet<number>, pageUrl: string): boolean {
  const frame = event.senderFrame;
  if (!trusted.has(event.sender.id) || !frame || frame.parent !== null) return false;
  return frame.url.split('#')[0] === pageUrl.split('#')[0];
}

export function bindLabApi(ipcMain: IpcMain, core: Dispatcher, trusted: Set<number>, pageUrl: () => string): () => void {
  for (const method of LAB_METHODS) {
    const channel = channelOf(method);
    if (!channel.startsWith(CHANNEL_PREFIX)) throw new Error(`bad channel ${channel}`);
    ipcMain.handle(channel, async (event, req: unknown) => {
      if (!isTrustedSender(event, trusted, pageUrl())) {
        return { ok: false, error: { op: `request ${method}`, message: 'refused: the request did not come from the Doorbell window', hint: 'Only the Doorbell page itself may call the lab core.' } };
      }
      // The window captures itself for bug reports (webContents.capturePage: no prompt, exact pixels).
      const capturePng = async () => new Uint8Array((await event.sender.capturePage()).toPNG());
      // Large replies cross in their compact wire form (common/ipc/wire.ts); the page's api decodes.
      return encodeReply(method, await core.dispatch(method, req, method === 'createReport' ? { capturePng } : {}));
    });
  }
  return () => { for (const m of LAB_METHODS) ipcMain.removeHandler(channelOf(m)); };
}

/** Push lab events to one window; the only `webContents.send` in the app. */
export function forwardEvents(core: Dispatcher, contents: WebContents): () => void {
  return core.onEvent((e) => {
    if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, encodeEvent(e));
  });
}
