// SPDX-License-Identifier: MIT
// The only module that touches the bridge. In the Electron window the preload exposes
// `window.doorbell`; in serve mode the same LabApi travels over a WebSocket to 127.0.0.1 (the
// token comes with the page, as a cookie the browser sends with the upgrade).
import type { DoorbellBridge, LabEvent, LabMethod, LabReplies, LabRequest, WireMessage } from '../../../common/ipc/contract.js';
import { LAB_METHODS, MAX_REQUEST_BYTES } from '../../../common/ipc/contract.js';
import { decodeEvent, decodeReply } from '../../../common/ipc/wire.js';
import type { LabError, Result } from '../../../common/errors.js';

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

/** The client over the preload's bridge (exported for tests, which hand it an in-process bridge). */
export function electronClient(bridge: DoorbellBridge): LabClient {
  // One subscription on the bridge, decoded once per event, shared by every listener.
  const listeners = new Set<(e: LabEvent) => void>();
  let off: (() => void) | null = null;
  return {
    transport: 'electron',
    call: async (method, req) => decodeReply(method, await (bridge[method] as (r: unknown) => Promise<Result<unknown>>)(req)) as Result<LabReplies[typeof method]>,
    onEvent(l) {
      listeners.add(l);
      off ??= bridge.onEvent((w) => { const e = decodeEvent(w); listeners.forEach((x) => x(e)); });
      return () => { listeners.delete(l); if (listeners.size === 0 && off) { off(); off = null; } };
    },
    onConnection: (l) => { l(true); return () => {}; },
  };
}

const mib = (n: number) => `${(n / (1 << 20)).toFixed(1)} MiB`;
function tooLong(method: LabMethod, size: number): LabError {
  return {
    op: `request ${method}`,
    message: `the request is ${mib(size)}, more than the ${mib(MAX_REQUEST_BYTES)} the Doorbell server takes in one message`,
    hint: method === 'createReport'
      ? 'The picture of the page makes it this long: make the window smaller (or zoom out) and create the report again.'
      : 'Ask for less in one request.',
  };
}

/** The client over serve mode's WebSocket (exported for tests, which hand it a fake socket). */
export function websocketClient(): LabClient {
  const token = new URLSearchParams(window.location.search).get('token');
  const url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/api${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  const pending = new Map<number, (r: Result<unknown>) => void>();
  const eventListeners = new Set<(e: LabEvent) => void>();
  const connListeners = new Set<(c: boolean) => void>();
  let nextId = 1;
  let ws: WebSocket | null = null;
  /** Requests made before the socket opened, sent in order as soon as it does. */
  const queued: string[] = [];
  let open: Promise<WebSocket> | null = null;
  let retry = 250;

  const connect = (): Promise<WebSocket> => {
    if (open) return open;
    open = new Promise<WebSocket>((resolve, reject) => {
      const sock = new WebSocket(url);
      sock.onopen = () => {
        ws = sock;
        retry = 250;
        // What was asked first goes first (a prefetched table before the listeners' own loads).
        for (const m of queued.splice(0)) sock.send(m);
        connListeners.forEach((l) => l(true));
        resolve(sock);
      };
      sock.onmessage = (m) => {
        const msg = JSON.parse(String(m.data)) as WireMessage;
        if (msg.kind === 'reply') { pending.get(msg.id)?.(msg.result); pending.delete(msg.id); }
        else { const e = decodeEvent(msg.event); eventListeners.forEach((l) => l(e)); }
      };
      sock.onclose = () => {
        ws = null; open = null;
        // Every pending call is answered with an error below: none may run on a later connection.
        queued.length = 0;
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
      const id = nextId++;
      const reply = new Promise<Result<LabReplies[typeof method]>>((resolve) => {
        pending.set(id, (r) => resolve(decodeReply(method, r) as Result<LabReplies[typeof method]>));
      });
      const msg = JSON.stringify({ id, method, req });
      const size = msg.length * 3 > MAX_REQUEST_BYTES ? new TextEncoder().encode(msg).length : msg.length;
      if (size > MAX_REQUEST_BYTES) {
        // The server would close the connection on it (and every other pending call with it).
        pending.delete(id);
        return { ok: false, error: tooLong(method, size) };
      }
      if (ws) { ws.send(msg); return reply; }
      queued.push(msg);
      try { await connect(); } catch {
        pending.delete(id);
        const at = queued.indexOf(msg);
        if (at >= 0) queued.splice(at, 1);
        return { ok: false, error: { op: `request ${method}`, message: 'cannot reach the Doorbell server', hint: 'Check that `doorbell serve` is running and that you opened the URL it printed (with its token).' } };
      }
      return reply;
    },
    onEvent(l) { eventListeners.add(l); return () => eventListeners.delete(l); },
    onConnection(l) { connListeners.add(l); if (ws) l(true); return () => connListeners.delete(l); },
  };
}

let raw: LabClient | null = null;
let client: LabClient | null = null;

/** Requests sent before anyone asked (see prefetch), by method and request. */
const early = new Map<string, { at: number; reply: Promise<Result<unknown>> }>();
/** A prefetched reply older than this is not handed out: the lab may have changed since. */
const EARLY_MS = 5000;
const earlyKey = (method: LabMethod, req: unknown) => `${method} ${JSON.stringify(req)}`;

function install(c: LabClient | null): void {
  raw = c;
  early.clear();
  client = c && {
    ...c,
    call(method, req) {
      const key = earlyKey(method, req);
      const hit = early.get(key);
      early.delete(key);
      if (hit && Date.now() - hit.at < EARLY_MS) return hit.reply as Promise<Result<LabReplies[typeof method]>>;
      return c.call(method, req);
    },
  };
}

export function lab(): LabClient {
  if (!client) install(window.doorbell ? electronClient(window.doorbell) : websocketClient());
  return client!;
}

/**
 * Send a request now, before the app that will ask for it has mounted (main.ts does this for the
 * device the URL names): the connection handshake and the core's read overlap the page's own
 * start-up. The first call() with the same method and request gets this reply.
 */
export function prefetch<K extends LabMethod>(method: K, req: LabRequest<K>): void {
  lab();
  const key = earlyKey(method, req);
  if (!early.has(key)) early.set(key, { at: Date.now(), reply: raw!.call(method, req) });
}

/** For tests: install a client (e.g. one backed by an in-process LabSession). */
export function setLabClient(c: LabClient | null): void {
  install(c);
}

export { LAB_METHODS };
