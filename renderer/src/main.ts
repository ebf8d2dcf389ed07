// SPDX-License-Identifier: MIT
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { prefetch } from './api/lab.js';
import { parseHash } from './stores/ui.js';
import { firstWindow } from './stores/device.js';
import { charWidths } from './components/charwidth.js';
import './styles.css';

// Ask for the first rows of the device the URL names before the app mounts (see prefetch).
// The lab's own read (stores/lab.ts, load) leaves with them: the first rows are drawn with it.
const at = parseHash(window.location.hash);
if (at?.view === 'device' && at.bdf) {
  prefetch('getVectors', firstWindow(at.bdf));
  for (const m of ['getLab', 'getCpus', 'listIommus', 'listGroups', 'listDevices'] as const) prefetch(m, {});
}

// The table's character widths, measured while the page is empty (see charwidth.ts).
charWidths();

createApp(App).use(createPinia()).mount('#app');
