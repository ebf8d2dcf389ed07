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
  it('hands the reason to the lab store, and the status bar shows it', async () => {
    const why = { op: 'connection', message: 'the Doorbell server at h refuses this page\'s token (401)', hint: 'Open the URL the new `doorbell serve` printed.' };
    const client: LabClient = {
      transport: 'websocket',
      call: async () => ({ ok: false, error: why }),
      onEvent: () => () => {},
      onConnection: (l) => { l(false, why); return () => {}; },
    };
    setLabClient(client);
    try {
      setActivePinia(createPinia());
      const w = mount(App, { attachTo: document.body });
      await settle();
      expect(useLabStore().connectionLost).toEqual(why);
      expect(w.get('[data-testid="connection-lost"]').text()).toBe(`disconnected: ${why.message}. ${why.hint}`);
      w.unmount();
    } finally {
      setLabClient(null);
    }
  });
});
