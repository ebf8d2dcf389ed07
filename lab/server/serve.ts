// SPDX-License-Identifier: MIT
// serve mode: the built renderer and the LabApi over HTTP + WebSocket on 127.0.0.1 only, for
// headless lab machines (through an SSH tunnel) and for driving the real renderer in tests.
// A random per-run token guards everything: the first page load carries it in the URL and gets
// it back as a SameSite=Strict cookie; the WebSocket needs the token and a same-origin Origin.
// GET /api/ping answers 204 with the token and the usual 401 without: a browser cannot read why
// a WebSocket upgrade failed, so a page left open across a restart asks here whether its token
// is stale (401) or the server is down (no answer).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_REQUEST_BYTES, type WireMessage, type WireRequest } from '../../common/ipc/contract.js';
import { encodeEvent, encodeReply } from '../../common/ipc/wire.js';
import { methodName } from '../../common/ipc/validate.js';
import { fail, toLabError } from '../../common/errors.js';
import type { LabSession } from '../session.js';

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json',
  '.woff2': 'font/woff2', '.ico': 'image/x-icon', '.map': 'application/json',
};

export interface ServeOptions {
  session: LabSession;
  /** Built renderer directory (out/renderer). */
  staticDir: string;
  port?: number;
  /** Fixed token for tests; random per run otherwise. */
  token?: string;
  log?: (line: string) => void;
  /** Bytes a connection may leave unsent before it is dropped (see send); tests make it small. */
  maxUnsent?: number;
  /** Requests of one connection in the core at once, and waiting behind them (see MAX_IN_FLIGHT). */
  maxInFlight?: number;
  maxWaiting?: number;
}

/*
 * A page that stops reading (a laptop suspended with its SSH tunnel up, a stalled network) would
 * otherwise have every tick queued for it in this process, ~15 kB each, 4 a second, until TCP
 * gives up hours later. Past this many unsent bytes the connection is dropped; the page
 * reconnects when it can and reads the table again. The longest reply is ~1 MB (a 2048-vector
 * table before compression), so no client that reads comes near it.
 */
const MAX_UNSENT = 16 * 1024 * 1024;

/*
 * The core answers requests roughly in the order it is handed them, so a page that sends a burst
 * (a thousand runChecks) would hold every other page's requests behind all of it. Each connection
 * has at most MAX_IN_FLIGHT requests in the core at once; the rest wait in the order sent and go
 * in as its own replies go out, so another page's request waits behind at most twice that many
 * (those in the core when it arrives, and those started before the server next reads). A page
 * starts with ~10 requests at once, which this does not slow. Past MAX_WAITING more (memory: each
 * may be a 32 MiB report), a request is refused with an error that names both limits. What still
 * waits when a connection closes is never run: the page has already told its user it failed.
 */
export const MAX_IN_FLIGHT = 8;
export const MAX_WAITING = 4096;
type Job = [id: number, method: unknown, req: unknown];

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/*
 * Everything below reads what any local process (or a web page, through the browser) may send
 * before the token is checked: a request target such as `//` that is no URL, a cookie or a path
 * that is no URI encoding, a NUL byte. Each is a 400 or no token, never an exception, which
 * here would end the server.
 */
/**
 * Whether any `doorbell_token` cookie holds the token. Cookies do not keep to a port: another
 * server on 127.0.0.1 may have set one of that name too (on a longer path, so sent first).
 */
function cookieHasToken(req: http.IncomingMessage, token: string): boolean {
  const c = req.headers.cookie ?? '';
  for (const part of c.split(';')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === 'doorbell_token' && v && tokenMatches(decoded(v), token)) return true;
  }
  return false;
}

function decoded(s: string): string | null {
  try { return decodeURIComponent(s); } catch { return null; }
}

function requestUrl(req: http.IncomingMessage): URL | null {
  try { return new URL(req.url ?? '/', 'http://127.0.0.1'); } catch { return null; }
}

/**
 * The WebSocket's Origin must be the page this server served: the origin the browser addressed
 * (its Host header) on a loopback name. Not this server's own port: an SSH tunnel may forward
 * another local port (`ssh -L 9000:127.0.0.1:8420`), and the page's origin is then
 * http://127.0.0.1:9000. A page of another local server differs from the Host it connects to (the
 * token cookie alone would not stop it: cookies do not keep to a port), and a rebound DNS name is
 * not a loopback name.
 */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (!host || origin !== `http://${host}`) return false;
  let name: string;
  try { name = new URL(origin).hostname; } catch { return false; }
  return name === '127.0.0.1' || name === 'localhost' || name === '[::1]';
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const token = opts.token ?? crypto.randomBytes(24).toString('base64url');
  const staticDir = path.resolve(opts.staticDir);
  const log = opts.log ?? (() => {});
  if (!fs.existsSync(path.join(staticDir, 'index.html'))) {
    throw new Error(`the built renderer is missing (${path.join(staticDir, 'index.html')}): run \`npm run build\` first`);
  }

  const server = http.createServer((req, res) => {
    const url = requestUrl(req);
    const headers: http.OutgoingHttpHeaders = {
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      // No window of another origin keeps a handle on the console's, or it on theirs: the page
      // gets a browsing context group, and so a renderer process, of its own. A new tab pays a
      // process start for that on its first load (~150 ms on the bench VM: npm run bench, ui).
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    };
    const badRequest = () => res.writeHead(400, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('bad request\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end('method not allowed\n');
      return;
    }
    if (!url) {
      badRequest();
      return;
    }
    const queryOk = tokenMatches(url.searchParams.get('token'), token);
    if (!queryOk && !cookieHasToken(req, token)) {
      log(`refused ${req.method} ${url.pathname}: no valid token`);
      res.writeHead(401, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' })
        .end('Doorbell: this server needs the token from the URL it printed at start (…/?token=…).\n');
      return;
    }
    if (queryOk) headers['Set-Cookie'] = `doorbell_token=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
    if (url.pathname === '/api/ping') {
      res.writeHead(204, headers).end();
      return;
    }
    let rel = decoded(url.pathname);
    if (rel === null || rel.includes('\0')) {
      badRequest();
      return;
    }
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = path.resolve(staticDir, `.${rel}`);
    if (!file.startsWith(staticDir + path.sep)) {
      res.writeHead(403, headers).end();
      return;
    }
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
        return;
      }
      // Vite names every built asset by its content hash: the browser may keep it (and V8 its
      // compiled code) for good, so a reload starts the page from cache. The page itself, which
      // names the current assets, is never cached.
      if (/^\/assets\/[^/]+-[A-Za-z0-9_-]{8,}\.(?:js|css)$/.test(rel)) headers['Cache-Control'] = 'private, max-age=31536000, immutable';
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });

  /*
   * permessage-deflate (RFC 7692) for messages over 1 kB, at zlib level 1: the big device's table
   * crosses in 160 kB instead of 977 kB, a 4 Hz tick in 15 kB instead of 35 kB, for ~3.5 and ~0.4 ms
   * of the libuv pool. It matters for the SSH tunnel, and in a browser: Chromium reads a slow
   * WebSocket 1000 bytes at a time and hands the page each read as a task of its own, so halving a
   * tick's bytes halves those tasks (~2 ms of the page's main thread per tick at 4 Hz here). No
   * secret travels in a message (the token is in the upgrade only), so compression leaks nothing.
   * A message may be as long as the contract's longest request: a report with the page's picture
   * (a 1280×800 view at device pixel ratio 2 is already ~1 MB of base64).
   */
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_REQUEST_BYTES, perMessageDeflate: { threshold: 1024, zlibDeflateOptions: { level: 1 } } });
  server.on('upgrade', (req, socket, head) => {
    const url = requestUrl(req);
    const origin = req.headers.origin;
    const tokenOk = !!url && (tokenMatches(url.searchParams.get('token'), token) || cookieHasToken(req, token));
    if (url?.pathname !== '/api' || !tokenOk || !origin || !sameOrigin(origin, req.headers.host)) {
      log(`refused WebSocket upgrade ${url?.pathname ?? '(not a URL)'} from origin ${origin ?? '(none)'}: ${!tokenOk ? 'no valid token' : 'foreign origin'}`);
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const maxInFlight = opts.maxInFlight ?? MAX_IN_FLIGHT;
  const maxWaiting = opts.maxWaiting ?? MAX_WAITING;
  wss.on('connection', (ws: WebSocket) => {
    const maxUnsent = opts.maxUnsent ?? MAX_UNSENT;
    let inFlight = 0;
    let closed = false;
    const waiting: Job[] = [];
    const send = (m: WireMessage) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > maxUnsent) {
        log(`dropped a WebSocket connection: ${(ws.bufferedAmount / (1 << 20)).toFixed(1)} MiB unsent (the page stopped reading); it reconnects and reads the table again`);
        ws.terminate();
        return;
      }
      ws.send(JSON.stringify(m));
    };
    const off = opts.session.onEvent((event) => send({ kind: 'event', event: encodeEvent(event) }));
    ws.on('close', () => {
      closed = true;
      off();
      if (waiting.length) log(`closed a WebSocket connection with ${waiting.length} requests not yet run; they are dropped (the page has answered them with an error)`);
      waiting.length = 0;
    });
    /** Run one request in a slot this connection holds (inFlight counts it already). */
    const run = ([id, method, req]: Job) => {
      void opts.session.dispatch(method, req)
        .then((result) => encodeReply(typeof method === 'string' ? method : '', result))
        .catch((e: unknown) => fail(toLabError(`request ${methodName(method)}`, e)))
        .then((result) => send({ kind: 'reply', id, result }))
        .finally(() => {
          if (closed || !waiting.length) { inFlight--; return; }
          // The slot passes to this page's next request, but only after the event loop has read
          // what other pages sent: the core's reads are mostly synchronous, so started straight
          // from here the whole queue would run as one chain of promise callbacks, before any
          // other socket is read.
          setImmediate(() => {
            const next = waiting.shift();
            if (closed || !next) inFlight--;
            else run(next);
          });
        });
    };
    // A message over maxPayload, or a broken frame: ws closes this connection (1009, 1002) and
    // reports it here. Unheard, the 'error' event would end the server for every other page.
    ws.on('error', (e) => log(`closed a WebSocket connection: ${e.message}`));
    ws.on('message', (data) => {
      let msg: WireRequest;
      try {
        msg = JSON.parse(String(data)) as WireRequest;
      } catch {
        send({ kind: 'reply', id: -1, result: { ok: false, error: { op: 'request', message: 'the message is not JSON', hint: 'Send {"id": N, "method": "...", "req": {...}}.' } } });
        return;
      }
      const id = typeof msg?.id === 'number' && Number.isSafeInteger(msg.id) ? msg.id : -1;
      const method: unknown = msg?.method;
      // Behind what already waits, so one page's requests go to the core in the order it sent them.
      if (!waiting.length && inFlight < maxInFlight) { inFlight++; run([id, method, msg?.req]); }
      else if (waiting.length < maxWaiting) waiting.push([id, method, msg?.req]);
      else {
        send({ kind: 'reply', id, result: { ok: false, error: {
          op: `request ${methodName(method)}`,
          message: `this page already has ${inFlight + waiting.length} requests running or waiting on the Doorbell server (at most ${maxInFlight} run at once for one page and ${maxWaiting} wait behind them)`,
          hint: 'Wait for replies to the earlier requests before sending more.',
        } } });
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      // Not only idle keep-alive connections: also one that sent half a request and waits.
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
    },
  };
}
