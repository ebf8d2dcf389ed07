// SPDX-License-Identifier: MIT
// lab/linux/ops.ts on this machine's real kernel: affinity of a real IRQ from /proc/interrupts
// (restored in finally), errno explained on a refused write, /dev/iommu absent as data, eventfds,
// and a captured-tree root that is read-only.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatCpuList, parseCpuList } from '../../../common/cpulist.js';
import { KernelLog } from '../../../lab/kernel-log.js';
import { createLinuxKernelOps } from '../../../lab/linux/ops.js';

/** IRQs listed in /proc/interrupts that have a /proc/irq/N/smp_affinity_list. */
function realIrqs(): number[] {
  const out: number[] = [];
  for (const line of readFileSync('/proc/interrupts', 'utf8').split('\n')) {
    const m = /^\s*(\d+):/.exec(line);
    if (m && existsSync(`/proc/irq/${m[1]}/smp_affinity_list`)) out.push(Number(m[1]));
  }
  return out;
}
const irqs = realIrqs();
const isRoot = process.getuid?.() === 0;
const online = (() => {
  const p = parseCpuList(readFileSync('/sys/devices/system/cpu/online', 'utf8').trim());
  return p.ok ? p.cpus : [0];
})();

const tmp = mkdtempSync(path.join(tmpdir(), 'doorbell-linux-ops-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('lab/linux/ops on the real kernel', () => {
  it('names the kernel it runs on', () => {
    expect(createLinuxKernelOps().name).toBe(`linux ${readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()} ${process.arch}`);
  });

  it.runIf(irqs.length > 0)('readAffinity of a real IRQ matches /proc/irq', () => {
    const irq = irqs[irqs.length - 1]!;
    const r = createLinuxKernelOps().readAffinity(irq);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const want = parseCpuList(readFileSync(`/proc/irq/${irq}/smp_affinity_list`, 'utf8').trim());
    expect(want.ok && r.value.affinity).toEqual(want.ok && want.cpus);
    expect(r.value.effective.length).toBeGreaterThan(0);
    expect(r.value.effective.every((c) => online.includes(c))).toBe(true);
  });

  it.runIf(irqs.length > 0 && isRoot)('writeAffinity: same list back succeeds and is logged; an out-of-range CPU is refused with an explained errno', () => {
    const log = new KernelLog();
    const ops = createLinuxKernelOps({ log });
    // Prefer an MSI-X vector (not managed on virtio? the kernel decides; both outcomes are asserted).
    const irq = irqs[irqs.length - 1]!;
    const before = readFileSync(`/proc/irq/${irq}/smp_affinity_list`, 'utf8').trim();
    try {
      const same = ops.writeAffinity(irq, before);
      if (same.ok) {
        expect(readFileSync(`/proc/irq/${irq}/smp_affinity_list`, 'utf8').trim()).toBe(before);
      } else {
        expect(['EPERM', 'EIO']).toContain(same.errno);
        expect(same.error.hint).toMatch(/not user-settable/);
      }
      const bad = ops.writeAffinity(irq, '4095');
      expect(bad.ok).toBe(false);
      if (!bad.ok) {
        expect(['EINVAL', 'ERANGE', 'EOVERFLOW', 'EPERM', 'EIO']).toContain(bad.errno);
        expect(bad.error).toMatchObject({ op: `write /proc/irq/${irq}/smp_affinity_list`, path: `/proc/irq/${irq}/smp_affinity_list`, errnoName: bad.errno });
        expect(bad.error.hint.length).toBeGreaterThan(20);
      }
      expect(readFileSync(`/proc/irq/${irq}/smp_affinity_list`, 'utf8').trim()).toBe(before);
      const writes = log.since(0).filter((o) => o.kind === 'write');
      expect(writes.map((w) => [w.op, w.args.value, w.ok])).toEqual([
        [`write /proc/irq/${irq}/smp_affinity_list`, before, same.ok],
        [`write /proc/irq/${irq}/smp_affinity_list`, '4095', false],
      ]);
    } finally {
      const now = readFileSync(`/proc/irq/${irq}/smp_affinity_list`, 'utf8').trim();
      if (now !== before) writeFileSync(`/proc/irq/${irq}/smp_affinity_list`, before);
    }
  });

  it('readAffinity of an IRQ with no /proc/irq entry is ENOENT with the file named', () => {
    const r = createLinuxKernelOps().readAffinity(999999);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect([r.errno, r.errnoValue]).toEqual(['ENOENT', 2]);
      expect(r.error.path).toBe('/proc/irq/999999/smp_affinity_list');
      expect(r.error.hint).toMatch(/not allocated/);
    }
  });

  it.runIf(!existsSync('/dev/iommu'))('openIommufd without an IOMMU is ENOENT as data', () => {
    const r = createLinuxKernelOps().openIommufd();
    expect(r.ok ? 'ok' : [r.errno, r.error.op]).toEqual(['ENOENT', 'open /dev/iommu']);
  });

  it('openDevice of a device not bound to vfio is an error with a binding hint', () => {
    const bdf = '0000:00:02.0';
    const r = createLinuxKernelOps().openDevice(bdf);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.hint).toMatch(/vfio-pci|No PCI device/);
  });

  it('eventfd handles: nothing signalled reads 0n, closing twice is EBADF', () => {
    const ops = createLinuxKernelOps();
    const e = ops.eventfd();
    expect(e.ok).toBe(true);
    if (!e.ok) return;
    expect(ops.readEventfd(e.value)).toEqual({ ok: true, value: 0n });
    expect(ops.closeEventfd(e.value).ok).toBe(true);
    const again = ops.closeEventfd(e.value);
    expect(again.ok ? 'ok' : again.errno).toBe('EBADF');
  });

  it('a captured tree: reads from the root, refuses writes (EROFS), names a malformed file', () => {
    const d = path.join(tmp, 'proc/irq/45');
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, 'smp_affinity_list'), '0-1,4\n');
    writeFileSync(path.join(d, 'effective_affinity_list'), '4\n');
    const ops = createLinuxKernelOps({ root: tmp });
    expect(ops.readAffinity(45)).toEqual({ ok: true, value: { affinity: [0, 1, 4], effective: [4] } });
    expect(formatCpuList([0, 1, 4])).toBe('0-1,4');
    const w = ops.writeAffinity(45, '1');
    expect(w.ok ? 'ok' : w.errno).toBe('EROFS');
    writeFileSync(path.join(d, 'effective_affinity_list'), '4-\u0000garbage\n');
    const bad = ops.readAffinity(45);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toContain(`${path.join(d, 'effective_affinity_list')}:1:`);
  });
});
