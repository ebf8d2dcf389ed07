// SPDX-License-Identifier: MIT
import { defineStore, acceptHMRUpdate } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { LabError } from '../../../common/errors.js';
import type { KernelOp } from '../../../common/model/index.js';
import { lab } from '../api/lab.js';
import { opArgs, opLine, opResult } from '../components/format.js';

/** Entries kept in the renderer; the core's ring holds the full history. */
export const LOG_KEEP = 5000;

/** The kernel interaction log: every ioctl and procfs/sysfs write the core made, as they happen. */
export const useLogStore = defineStore('log', () => {
  const ops = shallowRef<KernelOp[]>([]);
  const error = shallowRef<LabError | null>(null);
  const device = ref<string>('');
  const query = ref('');
  const failedOnly = ref(false);
  let off: (() => void) | null = null;

  async function load(): Promise<void> {
    const r = await lab().call('getKernelLog', { limit: LOG_KEEP });
    if (r.ok) { ops.value = r.value; error.value = null; } else error.value = r.error;
  }

  function append(more: KernelOp[]): void {
    if (!more.length) return;
    const last = ops.value.length ? ops.value[ops.value.length - 1]!.seq : -1;
    const fresh = more.filter((o) => o.seq > last);
    if (fresh.length) ops.value = [...ops.value, ...fresh].slice(-LOG_KEEP);
  }

  /**
   * Subscribe once for the life of the page, so ops made while another view is open are kept; the
   * log is read on every connection, the first one included (ops made while the page was away are
   * in the core's ring). One read a connection: it can be 5000 ops.
   */
  function start(): void {
    if (off) return;
    const offEvents = lab().onEvent((e) => { if (e.type === 'log') append(e.ops); });
    const offConnection = lab().onConnection((c) => { if (c) void load(); });
    off = () => { offEvents(); offConnection(); };
  }
  function stop(): void { off?.(); off = null; }

  const devices = computed(() => [...new Set(ops.value.map((o) => o.bdf).filter((b): b is string => !!b))].sort());

  const shown = computed(() => {
    const q = query.value.trim().toLowerCase();
    return ops.value.filter((o) => (!device.value || o.bdf === device.value)
      && (!failedOnly.value || !o.ok)
      && (!q || `${o.op} ${opArgs(o)} ${opResult(o)}`.toLowerCase().includes(q)));
  });

  function text(): string {
    const head = `# Doorbell kernel interaction log${device.value ? ` for ${device.value}` : ''}${failedOnly.value ? ' (failures only)' : ''}${query.value ? ` matching "${query.value}"` : ''}\n# time\tseq\tkind\top\tdevice\targs\tresult\tduration`;
    return [head, ...shown.value.map(opLine)].join('\n') + '\n';
  }

  return { ops, error, device, query, failedOnly, devices, shown, load, append, start, stop, text };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useLogStore, import.meta.hot));
