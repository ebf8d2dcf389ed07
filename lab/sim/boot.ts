// SPDX-License-Identifier: MIT
// The state a user finds on a lab machine mid-bring-up: host drivers own some devices (managed
// vectors spread over CPUs), a running VMM holds others through iommufd (IOAS, mappings, every
// vector enabled with an eventfd, and the userspace doorbell entries where the profile has them),
// and some sit on vfio-pci unopened. None of the VMM's ioctls are in Doorbell's log: another
// process made them.
import { VFIO_PCI_MSIX, type SimKernel } from './kernel.js';

export function bootScenario(k: SimKernel): void {
  const online = k.sc.cpus.online;
  for (const d of k.devs.values()) {
    const spec = d.spec;
    if (spec.state === 'host' && spec.host) {
      const h = spec.host;
      for (let i = 0; i < h.vectors; i++) {
        const kind = spec.msix > 0 ? 'msix' : 'msi';
        const irq = k.allocIrq(spec.bdf, i, kind, { ...(h.managed ? { managedCpu: online[i % online.length]! } : {}), rate: k.seededRate(d, i, kind) });
        irq.actions = [`${h.name}${h.managed ? `q${i}` : `-${i}`}`];
        irq.masked = false;
        irq.procCreated = true;
        irq.hw = k.compose(d, irq);
        irq.cached = { ...irq.hw };
        d.hostIrqs.push(irq);
      }
    }
    if (spec.state === 'vmm' && spec.vmm) bootVmm(k, d.spec.bdf);
  }
  // The machine has been up a while: /proc/interrupts already holds counts (and the IOMMU faults
  // of vectors that never arrive), as on a lab machine a user sits down at.
  k.tick(BOOT_UPTIME_MS);
}

/** Device time run at boot, so counters start where a running machine's would. */
export const BOOT_UPTIME_MS = 30_000;

function bootVmm(k: SimKernel, bdf: string): void {
  const d = k.devs.get(bdf)!;
  const vmm = d.spec.vmm!;
  const owner = `${vmm.comm}[${vmm.pid}]`;
  k.fdBase = 100000 + vmm.pid * 10;
  const ctx = k.openIommufd(owner, true);
  const ctxFd = ctx.fd!;
  const ioasId = k.ioasAlloc(ctx);
  const fd = k.openDevice(bdf, owner);
  const unsafe = k.params.allowUnsafeInterrupts;
  // A VMM that runs at all got past the isolation check (it loaded iommufd with allow_unsafe_interrupts).
  k.params.allowUnsafeInterrupts = true;
  const devId = k.bind(fd, ctx);
  k.params.allowUnsafeInterrupts = unsafe;
  for (const m of vmm.mappings) k.ioasMap(ctx, { ioasId, iova: m.iova, length: m.length, flags: ['READABLE', 'WRITEABLE'], label: m.label });
  void devId;
  k.attach(fd, ioasId);
  const n = vmm.vectors;
  const x86 = k.isX86;
  if (k.profile === 'per-vector-table' && !x86) {
    if (k.chip.kind === 'gic-its') {
      // The ITS page becomes an IOAS area the VMM creates: at the vITS IPA when nested (stage 2),
      // else at an IOVA of its choosing; each vector's entry points at that page (gIOVA when nested).
      const ipa = d.nested ? (k.sc.guest?.vitsTranslaterIpa ?? 0x08090000n) : 0x0a000000n;
      if (!findDoorbellArea(k, ctx, ioasId, ipa)) k.ioasMapDoorbell(ctx, { ioasId, iova: ipa, target: { kind: 'its' } });
      const entry = d.nested ? firstS1Page(k) ?? ipa : ipa;
      k.msiTableSet(fd, VFIO_PCI_MSIX, 0, Array.from({ length: n }, () => ({ iova: entry })));
    } else {
      const harts = k.sc.cpus.possible;
      const base = 0x30000000n;
      k.ioasMapDoorbell(ctx, { ioasId, iova: base, target: { kind: 'imsic', firstHart: 0, harts } });
      k.msiTableSet(fd, VFIO_PCI_MSIX, 0, Array.from({ length: n }, () => ({ window: base })));
    }
  }
  if (k.profile === 'rfc-v1' && !x86 && k.chip.kind === 'gic-its' && d.nested) {
    const g = firstS1Page(k);
    if (g !== null) k.msiPrepare(fd, VFIO_PCI_MSIX, 0, Array.from({ length: n }, () => g));
  }
  const fds = Array.from({ length: n }, () => k.eventfd());
  k.setIrqs(fd, { index: VFIO_PCI_MSIX, start: 0, count: n, action: 'trigger', data: { kind: 'eventfd', fds } });
  k.fdBase = 3;
  void ctxFd;
  for (const p of vmm.posted) {
    const v = d.vecs.get(p);
    if (v) v.irq.posted = true;
  }
}

function firstS1Page(k: SimKernel): bigint | null {
  const g = k.sc.guest;
  const vits = g?.vitsTranslaterIpa;
  const m = g?.s1.find((x) => vits != null && x.ipa === vits) ?? g?.s1[0];
  return m ? m.iova : null;
}

function findDoorbellArea(k: SimKernel, ctx: Parameters<SimKernel['ioasOf']>[0], ioasId: number, iova: bigint): boolean {
  return k.ioasOf(ctx, ioasId).areas.some((a) => a.iova === iova && a.doorbellPa !== null);
}
