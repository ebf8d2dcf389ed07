// SPDX-License-Identifier: MIT
// A simulator scenario at lab scale: the shipped arm64 ITS + SMMUv3 platform widened to 512 CPUs
// on 4 NUMA nodes, with its ConnectX VF holding all 2048 MSI-X vectors for a VMM whose
// interrupts are delivered (the guest has its RMR).
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib.mjs';

export function writeBigScenario(tmp, { cpus = 512, vectors = 2048 } = {}) {
  const s = JSON.parse(fs.readFileSync(path.join(ROOT, 'assets/scenarios/arm64-its-smmuv3.json'), 'utf8'));
  const per = cpus / 4;
  s.name = `bench-arm64-${cpus}c-${vectors}v`;
  s.title = `bench: arm64 ITS + SMMUv3, ${cpus} CPUs, one device with ${vectors} MSI-X vectors`;
  s.cpus = { possible: cpus, online: `0-${cpus - 1}`, isolated: '', nodes: [0, 1, 2, 3].map((id) => ({ id, cpus: `${id * per}-${(id + 1) * per - 1}` })) };
  const dev = s.devices[0];
  dev.msix = Math.max(dev.msix, vectors);
  dev.vmm.vectors = vectors;
  dev.vmm.posted = [];
  // The shipped scenario's guest has no RMR, so this device's MSIs fault at stage 1 and never
  // count (the seed thread's bug). The bench wants a live table: give the guest its RMR, and
  // every vector interrupts at the scenario's seeded rate.
  s.guest.rmr = true;
  const file = path.join(tmp, `${s.name}.json`);
  fs.writeFileSync(file, JSON.stringify(s, null, 2));
  return { file, bdf: dev.bdf };
}
