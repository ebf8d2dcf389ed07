// SPDX-License-Identifier: MIT
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_IN_FLIGHT, startServer, type RunningServer } from '../../../lab/server/serve.js';
import { LabSession } from '../../../lab/session.js';
import { fakeBackend } from '../../helpers/fake-backend.js';
import { MAX_REQUEST_BYTES, type WireMessage } from '../../../common/ipc/contract.js';
import { COUNTS_WIRE, decodeEvent, decodeReply, isWireVectors } from '../../../common/ipc/wire.js';
import { createSimLab } from '../../../lab/sim/index.js';
import { readTimesZeroed } from '../../helpers/read-times.js';
import { openSimLab } from '../../../lab/sim/index.js';

let dir: string;
let server: RunningServer;
let session: LabSession;

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    }).on('error', reject);
  });
}

function connect(url: string, origin?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, payload: unknown): Promise<WireMessage> {
  return new Promise((resolve, reject) => {
    const onClose = (code: number) => reject(new Error(`the server closed the connection (${code}) instead of replying`));
    const onMsg = (data: WebSocket.RawData) => {
      const m = JSON.parse(String(data)) as WireMessage;
      if (m.kind === 'reply') { ws.off('message', onMsg); ws.off('close', onClose); resolve(m); }
    };
    ws.on('message', onMsg);
    ws.once('close', onClose);
    ws.send(typeof payload === 'string' ? payload : JSON.stringify(payload));
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-serve-'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Doorbell</title>');
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'assets', 'a.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'assets', 'index-DHl2IZJS.js'), 'console.log(2)');
  session = new LabSession(fakeBackend(), { autoStart: false });
  server = await startServer({ session, staticDir: dir });
});
afterAll(async () => {
  await server.close();
  await session.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('lab/server/serve', () => {
  it('listens on loopback only and prints a URL with a long random token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
  });

  it('refuses a page request without the token', async () => {
    const r = await get(`http://127.0.0.1:${server.port}/`);
    expect(r.status).toBe(401);
    expect(r.body).toContain('token');
    const wrong = await get(`http://127.0.0.1:${server.port}/?token=${'x'.repeat(32)}`);
    expect(wrong.status).toBe(401);
  });

  it('serves the page with the token, sets a strict cookie and the CSP header', async () => {
    const r = await get(server.url);
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>Doorbell</title>');
    expect(String(r.headers['set-cookie'])).toMatch(/doorbell_token=.*HttpOnly; SameSite=Strict/);
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    const cookie = String(r.headers['set-cookie']).split(';')[0]!;
    const asset = await get(`http://127.0.0.1:${server.port}/assets/a.js`, { cookie });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('javascript');
  });

  it('lets the browser keep content-hashed assets for good, and never the page or an unhashed file', async () => {
    const page = await get(server.url);
    expect(page.headers['cache-control']).toBe('no-store');
    const cookie = String(page.headers['set-cookie']).split(';')[0]!;
    const hashed = await get(`http://127.0.0.1:${server.port}/assets/index-DHl2IZJS.js`, { cookie });
    expect(hashed.status).toBe(200);
    expect(hashed.headers['cache-control']).toBe('private, max-age=31536000, immutable');
    const plain = await get(`http://127.0.0.1:${server.port}/assets/a.js`, { cookie });
    expect(plain.headers['cache-control']).toBe('no-store');
    // Still behind the token.
    expect((await get(`http://127.0.0.1:${server.port}/assets/index-DHl2IZJS.js`)).status).toBe(401);
  });

  it('does not serve files outside the renderer directory', async () => {
    const r = await get(`http://127.0.0.1:${server.port}/..%2f..%2fetc%2fpasswd?token=${server.token}`);
    expect([403, 404]).toContain(r.status);
    expect(r.body).not.toContain('root:');
  });

  it('refuses WebSocket upgrades without the token', async () => {
    await expect(connect(`ws://127.0.0.1:${server.port}/api`, `http://127.0.0.1:${server.port}`)).rejects.toThrow(/403/);
  });

  it('refuses WebSocket upgrades from a foreign Origin even with the token', async () => {
    await expect(connect(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, 'http://evil.example')).rejects.toThrow(/403/);
    await expect(connect(`ws://127.0.0.1:${server.port}/api?token=${server.token}`)).rejects.toThrow(/403/);
  });

  it('takes the page of an SSH tunnel on another local port, and no other local page', async () => {
    const url = `ws://127.0.0.1:${server.port}/api?token=${server.token}`;
    // ssh -L 9000:127.0.0.1:PORT: the browser addressed 127.0.0.1:9000, and so says its Origin.
    const via = (host: string, origin: string) => new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url, { origin, headers: { host } });
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
    const tunnelled = await via('127.0.0.1:9000', 'http://127.0.0.1:9000');
    tunnelled.close();
    (await via('localhost:9000', 'http://localhost:9000')).close();
    // A page of another server on this machine, connecting to this one: its Origin is not the Host.
    await expect(via(`127.0.0.1:${server.port}`, 'http://127.0.0.1:9000')).rejects.toThrow(/403/);
    // A DNS name rebound to 127.0.0.1: the browser's Host is that name, not a loopback one.
    await expect(via(`evil.example:${server.port}`, `http://evil.example:${server.port}`)).rejects.toThrow(/403/);
  });

  it('answers calls over the WebSocket, and a bad shape with a clear error, not a crash', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, `http://127.0.0.1:${server.port}`);
    try {
      const good = await call(ws, { id: 1, method: 'getLab', req: {} });
      expect(good).toMatchObject({ kind: 'reply', id: 1, result: { ok: true, value: { title: 'transport test lab' } } });
      const badShape = await call(ws, { id: 2, method: 'getVectors', req: { bdf: { $gt: '' } } });
      expect(badShape).toMatchObject({ kind: 'reply', id: 2, result: { ok: false, error: { op: 'request getVectors' } } });
      if (badShape.kind === 'reply' && !badShape.result.ok) expect(badShape.result.error.message).toContain('request.bdf should be a PCI address');
      const notJson = await call(ws, '{oops');
      expect(notJson).toMatchObject({ kind: 'reply', id: -1, result: { ok: false, error: { message: 'the message is not JSON' } } });
      const after = await call(ws, { id: 3, method: 'getCpus', req: {} });
      expect(after).toMatchObject({ id: 3, result: { ok: true } });
    } finally {
      ws.close();
    }
  });
});

/** One raw HTTP/1.1 exchange (what a browser never sends, any local process may): the status line. */
function raw(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection({ host: '127.0.0.1', port: server.port }, () => sock.write(request));
    let got = '';
    sock.on('data', (d) => { got += String(d); });
    sock.on('end', () => resolve(got.split('\r\n')[0] ?? ''));
    sock.on('error', reject);
  });
}

describe('serve: input that is no request', () => {
  it('answers a method that is no string with an error, and stays up', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, `http://127.0.0.1:${server.port}`);
    try {
      // String() of these throws, or recurses past the stack: they once ended the server.
      const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
      const odd: [string, string][] = [['{"toString":1}', 'object'], ['{"toString":null,"valueOf":null}', 'object'], ['[{"toString":1}]', 'an array'], [deep, 'an array'], ['null', 'null']];
      for (const [i, [method, what]] of odd.entries()) {
        const r = await call(ws, `{"id":${i + 10},"method":${method}}`);
        expect(r).toMatchObject({ kind: 'reply', id: i + 10, result: { ok: false, error: { op: `request (${what}, not a method name)` } } });
        if (r.kind === 'reply' && !r.result.ok) expect(r.result.error.hint).toMatch(/^Valid methods: getLab, /);
      }
      expect(await call(ws, { id: 1, method: 'getLab', req: {} })).toMatchObject({ id: 1, result: { ok: true } });
    } finally {
      ws.close();
    }
  });

  it('a request target, path or cookie that does not decode is a 400 or a 401, not an exception', async () => {
    const host = `Host: 127.0.0.1:${server.port}\r\nConnection: close\r\n`;
    const upgrade = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
    const cases: [string, string][] = [
      [`GET // HTTP/1.1\r\n${host}\r\n`, '400'],
      [`GET http://[ HTTP/1.1\r\n${host}\r\n`, '400'],
      [`GET /%?token=${server.token} HTTP/1.1\r\n${host}\r\n`, '400'],
      [`GET /a%00b?token=${server.token} HTTP/1.1\r\n${host}\r\n`, '400'],
      [`GET / HTTP/1.1\r\n${host}Cookie: doorbell_token=%\r\n\r\n`, '401'],
      // Another server on 127.0.0.1 may have set a cookie of the same name: the right one still counts.
      [`GET / HTTP/1.1\r\n${host}Cookie: doorbell_token=%; doorbell_token=${server.token}\r\n\r\n`, '200'],
      [`GET // HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n${upgrade}\r\n`, '403'],
      [`GET /api HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n${upgrade}Origin: http://127.0.0.1:${server.port}\r\nCookie: doorbell_token=%\r\n\r\n`, '403'],
    ];
    for (const [req, status] of cases) expect(`${req.split('\r\n')[0]} → ${await raw(req)}`).toMatch(new RegExp(`→ HTTP/1.1 ${status} `));
    expect((await get(`${server.url}`)).status).toBe(200);
  });

  it('close() ends a connection that sent half a request, not only the idle ones', async () => {
    const s = await startServer({ session, staticDir: dir });
    const sock = net.createConnection({ host: '127.0.0.1', port: s.port });
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n`);
    sock.on('error', () => { /* a reset is how the server ends it */ });
    const ended = new Promise<void>((r) => sock.once('close', () => r()));
    // Without closing it, close() waited for Node's 60 s header timeout (past this test's own).
    await s.close();
    await ended;
  });
});

describe('serve: a page that stops reading', () => {
  it('is dropped once its unsent replies pass the limit; a page that reads is not, and the server goes on', async () => {
    const big = new LabSession(await openSimLab({ scenario: path.resolve(import.meta.dirname, '../../fixtures/scenarios/arm64-2048x512.json'), params: {}, reason: 'test' }), { autoStart: false });
    const lines: string[] = [];
    const srv = await startServer({ session: big, staticDir: dir, maxUnsent: 2 << 20, log: (l) => lines.push(l) });
    const url = `ws://127.0.0.1:${srv.port}/api?token=${srv.token}`;
    const origin = `http://127.0.0.1:${srv.port}`;
    const bdf = '0000:01:00.0';
    try {
      // A page that reads: ~1 MB tables one after another, and its connection stays.
      const reader = await connect(url, origin);
      for (let i = 0; i < 3; i++) expect(await call(reader, { id: i, method: 'getVectors', req: { bdf } })).toMatchObject({ id: i, result: { ok: true } });
      expect(lines.filter((l) => l.startsWith('dropped'))).toEqual([]);
      // One that stops: its socket is paused, so the kernel's buffers fill, then this process's.
      const stalled = new WebSocket(url, { origin, perMessageDeflate: false });
      await new Promise((r) => stalled.once('open', r));
      (stalled as unknown as { _socket: net.Socket })._socket.pause();
      for (let i = 0; i < 40; i++) stalled.send(JSON.stringify({ id: i, method: 'getVectors', req: { bdf } }));
      await expect.poll(() => lines.find((l) => l.startsWith('dropped')), { timeout: 90000, interval: 100 })
        .toMatch(/^dropped a WebSocket connection: \d+\.\d MiB unsent \(the page stopped reading\)/);
      expect(await call(reader, { id: 99, method: 'getLab', req: {} })).toMatchObject({ id: 99, result: { ok: true } });
      reader.close();
      stalled.terminate();
    } finally {
      await srv.close();
      await big.close();
    }
  }, 150_000);
});

describe('serve: message size', () => {
  const body = (bytes: number) => `data:image/png;base64,${'A'.repeat(bytes)}`;
  /** A report request of `total` bytes whose bdf is not a PCI address: validated, never acted on. */
  const report = (id: number, total: number) => {
    const shell = JSON.stringify({ id, method: 'createReport', req: { bdf: 'not-a-bdf', png: body(0) } });
    return JSON.stringify({ id, method: 'createReport', req: { bdf: 'not-a-bdf', png: body(total - shell.length) } });
  };

  it('takes a request as long as the contract allows (a report with the page\'s picture); a longer one closes that connection (1009), not the server', async () => {
    const url = `ws://127.0.0.1:${server.port}/api?token=${server.token}`;
    const origin = `http://127.0.0.1:${server.port}`;
    const ws = await connect(url, origin);
    try {
      // 1.5 MiB: a 1280×800 page at device pixel ratio 2 (the limit was 1 MiB, and such a report closed the connection).
      for (const [id, total] of [[1, 1.5 * (1 << 20)], [2, MAX_REQUEST_BYTES]] as const) {
        const msg = report(id, total);
        expect(msg.length).toBe(total);
        const r = await call(ws, msg);
        expect(r).toMatchObject({ kind: 'reply', id, result: { ok: false, error: { op: 'request createReport' } } });
        if (r.kind === 'reply' && !r.result.ok) expect(r.result.error.message).toContain('request.bdf should be a PCI address');
      }
    } finally {
      ws.close();
    }
    const over = await connect(url, origin);
    const closed = new Promise<number>((resolve) => over.once('close', (code) => resolve(code)));
    over.send(report(3, MAX_REQUEST_BYTES + 1));
    expect(await closed).toBe(1009);
    // Only that connection: the server goes on answering (its 'error' event once ended the process).
    const again = await connect(url, origin);
    try {
      expect(await call(again, { id: 4, method: 'getLab', req: {} })).toMatchObject({ id: 4, result: { ok: true } });
    } finally {
      again.close();
    }
  });
});

describe('serve: the vector table on the wire', () => {
  it('travels in the compact wire form, and decodes to the core\'s own answer', async () => {
    const sim = new LabSession(await openSimLab({ scenario: 'arm64-its-smmuv3', params: {}, reason: 'test' }), { autoStart: false });
    const srv = await startServer({ session: sim, staticDir: dir });
    try {
      const page = await get(srv.url);
      const ws = await connect(`ws://127.0.0.1:${srv.port}/api?token=${srv.token}`, `http://127.0.0.1:${srv.port}`);
      const bdf = '0000:01:00.0';
      const m = await call(ws, { id: 1, method: 'getVectors', req: { bdf } });
      ws.close();
      expect(page.status).toBe(200);
      expect(m.kind === 'reply' && m.result.ok && isWireVectors(m.result.value)).toBe(true);
      const direct = await sim.api.getVectors({ bdf });
      expect(direct.ok && direct.value.vectors.length).toBeGreaterThan(10);
      // Two reads of the same table differ only in when each value was read.
      expect(m.kind === 'reply' && readTimesZeroed(decodeReply('getVectors', m.result))).toEqual(readTimesZeroed(direct));
    } finally {
      await srv.close();
      await sim.close();
    }
  });

  it('compresses what it sends (permessage-deflate), and still answers a client that does not', async () => {
    const sim = new LabSession(await openSimLab({ scenario: 'arm64-its-smmuv3', params: {}, reason: 'test' }), { autoStart: false });
    const srv = await startServer({ session: sim, staticDir: dir });
    const origin = `http://127.0.0.1:${srv.port}`;
    const url = `ws://127.0.0.1:${srv.port}/api?token=${srv.token}`;
    /** The reply to getVectors, and the bytes that crossed the TCP connection for it. */
    async function table(deflate: boolean) {
      let sock: net.Socket | undefined;
      const ws = new WebSocket(url, { origin, perMessageDeflate: deflate, createConnection: (o) => (sock = net.connect(o as net.NetConnectOpts)) });
      await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
      const before = sock!.bytesRead;
      const m = await call(ws, { id: 1, method: 'getVectors', req: { bdf: '0000:01:00.0' } });
      const bytes = sock!.bytesRead - before;
      const extensions = ws.extensions;
      ws.close();
      return { m, bytes, extensions };
    }
    try {
      const packed = await table(true);
      const plain = await table(false);
      expect(packed.extensions).toContain('permessage-deflate');
      expect(plain.extensions).toBe('');
      const json = JSON.stringify(plain.m).length;
      expect(json).toBeGreaterThan(10_000);
      // A plain client reads the JSON and a frame header; a deflating one a fraction of it.
      expect(plain.bytes).toBeGreaterThanOrEqual(json);
      expect(packed.bytes).toBeLessThan(json / 3);
      expect(readTimesZeroed(decodeReply('getVectors', (packed.m as Extract<WireMessage, { kind: 'reply' }>).result)))
        .toEqual(readTimesZeroed(decodeReply('getVectors', (plain.m as Extract<WireMessage, { kind: 'reply' }>).result)));
    } finally {
      await srv.close();
      await sim.close();
    }
  });

  it('pushes a tick\'s counts in their wire form, which decodes to the session\'s own delta', async () => {
    const lab = createSimLab({ scenario: 'arm64-its-smmuv3', reason: 'test' });
    const sim = new LabSession(lab, { autoStart: false });
    const srv = await startServer({ session: sim, staticDir: dir });
    try {
      await get(srv.url);
      const ws = await connect(`ws://127.0.0.1:${srv.port}/api?token=${srv.token}`, `http://127.0.0.1:${srv.port}`);
      const got = new Promise<WireMessage>((resolve) => ws.on('message', (data) => { const m = JSON.parse(String(data)) as WireMessage; if (m.kind === 'event' && m.event.type === 'counts') resolve(m); }));
      await sim.tick();
      lab.advance(2000);
      const d = (await sim.tick())!;
      const m = await got;
      ws.close();
      expect(m.kind === 'event' && m.event.type === 'counts' && m.event.delta.wire).toBe(COUNTS_WIRE);
      expect(m.kind === 'event' && decodeEvent(m.event)).toEqual({ type: 'counts', delta: JSON.parse(JSON.stringify(d)) });
    } finally {
      await srv.close();
      await sim.close();
    }
  });
});

describe('serve: a page left open across a restart', () => {
  it('answers the probe 204 with the token, and the same 401 as any page without it (stale or none)', async () => {
    const probe = `http://127.0.0.1:${server.port}/api/ping`;
    const withToken = await get(`${probe}?token=${server.token}`);
    expect(withToken.status).toBe(204);
    expect(withToken.body).toBe('');
    const cookie = String(withToken.headers['set-cookie']).split(';')[0]!;
    expect((await get(probe, { cookie })).status).toBe(204);
    const page401 = await get(`http://127.0.0.1:${server.port}/`);
    for (const r of [await get(probe), await get(`${probe}?token=${'x'.repeat(32)}`), await get(probe, { cookie: `doorbell_token=${'y'.repeat(32)}` })]) {
      expect(r.status).toBe(401);
      // Nothing beyond "token not valid" for a caller without it.
      expect(r.body).toBe(page401.body);
    }
  });

  it('a new run on the same port refuses the old token: upgrade 403 (unreadable in a browser), probe 401', async () => {
    const first = await startServer({ session, staticDir: dir });
    const port = first.port;
    const old = first.token;
    await first.close();
    const second = await startServer({ session, staticDir: dir, port });
    try {
      expect(second.token).not.toBe(old);
      await expect(connect(`ws://127.0.0.1:${port}/api?token=${old}`, `http://127.0.0.1:${port}`)).rejects.toThrow(/403/);
      expect((await get(`http://127.0.0.1:${port}/api/ping?token=${old}`)).status).toBe(401);
      expect((await get(`http://127.0.0.1:${port}/api/ping?token=${second.token}`)).status).toBe(204);
    } finally {
      await second.close();
    }
  });
});

/**
 * A core that answers strictly in the order it is handed requests (the worst case for fairness),
 * held shut until the test opens it; it records the order it answered in.
 */
function serialCore() {
  let open!: () => void;
  const gate = new Promise<void>((r) => { open = r; });
  let tail: Promise<unknown> = gate;
  const handed: string[] = [];
  const answered: string[] = [];
  const core = {
    onEvent: () => () => {},
    dispatch(method: unknown, req: unknown) {
      const tag = (req as { tag: string }).tag;
      handed.push(tag);
      const done = tail.then(() => { answered.push(tag); return { ok: true, value: { method, tag } }; });
      tail = done;
      return done;
    },
  };
  return { session: core as unknown as LabSession, open, handed, answered };
}

const pong = (ws: WebSocket) => new Promise<void>((r) => { ws.once('pong', () => r()); ws.ping(); });

describe('serve: fairness between pages', () => {
  it('another page\'s request waits behind at most 2 × MAX_IN_FLIGHT of a flooding page\'s, and the flood is all answered in order', async () => {
    const core = serialCore();
    const srv = await startServer({ session: core.session, staticDir: dir });
    const url = `ws://127.0.0.1:${srv.port}/api?token=${srv.token}`;
    const origin = `http://127.0.0.1:${srv.port}`;
    const flooder = await connect(url, origin);
    // No deflate: its send is written to the socket at once (the kernel holds it for the server).
    const other = new WebSocket(url, { origin, perMessageDeflate: false });
    await new Promise((r) => other.once('open', r));
    try {
      const replies: number[] = [];
      const all = new Promise<void>((resolve) => flooder.on('message', (d) => {
        const m = JSON.parse(String(d)) as WireMessage;
        if (m.kind === 'reply' && replies.push(m.id) === 1000) resolve();
      }));
      for (let i = 0; i < 1000; i++) flooder.send(JSON.stringify({ id: i, method: 'runChecks', req: { tag: `a${i}` } }));
      // A ping is answered after every frame before it has been read: the server holds all 1000.
      await pong(flooder);
      // The other page asks just as the core starts on the flood: its request is on the server's
      // socket, unread. The core answers without I/O, as the real one mostly does (synchronous
      // reads), so the server reads it only if it lets the event loop turn between the flooder's requests.
      const mine = call(other, { id: 1, method: 'getLab', req: { tag: 'b' } });
      core.open();
      expect(await mine).toMatchObject({ id: 1, result: { ok: true, value: { tag: 'b' } } });
      await all;
      // Those in the core when it arrived, and those that took their slots before the server's
      // next read of the sockets: never more (it was all 1000).
      const before = core.answered.indexOf('b');
      expect(before).toBeGreaterThanOrEqual(0);
      expect(before).toBeLessThanOrEqual(2 * MAX_IN_FLIGHT);
      // Nothing of the flood is lost or reordered.
      expect(replies).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      expect(core.answered.filter((t) => t !== 'b')).toEqual(Array.from({ length: 1000 }, (_, i) => `a${i}`));
    } finally {
      flooder.close();
      other.close();
      await srv.close();
    }
  });

  it('refuses a request past the waiting limit with an error naming both limits; what waits when the page goes is never run', async () => {
    const core = serialCore();
    const lines: string[] = [];
    const srv = await startServer({ session: core.session, staticDir: dir, maxInFlight: 2, maxWaiting: 3, log: (l) => lines.push(l) });
    const url = `ws://127.0.0.1:${srv.port}/api?token=${srv.token}`;
    const origin = `http://127.0.0.1:${srv.port}`;
    const ws = await connect(url, origin);
    try {
      for (let i = 0; i < 5; i++) ws.send(JSON.stringify({ id: i, method: 'runChecks', req: { tag: `a${i}` } }));
      const refused = await call(ws, { id: 5, method: 'runChecks', req: { tag: 'a5' } });
      expect(refused).toMatchObject({ kind: 'reply', id: 5, result: { ok: false, error: { op: 'request runChecks' } } });
      if (refused.kind === 'reply' && !refused.result.ok) {
        expect(refused.result.error.message).toBe('this page already has 5 requests running or waiting on the Doorbell server (at most 2 run at once for one page and 3 wait behind them)');
        expect(refused.result.error.hint).toMatch(/^Wait for replies/);
      }
      expect(core.handed).toEqual(['a0', 'a1']);
      ws.close();
      await expect.poll(() => lines.find((l) => l.startsWith('closed a WebSocket connection with')))
        .toBe('closed a WebSocket connection with 3 requests not yet run; they are dropped (the page has answered them with an error)');
      core.open();
      await expect.poll(() => core.answered).toEqual(['a0', 'a1']);
      expect(core.handed).toEqual(['a0', 'a1']);
    } finally {
      await srv.close();
    }
  });
});
