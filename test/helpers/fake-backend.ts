// SPDX-License-Identifier: MIT
// A minimal LabBackend for transport tests (session, serve, IPC): it stands in for the lab, not
// for the kernel — backends themselves are tested against the real kernel and the simulator.
import type { LabBackend } from '../../lab/backend.js';
import { KernelLog } from '../../lab/kernel-log.js';
import { LabFailure, errnoError } from '../../common/errors.js';
import type { InterruptSample, LabInfo } from '../../common/model/index.js';

export function fakeBackend(opts: { counts?: () => Map<number, number[]> } = {}): LabBackend & { log: KernelLog; calls: string[] } {
  const log = new KernelLog();
  const calls: string[] = [];
  let tick = 0;
  const info: LabInfo = {
    backend: 'sim', spec: 'sim:transport-test', title: 'transport test lab', reason: 'test',
    writable: { ok: false, why: 'test' }, hostname: 'test', arch: 'x86_64',
    kernel: { release: '0.0', version: '#1', cmdline: '' }, features: [],
  };
  return {
    kind: 'sim', log, calls,
    async info() { calls.push('info'); return info; },
    async cpus() { return { possible: [0, 1], online: [0, 1], isolated: [], nodes: [{ id: 0, cpus: [0, 1] }], from: { source: 'sim', at: 0 } }; },
    async iommus() { return []; },
    async groups() { return []; },
    async devices() { calls.push('devices'); return []; },
    async vectors(bdf) {
      calls.push(`vectors ${bdf}`);
      throw new LabFailure(errnoError('read device', 'ENODEV', 'Pick a device from the overview.', { path: `/sys/bus/pci/devices/${bdf}` }));
    },
    async addressSpaces() { return []; },
    async sample(): Promise<InterruptSample> {
      tick++;
      return { mono: tick * 1000, at: Date.now(), cpus: [0, 1], irqs: opts.counts?.() ?? new Map([[25, [tick, 0]], [26, [5, 5]]]) };
    },
    kernelLog: (since) => log.since(since),
    onLog: (l) => log.subscribe(l),
    async close() {},
  };
}
