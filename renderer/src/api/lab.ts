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
  /**
   * Connected or not; `why` comes with `false` when the page will not reconnect by itself (serve
   * was restarted and this page's token is no longer valid) and says what to do.
   */
  onConnection(listener: (connected: boolean, why?: LabError) => void): () => void;
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

/**
 * What the server says of this page's token: `valid`, `stale` (a 401: the server is up but this
 * is not its run's token) or `unreachable` (no answer, or not from a Doorbell server).
 */
export type TokenProbe = () => Promise<'valid' | 'stale' | 'unreachable'>;

/*
 * A browser shows a page nothing of why a WebSocket upgrade failed: a 403 for a stale token and a
 * server that is down both arrive as a close. GET /api/ping carries the same token (query and
 * cookie) and its status is readable, so after each failed connection the page asks there.
 */
function fetchProbe(tokenQuery: string): TokenProbe {
  return async () => {
    const abort = new AbortController();
    // A stalled SSH tunnel may never answer: count that as unreachable, and try again later.
    const timer = setTimeout(() => abort.abort(), 5000);
    try {
      const r = await fetch(`/api/ping${tokenQuery}`, { cache: 'no-store', credentials: 'same-origin', signal: abort.signal });
      return r.status === 401 ? 'stale' : r.ok ? 'valid' : 'unreachable';
    } catch {
      return 'unreachable';
    } finally {
      clearTimeout(timer);
    }
  };
}

function staleToken(op: string): LabError {
  return {
    op,
    message: `the Doorbell server at ${window.location.host} refuses this page's token (401): \`doorbell serve\` has been restarted since the page was opened, and each run has a new token`,
    hint: 'Open the URL the new `doorbell serve` printed (…/?token=…); this page has stopped reconnecting.',
  };
}

/** The client over serve mode's WebSocket (exported for tests, which hand it a fake socket and probe). */
export function websocketClient(opts: { probe?: TokenProbe } = {}): LabClient {
  const token = new URLSearchParams(window.location.search).get('token');
  const tokenQuery = token ? `?token=${encodeURIComponent(token)}` : '';
  const url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/api${tokenQuery}`;
  const probe = opts.probe ?? fetchProbe(tokenQuery);
  const pending = new Map<number, (r: Result<unknown>) => void>();
  const eventListeners = new Set<(e: LabEvent) => void>();
  const connListeners = new Set<(c: boolean, why?: LabError) => void>();
  let nextId = 1;
  let ws: WebSocket | null = null;
  /** Requests made before the socket opened, sent in order as soon as it does. */
  const queued: string[] = [];
  let open: Promise<WebSocket> | null = null;
  let retry = 250;
  /** Set once the server has said this page's token is not its run's: no more attempts. */
  let stale: LabError | null = null;

  const connect = (): Promise<WebSocket> => {
    if (stale) return Promise.reject(new Error('stale token'));
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
        ws = null;
        // Every pending call is answered with an error below: none may run on a later connection.
        queued.length = 0;
        connListeners.forEach((l) => l(false));
        for (const [id, settle] of pending) {
          settle({ ok: false, error: { op: 'connection', message: 'the connection to the Doorbell server closed', hint: 'Is `doorbell serve` still running? The page reconnects by itself.' } });
          pending.delete(id);
        }
        // Calls made meanwhile wait on `open` for the verdict, so theirs is the precise error.
        void probe().catch(() => 'unreachable' as const).then((token) => {
          open = null;
          if (token === 'stale') {
            stale = staleToken('connection');
            connListeners.forEach((l) => l(false, stale!));
          } else {
            // Down (or restarting): try again, backing off to one attempt every 5 s.
            setTimeout(() => { void connect().catch(() => {}); }, retry);
            retry = Math.min(retry * 2, 5000);
          }
          reject(new Error('closed'));
        });
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
      if (stale) { pending.delete(id); return { ok: false, error: staleToken(`request ${method}`) }; }
      queued.push(msg);
      try { await connect(); } catch {
        pending.delete(id);
        const at = queued.indexOf(msg);
        if (at >= 0) queued.splice(at, 1);
        if (stale) return { ok: false, error: staleToken(`request ${method}`) };
        return { ok: false, error: { op: `request ${method}`, message: 'cannot reach the Doorbell server', hint: 'Check that `doorbell serve` is running and that you opened the URL it printed (with its token).' } };
      }
      return reply;
    },
    onEvent(l) { eventListeners.add(l); return () => eventListeners.delete(l); },
    onConnection(l) {
      connListeners.add(l);
      if (ws) l(true); else if (stale) l(false, stale);
      return () => connListeners.delete(l);
    },
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
