// SPDX-License-Identifier: MIT
// Synthetic machine generator: a sysroot with N CPUs, M IRQs and D devices × V MSI-X vectors,
// for load testing and benchmarks (`doorbell gen-sysroot`, `npm run bench`).
export { configSpace, MSIX_CAP_OFFSET } from './config.js';
export { irqTotals, renderInterrupts, renderPerCpuCount } from './interrupts.js';
export { cellAt, checkOptions, planMachine, type GenArch, type GenDevice, type GenIrq, type GenMachine, type GenOptions, type SummaryRow } from './plan.js';
export { formatCpuMask, writeSample, writeSysroot, type WrittenTree } from './write.js';
