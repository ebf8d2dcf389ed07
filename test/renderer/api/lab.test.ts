// SPDX-License-Identifier: MIT
// The page's serve-mode client over a stand-in WebSocket: what is asked before the socket opens is
// sent in order once it does (a prefetched table first), nothing asked on a dead connection runs
// on a later one, prefetched replies are handed out once, and wire-form tables are decoded.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { electronClient, lab, prefetch, setLabClient, websocketClient, type TokenProbe } from '../../../renderer/src/api/lab.js';
import type { LabError } from '../../../common/errors.js';
import { MAX_REQUEST_BYTES, type DoorbellBridge } from '../../../common/ipc/contract.js';
import { encodeEvent, encodeReply } from '../../../common/ipc/wire.js';
import { sumMax } from '../../../common/model/index.js';
import type { LabEvent } from '../../../common/ipc/contract.js';
import type { VectorTable } from '../../../common/ipc/contract.js';

class FakeSocket {
  static all: FakeSocket[] = [];
  sent: { id: number; method: string; req: unknown }[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) { FakeSocket.all.push(this); }
  send(s: string) { this.sent.push(JSON.parse(s) as { id: number; method: string; req: unknown }); }
  open() { this.onopen?.(); }
  reply(id: number, result: unknown) { this.onmessage?.({ data: JSON.stringify({ kind: 'reply', id, result }) }); }
  event(event: unknown) { this.onmessage?.({ data: JSON.stringify({ kind: 'event', event }) }); }
  close() { this.onclose?.(); }
}

const realWs = globalThis.WebSocket;
function useFakeSockets(): void {
  FakeSocket.all = [];
  (globalThis as { WebSocket: unknown }).WebSocket = FakeSocket;
}
afterEach(() => { (globalThis as { WebSocket: unknown }).WebSocket = realWs; setLabClient(null); });

const table: VectorTable = {
  bdf: '0000:01:00.0', notes: [], window: { first: 0, total: 2048 },
  vectors: [{
    index: 0, kind: 'msix', irq: 24, chip: 'ITS-PCI-MSIX-0000:01:00.0', hwirq: 0, domainChain: { ok: false, why: 'no debugfs' }, controller: 'gic-its',
    actions: [], message: { ok: true, value: { address: '0x8000040', data: 0 }, from: { source: 'sim', at: 1 } }, cachedMessage: { ok: false, why: 'no debugfs' },
    masked: { ok: true, value: false, from: { source: 'sim', at: 1 } }, decoded: { kind: 'its', doorbell: '0x8000040', eventId: 0 }, eventfd: 'assigned',
    affinity: { ok: true, value: [0, 1, 2, 3], from: { source: 'sim', at: 1 } }, effective: { ok: true, value: [2], from: { source: 'sim', at: 1 } },
    pending: false, counts: { ok: true, value: [0, 0, 5, 0], from: { source: 'sim', at: 1 } },
  }],
};

describe('renderer/src/api websocket client', () => {
  it('sends what was asked before the socket opened, in order, before the connection listeners\' own calls', async () => {
    useFakeSockets();
    const c = websocketClient();
    const ws = FakeSocket.all[0]!;
    const a = c.call('getVectors', { bdf: '0000:01:00.0', count: 64 });
    const b = c.call('getLab', {});
    c.onConnection((up) => { if (up) void c.call('listDevices', {}); });
    expect(ws.sent).toEqual([]);
    ws.open();
    expect(ws.sent.map((m) => m.method)).toEqual(['getVectors', 'getLab', 'listDevices']);
    ws.reply(ws.sent[0]!.id, encodeReply('getVectors', { ok: true, value: table }));
    ws.reply(ws.sent[1]!.id, { ok: true, value: { title: 't' } });
    // The wire form is decoded: the page sees the model.
    expect(await a).toEqual({ ok: true, value: JSON.parse(JSON.stringify(table)) });
    expect(await b).toEqual({ ok: true, value: { title: 't' } });
  });

  it('answers every call on a connection that closed with an error, and never sends it on the next one', async () => {
    useFakeSockets();
    const c = websocketClient({ probe: async () => 'unreachable' });
    const first = FakeSocket.all[0]!;
    const move = c.call('setAffinity', { bdf: '0000:01:00.0', index: 0, cpus: '1' });
    first.close();
    const r = await move;
    expect(r.ok).toBe(false);
    await new Promise((res) => setTimeout(res, 300)); // the client reconnects by itself
    const second = FakeSocket.all[1]!;
    second.open();
    expect(second.sent).toEqual([]);
  });

  it('refuses a request longer than the server takes, without sending it, and the connection carries on', async () => {
    useFakeSockets();
    const c = websocketClient();
    const ws = FakeSocket.all[0]!;
    ws.open();
    const lab = c.call('getLab', {});
    const png = `data:image/png;base64,${'A'.repeat(MAX_REQUEST_BYTES)}`;
    const r = await c.call('createReport', { png });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.op).toBe('request createReport');
      expect(r.error.message).toMatch(/^the request is 32\.1 MiB, more than the 32\.1 MiB the Doorbell server takes in one message$/);
      expect(r.error.hint).toMatch(/make the window smaller/);
    }
    // Only getLab went out; it is still answered.
    expect(ws.sent.map((m) => m.method)).toEqual(['getLab']);
    ws.reply(ws.sent[0]!.id, { ok: true, value: { title: 't' } });
    expect(await lab).toEqual({ ok: true, value: { title: 't' } });
    // One just under the limit goes out.
    const shell = JSON.stringify({ id: 3, method: 'createReport', req: { png: 'data:image/png;base64,' } });
    void c.call('createReport', { png: `data:image/png;base64,${'A'.repeat(MAX_REQUEST_BYTES - shell.length)}` });
    expect(ws.sent.map((m) => m.method)).toEqual(['getLab', 'createReport']);
  });

  it('hands a prefetched reply to the first call that asks for it, once', async () => {
    useFakeSockets();
    (window as { doorbell?: unknown }).doorbell = undefined;
    setLabClient(websocketClient());
    const ws = FakeSocket.all[0]!;
    prefetch('getVectors', { bdf: '0000:01:00.0', count: 64 });
    ws.open();
    expect(ws.sent).toHaveLength(1);
    ws.reply(ws.sent[0]!.id, encodeReply('getVectors', { ok: true, value: table }));
    const got = await lab().call('getVectors', { bdf: '0000:01:00.0', count: 64 });
    expect(got.ok && got.value.window).toEqual({ first: 0, total: 2048 });
    expect(ws.sent).toHaveLength(1); // not asked again
    void lab().call('getVectors', { bdf: '0000:01:00.0', count: 64 });
    expect(ws.sent).toHaveLength(2); // a second call is a new request
    // A different request is never answered from the prefetch.
    prefetch('getVectors', { bdf: '0000:01:00.0', count: 64 });
    void lab().call('getVectors', { bdf: '0000:02:00.0', count: 64 });
    expect(ws.sent.map((m) => (m.req as { bdf: string }).bdf)).toEqual(['0000:01:00.0', '0000:01:00.0', '0000:01:00.0', '0000:02:00.0']);
  });

  it('decodes a tick\'s counts from their wire form for every listener', () => {
    useFakeSockets();
    const c = websocketClient();
    const ws = FakeSocket.all[0]!;
    ws.open();
    const seen: LabEvent[] = [];
    c.onEvent((e) => seen.push(e));
    const delta = { mono: 2, at: 3, intervalMs: 250, changed: { 40: new Array<number>(512).fill(0).map((_, i) => (i === 7 ? 99 : 0)) }, rates: { 40: new Array<number>(512).fill(0).map((_, i) => (i === 7 ? 4 : 0)) } };
    ws.event(encodeEvent({ type: 'counts', delta }));
    ws.event({ type: 'status', paused: true, intervalMs: 1000 });
    expect(seen).toEqual([{ type: 'counts', delta }, { type: 'status', paused: true, intervalMs: 1000 }]);
    const got = seen[0]!.type === 'counts' ? seen[0]!.delta : null;
    expect(sumMax(got!.rates[40])).toEqual({ sum: 4, max: 4 });
  });
});

/** Let the client's probe and its promise chain settle (no timers involved). */
const flush = async () => { for (let i = 0; i < 10; i++) await Promise.resolve(); };

describe('renderer/src/api websocket client: server down or restarted', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('says the token is stale when the server answers the probe 401, stops reconnecting, and answers calls with what to do', async () => {
    vi.useFakeTimers();
    useFakeSockets();
    const probes: string[] = [];
    let verdict: Awaited<ReturnType<TokenProbe>> = 'unreachable';
    const c = websocketClient({ probe: async () => { probes.push(verdict); return verdict; } });
    const seen: [boolean, LabError | undefined][] = [];
    c.onConnection((up, why) => seen.push([up, why]));
    FakeSocket.all[0]!.open();
    const inFlight = c.call('getLab', {});
    // serve stops: the page is told, and tries again while nothing answers.
    FakeSocket.all[0]!.close();
    expect(await inFlight).toMatchObject({ ok: false, error: { op: 'connection' } });
    await flush();
    await vi.advanceTimersByTimeAsync(250);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.close();
    await flush();
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeSocket.all).toHaveLength(3);
    // serve is back with a new token: the upgrade fails as before, but the probe says 401.
    verdict = 'stale';
    const waiting = c.call('listDevices', {});
    FakeSocket.all[2]!.close();
    const r = await waiting;
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.op).toBe('request listDevices');
      expect(r.error.message).toBe(`the Doorbell server at ${window.location.host} refuses this page's token (401): \`doorbell serve\` has been restarted since the page was opened, and each run has a new token`);
      expect(r.error.hint).toBe('Open the URL the new `doorbell serve` printed (…/?token=…); this page has stopped reconnecting.');
    }
    expect(seen.at(-1)).toEqual([false, expect.objectContaining({ op: 'connection', message: expect.stringContaining('refuses this page\'s token (401)') })]);
    // No more attempts, however long the page stays open; calls fail at once with the same words.
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(FakeSocket.all).toHaveLength(3);
    expect(probes).toEqual(['unreachable', 'unreachable', 'stale']);
    const later = await c.call('getLab', {});
    expect(later).toMatchObject({ ok: false, error: { op: 'request getLab', hint: expect.stringMatching(/^Open the URL the new `doorbell serve` printed/) } });
    expect(FakeSocket.all).toHaveLength(3);
    // A listener that comes later hears it too.
    const late: [boolean, LabError | undefined][] = [];
    c.onConnection((up, why) => late.push([up, why]));
    expect(late).toEqual([[false, expect.objectContaining({ op: 'connection' })]]);
  });

  it('keeps retrying, backing off to once every 5 s, while the server is down or takes the token', async () => {
    vi.useFakeTimers();
    useFakeSockets();
    const verdicts: Awaited<ReturnType<TokenProbe>>[] = ['unreachable', 'valid', 'unreachable', 'unreachable', 'unreachable', 'unreachable', 'unreachable', 'unreachable'];
    const seen: boolean[] = [];
    const c = websocketClient({ probe: async () => verdicts.shift() ?? 'unreachable' });
    c.onConnection((up, why) => { seen.push(up); expect(why).toBeUndefined(); });
    const gaps: number[] = [];
    for (let i = 0; i < 8; i++) {
      FakeSocket.all.at(-1)!.close();
      await flush();
      const n = FakeSocket.all.length;
      let waited = 0;
      while (FakeSocket.all.length === n) { await vi.advanceTimersByTimeAsync(250); waited += 250; }
      gaps.push(waited);
    }
    expect(gaps).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
    FakeSocket.all.at(-1)!.open();
    expect(seen.at(-1)).toBe(true);
    const r = c.call('getLab', {});
    expect(FakeSocket.all.at(-1)!.sent.map((m) => m.method)).toEqual(['getLab']);
    FakeSocket.all.at(-1)!.reply(FakeSocket.all.at(-1)!.sent[0]!.id, { ok: true, value: { title: 't' } });
    expect(await r).toEqual({ ok: true, value: { title: 't' } });
  });

  it('probes GET /api/ping with the page\'s token: 401 is stale, 2xx valid, anything else or no answer unreachable', async () => {
    vi.useFakeTimers();
    useFakeSockets();
    const realFetch = globalThis.fetch;
    const asked: string[] = [];
    const answers: (number | Error)[] = [401, 204, 404, new TypeError('Failed to fetch')];
    globalThis.fetch = (async (input: RequestInfo | URL) => {
      asked.push(String(input));
      const a = answers.shift()!;
      if (a instanceof Error) throw a;
      return new Response(null, { status: a });
    }) as typeof fetch;
    const before = window.location.href;
    window.history.replaceState(null, '', '/?token=a%2Bb');
    try {
      const seen: (LabError | undefined)[] = [];
      // Four clients whose first connection fails; their probes are answered 401, 204, 404, no answer.
      for (const expectStale of [true, false, false, false]) {
        const c = websocketClient();
        c.onConnection((up, why) => { if (!up) seen.push(why); });
        FakeSocket.all.at(-1)!.close();
        await flush();
        expect(seen.at(-1) !== undefined).toBe(expectStale);
      }
      expect(asked).toEqual(['/api/ping?token=a%2Bb', '/api/ping?token=a%2Bb', '/api/ping?token=a%2Bb', '/api/ping?token=a%2Bb']);
    } finally {
      globalThis.fetch = realFetch;
      window.history.replaceState(null, '', before);
    }
  });
});

describe('renderer/src/api electron client', () => {
  it('subscribes to the bridge once, decodes each event once for every listener, and lets go when the last one leaves', () => {
    const bridgeListeners = new Set<(e: unknown) => void>();
    const bridge = { onEvent: (l: (e: unknown) => void) => { bridgeListeners.add(l); return () => bridgeListeners.delete(l); } } as unknown as DoorbellBridge;
    const c = electronClient(bridge);
    const a: LabEvent[] = [], b: LabEvent[] = [];
    const offA = c.onEvent((e) => a.push(e));
    const offB = c.onEvent((e) => b.push(e));
    expect(bridgeListeners.size).toBe(1);
    const delta = { mono: 2, at: 3, intervalMs: 250, changed: { 40: [0, 5] }, rates: { 40: [0, 1] } };
    for (const l of bridgeListeners) l(structuredClone(encodeEvent({ type: 'counts', delta })));
    expect(a).toEqual([{ type: 'counts', delta }]);
    expect(b[0]).toBe(a[0]); // one decode, shared
    offA();
    expect(bridgeListeners.size).toBe(1);
    offB();
    expect(bridgeListeners.size).toBe(0);
  });
});

