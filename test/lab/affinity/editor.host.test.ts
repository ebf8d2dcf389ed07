// SPDX-License-Identifier: MIT
// The affinity editor on this machine's real kernel: a non-managed virtio MSI-X vector is moved and
// verified (the device is made to interrupt by reading /dev/hwrng from virtio-rng), undone, and a
// managed vector is refused before the write, with the kernel's reason. Every mask is restored in finally.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AffinityEditor } from '../../../lab/affinity/editor.js';
import { AffinityJournal } from '../../../lab/affinity/journal.js';
import { openLab } from '../../../lab/select.js';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const twoCpus = (() => { try { return fs.readFileSync('/sys/devices/system/cpu/online', 'utf8').trim() === '0-1'; } catch { return false; } })();

function msixIrqs(bdf: string): { irq: number; index: number; writable: boolean; actions: string }[] {
  let names: string[];
  try { names = fs.readdirSync(`/sys/bus/pci/devices/${bdf}/msi_irqs`); } catch { return []; }
  return names.map(Number).sort((a, b) => a - b).flatMap((irq) => {
    try {
      const mode = fs.statSync(`/proc/irq/${irq}/smp_affinity_list`).mode;
      return [{
        irq, index: Number(fs.readFileSync(`/sys/kernel/irq/${irq}/hwirq`, 'utf8')), writable: (mode & 0o200) !== 0,
        actions: fs.readFileSync(`/sys/kernel/irq/${irq}/actions`, 'utf8').trim(),
      }];
    } catch { return []; }
  });
}

/** The virtio-rng device: reading /dev/hwrng makes it raise its request-queue vector. */
const rng = (() => {
  try {
    if (fs.readFileSync('/sys/class/misc/hw_random/rng_current', 'utf8').trim().startsWith('virtio_rng') === false) return null;
    const dev = fs.readdirSync('/sys/bus/virtio/drivers/virtio_rng').find((n) => n.startsWith('virtio'));
    if (!dev) return null;
    const bdf = path.basename(path.dirname(fs.realpathSync(`/sys/bus/virtio/drivers/virtio_rng/${dev}`)));
    const v = msixIrqs(bdf).find((x) => x.writable && !x.actions.endsWith('-config'));
    return v ? { bdf, ...v } : null;
  } catch { return null; }
})();

const managed = (() => {
  for (const bdf of fs.existsSync('/sys/bus/pci/devices') ? fs.readdirSync('/sys/bus/pci/devices') : []) {
    const v = msixIrqs(bdf).find((x) => !x.writable);
    if (v) return { bdf, ...v };
  }
  return null;
})();

const readMask = (irq: number) => fs.readFileSync(`/proc/irq/${irq}/smp_affinity_list`, 'utf8').trim();
const stateDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-editor-'));

describe.skipIf(!isRoot || !twoCpus || rng === null)('affinity edit on this machine (virtio-rng, non-managed)', () => {
  it('moves the vector, fires it through /dev/hwrng, sees the count on the new CPU, and undoes it', async () => {
    const { bdf, irq, index } = rng!;
    const original = readMask(irq);
    const lab = await openLab({ kind: 'linux', root: '/', reason: 'test' });
    const fired: number[] = [];
    const ed = new AffinityEditor({
      backend: lab, journal: new AffinityJournal(stateDir()),
      stimulate: async (_b, _i, n) => {
        fired.push(n);
        const fd = fs.openSync('/dev/hwrng', 'r');
        try { fs.readSync(fd, Buffer.alloc(512)); } finally { fs.closeSync(fd); }
      },
    });
    try {
      const eff0 = fs.readFileSync(`/proc/irq/${irq}/effective_affinity_list`, 'utf8').trim();
      const target = eff0 === '0' ? '1' : '0';
      const r = await ed.setAffinity(bdf, index, target);
      expect(fired.length).toBeGreaterThanOrEqual(1);
      expect(fired.every((n) => n === irq)).toBe(true);
      expect(r.irq).toBe(irq);
      expect(r.after.effective).toBe(target);
      expect(r.verdict.kind).toBe('verified');
      expect(r.verdict.evidence.join('\n')).toMatch(new RegExp(`counts rose on CPU ${target}`));
      expect(readMask(irq)).toBe(target);
      const u = await ed.undo();
      expect(u?.action).toBe('restore');
      expect(readMask(irq)).toBe(original);
      expect(ed.journal.outstanding('linux')).toHaveLength(0);
    } finally {
      fs.writeFileSync(`/proc/irq/${irq}/smp_affinity_list`, original);
      await lab.close();
    }
  });
});

describe.skipIf(!isRoot || managed === null)('affinity edit on this machine (managed IRQ)', () => {
  it('is refused before the write with the kernel\'s reason, and nothing is journaled', async () => {
    const { bdf, irq, index } = managed!;
    const original = readMask(irq);
    const lab = await openLab({ kind: 'linux', root: '/', reason: 'test' });
    const ed = new AffinityEditor({ backend: lab, journal: new AffinityJournal(stateDir()), observeMs: 0 });
    try {
      const r = await ed.setAffinity(bdf, index, '0');
      expect(r.verdict.kind).toBe('refused');
      expect(r.verdict.errno).toBe('EPERM');
      // The 0444 file says the kernel would refuse (register_irq_proc, 6.12+); debugfs, where
      // mounted, says why (IRQD_AFFINITY_MANAGED). Either way nothing is written or journaled.
      expect(r.verdict.headline).toMatch(/^refused before writing: IRQ \d+('s affinity is not settable from user space| is kernel-managed)/);
      expect(r.verdict.explanation).toMatch(/no write permission|IRQD_AFFINITY_MANAGED/);
      expect(r.verdict.evidence).toContain('nothing was written');
      expect(readMask(irq)).toBe(original);
      expect(ed.journal.changes()).toHaveLength(0);
    } finally {
      if (readMask(irq) !== original) fs.writeFileSync(`/proc/irq/${irq}/smp_affinity_list`, original);
      await lab.close();
    }
  });
});
