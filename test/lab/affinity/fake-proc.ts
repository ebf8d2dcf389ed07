// SPDX-License-Identifier: MIT
// A /proc tree in a temp directory (irq/N/smp_affinity_list, effective_affinity_list, boot_id)
// and a LabBackend over it, for journal and recovery tests that must not touch this machine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCpuList } from '../../../common/cpulist.js';
import type { InterruptSample, LabInfo, VectorRow } from '../../../common/model/index.js';
import { readOk } from '../../../common/model/index.js';
import type { LabBackend } from '../../../lab/backend.js';

export interface FakeProc {
  root: string;
  backend: LabBackend;
  /** BDF/index → IRQ; change it to model a rebind. */
  irqOf: Map<string, number>;
  read(irq: number): string;
  write(irq: number, list: string): void;
  setBootId(id: string): void;
}

export function fakeProc(irqs: { bdf: string; index: number; irq: number; mask: string }[]): FakeProc {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-proc-'));
  const p = (irq: number, f: string) => path.join(root, 'proc', 'irq', String(irq), f);
  const irqOf = new Map<string, number>();
  for (const x of irqs) {
    fs.mkdirSync(path.dirname(p(x.irq, 'x')), { recursive: true });
    fs.writeFileSync(p(x.irq, 'smp_affinity_list'), `${x.mask}\n`);
    irqOf.set(`${x.bdf}/${x.index}`, x.irq);
  }
  fs.mkdirSync(path.join(root, 'proc/sys/kernel/random'), { recursive: true });
  const setBootId = (id: string) => fs.writeFileSync(path.join(root, 'proc/sys/kernel/random/boot_id'), `${id}\n`);
  setBootId('boot-1');
  const read = (irq: number) => fs.readFileSync(p(irq, 'smp_affinity_list'), 'utf8').trim();
  // The "kernel": the effective CPU is the first CPU of the mask.
  const eff = (irq: number) => { const c = parseCpuList(read(irq)); return c.ok ? [c.cpus[0]!] : []; };
  const info: LabInfo = {
    backend: 'linux', spec: 'linux:fake', title: 'fake', reason: 'test', writable: { ok: true, why: 'test tree' },
    hostname: 't', arch: 'x86_64', kernel: { release: '6.18.0', version: '', cmdline: '' }, features: [],
  };
  const at = 0;
  const backend: LabBackend = {
    kind: 'linux',
    async info() { return info; },
    async cpus() { return { possible: [0, 1], online: [0, 1], isolated: [], nodes: [{ id: 0, cpus: [0, 1] }], from: { source: 'procfs', at } }; },
    async iommus() { return []; },
    async groups() { return []; },
    async devices() { return []; },
    async vectors(bdf) {
      const vectors: VectorRow[] = [...irqOf.entries()].filter(([k]) => k.startsWith(`${bdf}/`)).map(([k, irq]) => {
        const c = parseCpuList(read(irq));
        return {
          index: Number(k.split('/')[1]), kind: 'msix', irq, chip: `PCI-MSIX-${bdf}`, hwirq: 0,
          domainChain: { ok: false, why: 'test' }, controller: 'x86-vector', actions: ['test'],
          message: { ok: false, why: 'test' }, cachedMessage: { ok: false, why: 'test' }, masked: { ok: false, why: 'test' },
          decoded: { kind: 'undecoded', why: 'test' }, eventfd: 'unknown',
          affinity: readOk(c.ok ? c.cpus : [], { source: 'procfs', at }), effective: readOk(eff(irq), { source: 'procfs', at }),
          pending: false, counts: { ok: false, why: 'test' },
        };
      });
      return { bdf, vectors, notes: [] };
    },
    async addressSpaces() { return []; },
    async sample(): Promise<InterruptSample> { return { mono: 0, at: 0, cpus: [0, 1], irqs: new Map() }; },
    kernelLog: () => [],
    onLog: () => () => {},
    async close() {},
    procRoot: () => root,
  };
  return { root, backend, irqOf, read, write: (irq, list) => fs.writeFileSync(p(irq, 'smp_affinity_list'), `${list}\n`), setBootId };
}
