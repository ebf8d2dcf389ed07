// SPDX-License-Identifier: MIT
// The KernelOps contract against the simulator: every platform × kernel profile is a fixture variant.
import { runContractSuite } from '../../contract/kernel-ops.contract.js';
import { createSimLab, PROFILES, scenarioNames } from '../../../lab/sim/index.js';

const FREE: Record<string, { bdf: string; offlineCpu?: number }> = {
  'arm64-its-smmuv3': { bdf: '0000:03:00.0' },
  'x86-vtd-ir': { bdf: '0000:af:00.0', offlineCpu: 15 },
  'x86-amdvi-ir': { bdf: '0000:af:00.0', offlineCpu: 15 },
  'x86-noir': { bdf: '0000:af:00.0', offlineCpu: 15 },
  'riscv-aia-imsic': { bdf: '0000:00:03.0' },
};

for (const scenario of scenarioNames()) {
  for (const profile of PROFILES) {
    // per-vector-table refuses to enable a vector with no table entry; the generic suite does not
    // fill the table (the linux kernel has no such table), so its SET_IRQS cases run on x86 only there.
    if (profile === 'per-vector-table' && !scenario.startsWith('x86')) continue;
    runContractSuite(() => createSimLab({ scenario, params: { profile } }).ops, { name: `${scenario}/${profile}`, ...FREE[scenario]! });
  }
  // Without allow_unsafe_interrupts, platforms lacking MSI isolation refuse bind (EPERM): the suite accepts that.
  runContractSuite(() => createSimLab({ scenario, params: { allow_unsafe_interrupts: '0' } }).ops, { name: `${scenario}/no-unsafe-interrupts`, ...FREE[scenario]! });
}
