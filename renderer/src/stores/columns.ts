// SPDX-License-Identifier: MIT
// The vector table's columns, and which of them the user hid: a window narrower than the table
// (~1440 px) otherwise shows the live columns, where the interrupts land, only scrolled sideways.
import { defineStore, acceptHMRUpdate } from 'pinia';
import { computed, shallowRef, watch } from 'vue';
import { HISTORY } from './device.js';
import { store, stored } from './ui.js';

/** In table order, with the headings' tooltips (the chooser labels its boxes with both). */
const LIST = [
  { id: 'index', head: '#' },
  { id: 'irq', head: 'IRQ' },
  { id: 'chip', head: 'Chip' },
  { id: 'hwirq', head: 'hwirq' },
  { id: 'address', head: 'Address' },
  { id: 'data', head: 'Data' },
  { id: 'mask', head: 'Mask' },
  { id: 'decoded', head: 'Decoded target' },
  { id: 'eventfd', head: 'Eventfd' },
  { id: 'affinity', head: 'Affinity', title: 'smp_affinity_list: what was asked for' },
  { id: 'effective', head: 'Effective', title: 'effective_affinity_list: where the kernel delivers' },
  { id: 'count', head: 'Count', num: true },
  { id: 'rate', head: 'Rate/s', num: true },
  { id: 'heat', head: 'CPUs', title: 'per-CPU rates or counts, gaps between NUMA nodes; underline: effective affinity' },
  { id: 'history', head: 'History', title: `rate/s over the last ${HISTORY} ticks` },
] as const;
export type ColumnId = (typeof LIST)[number]['id'];
export interface Column { readonly id: ColumnId; readonly head: string; readonly title?: string; readonly num?: boolean }
export const COLUMNS: readonly Column[] = LIST;
/** The one column a row cannot do without: the keyboard, the details and a copied row name vectors by it. */
export const ALWAYS: ColumnId = 'index';

/**
 * Which columns are drawn, as plain booleans: a row reads one per cell, not the store. `message`
 * is how many of the message's two columns are drawn (the span of a row's "unreadable" cell).
 */
export type Shown = Readonly<Record<ColumnId, boolean>> & { readonly message: 0 | 1 | 2 };

const KEY = 'doorbell.columns';
const HIDEABLE: ReadonlySet<string> = new Set(COLUMNS.filter((c) => c.id !== ALWAYS).map((c) => c.id));

/**
 * The hidden columns a stored value names (a JSON list of ids). Anything else (a value that is
 * not such a list, an id no column has any more, #) is ignored: at worst every column is shown.
 */
export function parseHidden(s: string | null): Set<ColumnId> {
  if (s === null) return new Set();
  let v: unknown;
  try { v = JSON.parse(s); } catch { return new Set(); }
  return new Set(Array.isArray(v) ? v.filter((x): x is ColumnId => typeof x === 'string' && HIDEABLE.has(x)) : []);
}

/** The columns hidden, for every device, kept across reloads; by default none. */
export const useColumnsStore = defineStore('columns', () => {
  const hidden = shallowRef<ReadonlySet<ColumnId>>(parseHidden(stored(KEY)));
  // A new object only when the choice changes: the rows' v-memo keys on its identity.
  const shown = computed<Shown>(() => {
    const h = hidden.value;
    const on = Object.fromEntries(COLUMNS.map((c) => [c.id, !h.has(c.id)])) as Record<ColumnId, boolean>;
    return Object.freeze({ ...on, message: ((on.address ? 1 : 0) + (on.data ? 1 : 0)) as 0 | 1 | 2 });
  });

  function show(id: ColumnId, on: boolean) {
    if (!HIDEABLE.has(id) || hidden.value.has(id) !== on) return;
    const next = new Set(hidden.value);
    if (on) next.delete(id); else next.add(id);
    hidden.value = next;
  }
  function showAll() { if (hidden.value.size) hidden.value = new Set(); }

  watch(hidden, (h) => store(KEY, JSON.stringify(COLUMNS.filter((c) => h.has(c.id)).map((c) => c.id))));

  return { hidden, shown, show, showAll };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useColumnsStore, import.meta.hot));
