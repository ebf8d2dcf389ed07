// SPDX-License-Identifier: MIT
import { describe, expect, it, vi } from 'vitest';
import { bindLabApi, forwardEvents, isTrustedSender } from '../../../../electron/main/ipc/handle.js';
import { LAB_METHODS, EVENT_CHANNEL, type LabEvent } from '../../../../common/ipc/contract.js';
import { LabSession } from '../../../../lab/session.js';
import { fakeBackend } from '../../../helpers/fake-backend.js';
import { openSimLab } from '../../../../lab/sim/index.js';
import { COUNTS_WIRE, decodeEvent, decodeReply, isWireVectors } from '../../../../common/ipc/wire.js';
import { readTimesZeroed } from '../../../helpers/read-times.js';

const PAGE = 'file:///opt/doorbell/out/renderer/index.html';

function fakeIpcMain() {
  const handlers = new Map<string, (event: unknown, req: unknown) => Promise<unknown>>();
  return {
    handlers,
    handle: vi.fn((ch: string, h: (event: unknown, req: unknown) => Promise<unknown>) => handlers.set(ch, h)),
    removeHandler: vi.fn((ch: string) => handlers.delete(ch)),
  };
}

function event(senderId: number, url = PAGE, parent: unknown = null) {
  return { sender: { id: senderId }, senderFrame: { url, parent } };
}

describe('electron/main/ipc/handle', () => {
  it('binds one lab:<method> handler per LabApi method and nothing else', () => {
    const ipc = fakeIpcMain();
    const s = new LabSession(fakeBackend(), { autoStart: false });
    const unbind = bindLabApi(ipc as never, s, new Set([1]), () => PAGE);
    expect([...ipc.handlers.keys()].sort()).toEqual(LAB_METHODS.map((m) => `lab:${m}`).sort());
    unbind();
    expect(ipc.handlers.size).toBe(0);
  });

  it('dispatches requests from the trusted window to the validated core', async () => {
    const ipc = fakeIpcMain();
    const s = new LabSession(fakeBackend(), { autoStart: false });
    bindLabApi(ipc as never, s, new Set([1]), () => PAGE);
    const r = await ipc.handlers.get('lab:getLab')!(event(1), {});
    expect(r).toMatchObject({ ok: true, value: { title: 'transport test lab' } });
    const bad = await ipc.handlers.get('lab:getVectors')!(event(1), { bdf: 42 });
    expect(bad).toMatchObject({ ok: false, error: { op: 'request getVectors' } });
  });

  it('sends the vector table in its compact wire form, which decodes to the core\'s own answer', async () => {
    const ipc = fakeIpcMain();
    const s = new LabSession(await openSimLab({ scenario: 'x86-vtd-ir', params: {}, reason: 'test' }), { autoStart: false });
    bindLabApi(ipc as never, s, new Set([1]), () => PAGE);
    const bdf = ((await s.api.listDevices({})) as { ok: true; value: { bdf: string; vectorCount: number }[] }).value.find((d) => d.vectorCount > 0)!.bdf;
    const r = (await ipc.handlers.get('lab:getVectors')!(event(1), { bdf })) as { ok: true; value: unknown };
    expect(isWireVectors(r.value)).toBe(true);
    // Two reads of the same table differ only in when each value was read.
    expect(readTimesZeroed(decodeReply('getVectors', r))).toEqual(readTimesZeroed(await s.api.getVectors({ bdf })));
    await s.close();
  });

  it.each([
    ['an unknown webContents', event(2)],
    ['a subframe', event(1, PAGE, { url: PAGE })],
    ['another page in our window', event(1, 'https://evil.example/')],
  ])('refuses requests from %s', async (_what, ev) => {
    const ipc = fakeIpcMain();
    const b = fakeBackend();
    const s = new LabSession(b, { autoStart: false });
    bindLabApi(ipc as never, s, new Set([1]), () => PAGE);
    const r = await ipc.handlers.get('lab:getLab')!(ev, {});
    expect(r).toMatchObject({ ok: false, error: { message: expect.stringContaining('did not come from the Doorbell window') } });
    expect(b.calls).not.toContain('info');
  });

  it('gives createReport the window\'s own capture, and no other method', async () => {
    const ipc = fakeIpcMain();
    const seen: unknown[] = [];
    const core = { dispatch: vi.fn(async (m: unknown, _r: unknown, ctx?: { capturePng?: () => Promise<Uint8Array> }) => { seen.push([m, ctx?.capturePng ? await ctx.capturePng() : null]); return { ok: true as const, value: null }; }), onEvent: () => () => {} };
    bindLabApi(ipc as never, core, new Set([1]), () => PAGE);
    const png = Buffer.from([0x89, 0x50]);
    const ev = { ...event(1), sender: { id: 1, capturePage: async () => ({ toPNG: () => png }) } };
    await ipc.handlers.get('lab:createReport')!(ev, {});
    await ipc.handlers.get('lab:getLab')!(ev, {});
    expect(seen).toEqual([['createReport', new Uint8Array(png)], ['getLab', null]]);
  });

  it('isTrustedSender ignores the URL fragment (the renderer keeps its view in the hash)', () => {
    expect(isTrustedSender(event(1, `${PAGE}#/device/0000:00:02.0`) as never, new Set([1]), PAGE)).toBe(true);
  });

  it('forwards lab events to the window on the single event channel', () => {
    const s = new LabSession(fakeBackend(), { autoStart: false });
    const contents = { isDestroyed: () => false, send: vi.fn() };
    forwardEvents(s, contents as never);
    const e: LabEvent = { type: 'status', paused: true, intervalMs: 1000 };
    (s as unknown as { emit(e: LabEvent): void }).emit(e);
    expect(contents.send).toHaveBeenCalledWith(EVENT_CHANNEL, e);
  });

  it('sends a tick\'s counts in their wire form, which decodes to the session\'s own delta', async () => {
    const sim = (await openSimLab({ scenario: 'arm64-its-smmuv3', params: {}, reason: 'test' })) as Awaited<ReturnType<typeof openSimLab>> & { advance(ms: number): void };
    const s = new LabSession(sim, { autoStart: false });
    const contents = { isDestroyed: () => false, send: vi.fn() };
    forwardEvents(s, contents as never);
    await s.tick();
    sim.advance(2000);
    const d = (await s.tick())!;
    expect(Object.keys(d.changed).length).toBeGreaterThan(0);
    const [channel, sent] = contents.send.mock.calls.at(-1)!;
    expect(channel).toBe(EVENT_CHANNEL);
    expect((sent as { delta: { wire?: string } }).delta.wire).toBe(COUNTS_WIRE);
    expect(decodeEvent(structuredClone(sent))).toEqual({ type: 'counts', delta: d });
    await s.close();
  });
});
