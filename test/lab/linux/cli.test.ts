// SPDX-License-Identifier: MIT
// `doorbell devices` and `doorbell vectors` on the linux backend (captured tree and this machine).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { main } from '../../../lab/cli/main.js';
import type { VectorJson } from '../../../lab/cli/commands/vectors.js';
import { E1000E, expected } from '../../fixtures/sysroots/paths.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('doorbell devices / vectors (linux backend)', () => {
  it('vectors --json on x86-vtd-vfio-e1000e agrees with the holding process, addresses from debugfs', async () => {
    const r = await run(['--lab', `linux:${E1000E}`, 'vectors', '0000:00:02.0', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { bdf: string; vectors: VectorJson[]; notes: string[] };
    const exp = expected(E1000E);
    expect(j.vectors.map((v) => ({ index: v.index, irq: v.irq, address: v.address, data: v.data, masked: v.masked, affinity: v.affinity, effectiveAffinity: v.effectiveAffinity, source: v.source, counts: v.counts })))
      .toEqual(exp.vectors.map((e) => ({
        index: e.index, irq: e.irq, address: `0x${BigInt(e.msix_entry.addr).toString(16)}`, data: Number(e.msix_entry.data),
        masked: null, affinity: e.smp_affinity_list, effectiveAffinity: e.effective_affinity_list, source: 'debugfs', counts: e.per_cpu_counts,
      })));
  });

  it('devices --json has bdf, driver, iommuGroup, vectorCount; text mode prints a table', async () => {
    const r = await run(['--lab', `linux:${E1000E}`, 'devices', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { bdf: string; driver: string | null; iommuGroup: number | null; vectorCount: number }[];
    expect(j.find((d) => d.bdf === '0000:00:02.0')).toMatchObject({ driver: 'vfio-pci', iommuGroup: 2, vectorCount: 5 });
    const t = await run(['--lab', `linux:${E1000E}`, 'devices']);
    expect(t.out.split('\n')[0]).toMatch(/^BDF\s+ID\s+CLASS\s+DRIVER\s+GROUP\s+HOLDER\s+IRQS/);
    expect(t.out).toMatch(/0000:00:02\.0\s+8086:10d3\s+Ethernet controller\s+vfio vfio0\s+2\s+node\[120\]\s+5/);
  });

  it('usage errors and unknown BDFs', async () => {
    expect((await run(['--lab', `linux:${E1000E}`, 'vectors'])).code).toBe(2);
    const r = await run(['--lab', `linux:${E1000E}`, 'vectors', '0000:07:00.0']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/ENODEV/);
  });

  it('on this machine: vectors --json lists the IRQs of msi_irqs with the affinity cat prints', async () => {
    const bdfs = execFileSync('sh', ['-c', 'for d in /sys/bus/pci/devices/*; do [ -d $d/msi_irqs ] && basename $d; done; true'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    expect(bdfs.length).toBeGreaterThan(0);
    const bdf = bdfs[0]!;
    const r = await run(['--lab', 'linux', 'vectors', bdf, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { vectors: VectorJson[] };
    const irqs = execFileSync('ls', [`/sys/bus/pci/devices/${bdf}/msi_irqs`], { encoding: 'utf8' }).trim().split('\n').map(Number).sort((a, b) => a - b);
    expect(j.vectors.map((v) => v.irq).sort((a, b) => a! - b!)).toEqual(irqs);
    for (const v of j.vectors) {
      expect(v.affinity).toBe(execFileSync('cat', [`/proc/irq/${v.irq}/smp_affinity_list`], { encoding: 'utf8' }).trim());
      // No debugfs and no resourceN here: the address is unknown and the reason is given.
      if (v.address === null) expect(v.messageWhy).toMatch(/MSI-X table not readable|capability/);
    }
  });
});
