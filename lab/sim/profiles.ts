// SPDX-License-Identifier: MIT
// Kernel profiles (which kernel the simulator pretends to be) and injectable bugs, as named in a
// lab spec: sim:SCENARIO?profile=P&bug=B[,B]&allow_unsafe_interrupts=1&seed=N.
import { LabFailure } from '../../common/errors.js';
import { ERRNO } from '../../common/errno.js';
import type { Scenario } from './scenario.js';

export const PROFILES = ['upstream', 'rfc-v1', 'per-vector-table', 'sw-msi-option'] as const;
export type ProfileName = (typeof PROFILES)[number];

export const PROFILE_TITLES: Record<ProfileName, string> = {
  upstream: 'Linux 7.3: the kernel maps the doorbell at the SW_MSI window itself; no per-vector uAPI',
  'rfc-v1': 'RFCv1 (Nov 2024): per-vector MSI IOVA through a VFIO_IRQ_SET prepare action (never merged)',
  'per-vector-table': 'Seed-thread design (Jason Gunthorpe, 20 Nov 2024): per-device, per-index table; userspace creates the ITS IOAS area (never merged)',
  'sw-msi-option': 'Part-2 RMR (Oct 2025): per-device SW_MSI start/size options, set before attach (never merged)',
};

export const BUGS = ['rewrite-default-address', 'lost-movi', 'stale-irte', 'unmapped-doorbell', 'ignores-mask'] as const;
export type BugName = (typeof BUGS)[number];

export const BUG_TITLES: Record<BugName, string> = {
  'rewrite-default-address': 'an affinity rewrite recomposes the kernel default doorbell address instead of the userspace one',
  'lost-movi': 'the ITS drops the MOVI of an affinity change: effective affinity says the new CPU, the LPI still fires on the old one',
  'stale-irte': 'an affinity change leaves the cached IRTE stale: interrupts keep landing on the old CPU',
  'unmapped-doorbell': 'the doorbell page is missing from the IOMMU mapping the device uses: MSI writes fault and nothing is delivered',
  'ignores-mask': 'the device ignores the MSI-X vector mask bit and keeps firing masked vectors',
};

export interface SimParams {
  profile: ProfileName;
  bugs: Set<BugName>;
  allowUnsafeInterrupts: boolean;
  seed: number;
}

const KNOWN_PARAMS = ['profile', 'bug', 'allow_unsafe_interrupts', 'seed'];

/** Profiles whose device MSI address comes from userspace. */
export function userAddressProfile(p: ProfileName): boolean {
  return p === 'rfc-v1' || p === 'per-vector-table';
}

function refuse(message: string, hint: string, errno?: keyof typeof ERRNO, detail?: Record<string, string>): never {
  throw new LabFailure({
    op: 'open lab sim',
    message,
    hint,
    ...(errno ? { errno: ERRNO[errno], errnoName: errno } : {}),
    ...(detail ? { detail } : {}),
  });
}

export function parseSimParams(params: Record<string, string>, sc: Scenario): SimParams {
  for (const k of Object.keys(params)) {
    if (!KNOWN_PARAMS.includes(k)) refuse(`unknown sim parameter "${k}"; the parameters are: ${KNOWN_PARAMS.join(', ')}`, 'Example: sim:arm64-its-smmuv3?profile=per-vector-table&bug=lost-movi', undefined, { valid: KNOWN_PARAMS.join(',') });
  }
  const profile = (params.profile ?? 'upstream') as ProfileName;
  if (!PROFILES.includes(profile)) {
    refuse(`unknown kernel profile "${params.profile}"; the profiles are: ${PROFILES.join(', ')}`, 'Pick one with ?profile=NAME.', undefined, { valid: PROFILES.join(',') });
  }
  const bugs = new Set<BugName>();
  for (const b of (params.bug ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!BUGS.includes(b as BugName)) refuse(`unknown bug "${b}"; the bugs are: ${BUGS.join(', ')}`, 'Name bugs with ?bug=A[,B].', undefined, { valid: BUGS.join(',') });
    bugs.add(b as BugName);
  }
  const chip = sc.irqchip.kind;
  // x86: MSI writes to 0xFEE00000-0xFEEFFFFF are interrupt messages the IOMMU never translates, so
  // there is no "userspace doorbell address" to lose (arch/x86 + drivers/iommu/intel/irq_remapping.c).
  if (bugs.has('rewrite-default-address') && chip === 'x86-vector') {
    refuse('bug rewrite-default-address does not apply on x86: MSI writes to the 0xFEE window are never translated by the IOMMU, so there is no userspace address to lose', 'Use it on arm64-its-smmuv3 or riscv-aia-imsic with profile rfc-v1 or per-vector-table.', 'EOPNOTSUPP');
  }
  if (bugs.has('rewrite-default-address') && !userAddressProfile(profile)) {
    refuse(`bug rewrite-default-address needs a profile where userspace supplies the MSI address (rfc-v1, per-vector-table), not ${profile}`, 'Add &profile=per-vector-table.', 'EOPNOTSUPP');
  }
  if (bugs.has('lost-movi') && chip !== 'gic-its') refuse('bug lost-movi needs a GICv3 ITS (MOVI is an ITS command)', 'Use it on arm64-its-smmuv3.', 'EOPNOTSUPP');
  if (bugs.has('stale-irte') && !(chip === 'x86-vector' && sc.irqchip.kind === 'x86-vector' && sc.irqchip.remap !== 'none')) {
    refuse('bug stale-irte needs x86 interrupt remapping (an IRTE to go stale)', 'Use it on x86-vtd-ir.', 'EOPNOTSUPP');
  }
  const unsafe = params.allow_unsafe_interrupts;
  if (unsafe !== undefined && unsafe !== '0' && unsafe !== '1') refuse(`allow_unsafe_interrupts must be 0 or 1, got "${unsafe}"`, 'Use allow_unsafe_interrupts=1.');
  const seed = params.seed === undefined ? sc.traffic.seed : /^\d{1,15}$/.test(params.seed) ? Number(params.seed) : NaN;
  if (!Number.isInteger(seed) || seed < 0) refuse(`seed must be a non-negative decimal integer, got "${params.seed}"`, 'Use seed=1.');
  return { profile, bugs, allowUnsafeInterrupts: unsafe === undefined ? sc.allowUnsafeInterrupts : unsafe === '1', seed };
}
