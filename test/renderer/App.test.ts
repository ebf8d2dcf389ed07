// SPDX-License-Identifier: MIT
import { afterEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import App from '../../renderer/src/App.vue';
import { createPinia, setActivePinia } from 'pinia';
import { useLogStore } from '../../renderer/src/stores/log.js';
import { useLabStore } from '../../renderer/src/stores/lab.js';
import { setLabClient, type LabClient } from '../../renderer/src/api/lab.js';
import { install, settle, sim, type Installed } from './helpers.js';

let lab: Installed | null = null;
afterEach(async () => { await lab?.close(); lab = null; });

describe('App', () => {
  it('reads the lab and the kernel log once when it connects, not once per store that wants them', async () => {
    const b = sim();
    lab = install(b);
    const calls: string[] = [];
    const dispatch = lab.session.dispatch.bind(lab.session);
    lab.session.dispatch = (m, r, c) => { calls.push(String(m)); return dispatch(m, r, c); };
    const w = mount(App, { attachTo: document.body });
    await settle();
    const count = (m: string) => calls.filter((x) => x === m).length;
    expect(count('getKernelLog')).toBe(1);
    expect(count('getLab')).toBe(1);
    expect(useLogStore().ops).toEqual(b.kernelLog(0).slice(-5000));
    w.unmount();
  });
});

describe('App: a connection the transport gives up on', () => {
  const why = { op: 'connection', message: 'the Doorbell server at h refuses this page\'s token (401): `doorbell serve` has been restarted since the page was opened', hint: 'Open the URL the new `doorbell serve` printed.' };
  /** A client whose connection the test drives: what the WebSocket client reports as serve goes and comes. */
  function drivenClient() {
    const listeners = new Set<(c: boolean, w?: typeof why) => void>();
    const client: LabClient = {
      transport: 'websocket',
      call: async () => ({ ok: false, error: why }),
      onEvent: () => () => {},
      onConnection: (l) => { listeners.add(l); return () => listeners.delete(l); },
    };
    return { client, report: async (c: boolean, w?: typeof why) => { listeners.forEach((l) => l(c, w)); await settle(); } };
  }

  it('hands the reason to the lab store, and the status bar says so in short', async () => {
    const d = drivenClient();
    setLabClient(d.client);
    try {
      setActivePinia(createPinia());
      const w = mount(App, { attachTo: document.body });
      await d.report(false, why);
      expect(useLabStore().connectionLost).toEqual(why);
      const item = w.get('[data-testid="connection-lost"]');
      expect(item.text()).toBe('disconnected: this page has stopped reconnecting (see the top of the page)');
      expect(item.attributes('title')).toBe(`${why.message}. ${why.hint}`);
      w.unmount();
    } finally {
      setLabClient(null);
    }
  });

  it('a stale token puts a banner at the top of the page with the reason and what to do, only while disconnected', async () => {
    const d = drivenClient();
    setLabClient(d.client);
    try {
      setActivePinia(createPinia());
      const w = mount(App, { attachTo: document.body });
      const banner = () => w.find('[data-testid="connection-lost-banner"]');
      // Down but reconnecting by itself: no banner, the status bar's "disconnected" is enough.
      await d.report(false);
      expect(banner().exists()).toBe(false);
      await d.report(false, why);
      expect(banner().attributes('role')).toBe('alert');
      expect(banner().text().replace(/\s+/g, ' ')).toBe(`Disconnected from the Doorbell server. The Doorbell server at h refuses this page's token (401): \`doorbell serve\` has been restarted since the page was opened. ${why.hint}`);
      // Above the errors, the restore offer and the views: the first thing under the title bar.
      expect(w.get('header').element.nextElementSibling).toBe(banner().element);
      await d.report(true);
      expect(banner().exists()).toBe(false);
      expect(w.find('[data-testid="connection-lost"]').exists()).toBe(false);
      w.unmount();
    } finally {
      setLabClient(null);
    }
  });
});
