// SPDX-License-Identifier: MIT
// The status bar over serve mode's real client and a stand-in WebSocket: a page whose server was
// restarted (its token now refused) says so and what to do, where it used to read "disconnected".
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import { nextTick } from 'vue';
import { createPinia, setActivePinia } from 'pinia';
import StatusBar from '../../../renderer/src/components/StatusBar.vue';
import { useLabStore } from '../../../renderer/src/stores/lab.js';
import { lab, setLabClient, websocketClient, type TokenProbe } from '../../../renderer/src/api/lab.js';

class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) { FakeSocket.all.push(this); }
  send() {}
  close() { this.onclose?.(); }
}
const realWs = globalThis.WebSocket;
afterEach(() => { (globalThis as { WebSocket: unknown }).WebSocket = realWs; setLabClient(null); vi.useRealTimers(); });

const flush = async () => { for (let i = 0; i < 10; i++) await Promise.resolve(); };

describe('StatusBar: the connection', () => {
  it('reads "disconnected" while the server is down, and says the token is stale and what to do once the server refuses it', async () => {
    vi.useFakeTimers();
    FakeSocket.all = [];
    (globalThis as { WebSocket: unknown }).WebSocket = FakeSocket;
    let verdict: Awaited<ReturnType<TokenProbe>> = 'unreachable';
    setLabClient(websocketClient({ probe: async () => verdict }));
    setActivePinia(createPinia());
    const s = useLabStore();
    // What App.vue does with the connection.
    lab().onConnection((c, why) => s.setConnected(c, why));
    const w = mount(StatusBar);
    FakeSocket.all[0]!.onopen!();
    await nextTick();
    expect(w.text()).toContain('connected (websocket)');
    FakeSocket.all[0]!.close();
    await flush();
    await nextTick();
    expect(w.text()).toContain('disconnected (websocket)');
    expect(w.find('[data-testid="connection-lost"]').exists()).toBe(false);
    await vi.advanceTimersByTimeAsync(250);
    verdict = 'stale';
    FakeSocket.all[1]!.close();
    await flush();
    await nextTick();
    // Short, pointing at App's banner (the alert); the whole reason and what to do in its tooltip.
    const lost = w.get('[data-testid="connection-lost"]');
    expect(lost.text()).toBe('disconnected: this page has stopped reconnecting (see the top of the page)');
    expect(lost.attributes('title')).toBe(`the Doorbell server at ${window.location.host} refuses this page's token (401): \`doorbell serve\` has been restarted since the page was opened, and each run has a new token. Open the URL the new \`doorbell serve\` printed (…/?token=…); this page has stopped reconnecting.`);
    expect(s.connectionLost?.hint).toContain('Open the URL the new `doorbell serve` printed');
    w.unmount();
  });
});
