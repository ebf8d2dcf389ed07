// SPDX-License-Identifier: MIT
// The only module that touches the bridge. In the Electron window the preload exposes
// `window.doorbell`; in serve mode the same LabApi travels over a WebSocket to 127.0.0.1 (the
// token comes with the page, as a cookie the browser sends with the upgrade).
import type { DoorbellBridge, LabEvent, LabMethod, LabReplies, LabRequest, WireMessage } from '../../../common/ipc/contract.js';
import { LAB_METHODS } from '../../../common/ipc/contract.js';
import type { Result } from '../../../common/errors.js';

declare global {
  interface Window { doorbell?: DoorbellBridge }
}

export type Transport = 'electron' | 'websocket';

export interface LabClient {
  transport: Transport;
  call<K extends LabMethod>(method: K, req: LabRequest<K>): Promise<Result<LabReplies[K]>>;
  onEvent(listener: (e: LabEvent) => void): () => void;
  onConnection(listener: (connected: boolean) => void): () => void;
}

function electronClient(bridge: DoorbellBridge): LabClient {
  return {
    transport: 'electron',
    call: (method, req) => (bridge[method] as (r: unknown) => Promise<Result<LabReplies[typeof method]>>)(req),
    onEvent: (l) => bridge.onEvent(l),
    onConnection: (l) => { l(true); return () => {}; },
  };
}

function websocketClient(): LabClient {
  const token = new URLSearchParams(window.location.search).get('token');
  const url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/api${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  const pending = new Map<number, (r: Result<unknown>) => void>();
  const eventListeners = new Set<(e: LabEvent) => void>();
  const connListeners = new Set<(c: boolean) => void>();
  let nextId = 1;
  let ws: WebSocket | null = null;
  let open: Promise<WebSocket> | null = null;
  let retry = 250;

  const connect = (): Promise<WebSocket> => {
    if (open) return open;
    open = new Promise<WebSocket>((resolve, reject) => {
      const sock = new WebSocket(url);
      sock.onopen = () => { ws = sock; retry = 250; connListeners.forEach((l) => l(true)); resolve(sock); };
      sock.onmessage = (m) => {
        const msg = JSON.parse(String(m.data)) as WireMessage;
        if (msg.kind === 'reply') { pending.get(msg.id)?.(msg.result); pending.delete(msg.id); }
        else eventListeners.forEach((l) => l(msg.event));
      };
      sock.onclose = () => {
        ws = null; open = null;
        connListeners.forEach((l) => l(false));
        for (const [id, settle] of pending) {
          settle({ ok: false, error: { op: 'connection', message: 'the connection to the Doorbell server closed', hint: 'Is `doorbell serve` still running? The page reconnects by itself.' } });
          pending.delete(id);
        }
        setTimeout(() => { void connect().catch(() => {}); }, retry);
        retry = Math.min(retry * 2, 5000);
        reject(new Error('closed'));
      };
    });
    return open;
  };
  void connect().catch(() => {});

  return {
    transport: 'websocket',
    async call(method, req) {
      let sock: WebSocket;
      try { sock = ws ?? (await connect()); } catch {
        return { ok: false, error: { op: `request ${method}`, message: 'cannot reach the Doorbell server', hint: 'Check that `doorbell serve` is running and that you opened the URL it printed (with its token).' } };
      }
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve as (r: Result<unknown>) => void);
        sock.send(JSON.stringify({ id, method, req }));
      });
    },
    onEvent(l) { eventListeners.add(l); return () => eventListeners.delete(l); },
    onConnection(l) { connListeners.add(l); if (ws) l(true); return () => connListeners.delete(l); },
  };
}

let client: LabClient | null = null;

export function lab(): LabClient {
  if (!client) client = window.doorbell ? electronClient(window.doorbell) : websocketClient();
  return client;
}

/** For tests: install a client (e.g. one backed by an in-process LabSession). */
export function setLabClient(c: LabClient | null): void {
  client = c;
}

export { LAB_METHODS };
