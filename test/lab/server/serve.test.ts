// SPDX-License-Identifier: MIT
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../../lab/server/serve.js';
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
