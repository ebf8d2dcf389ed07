// SPDX-License-Identifier: MIT
import type {
  AddressSpace, CpuInfo, DeviceSummary, DeviceVectors, IommuGroup, LabInfo,
} from '../model/index.js';

export type Severity = 'error' | 'warning' | 'info';

export interface FindingSubject {
  bdf?: string;
  index?: number;
  irq?: number | null;
  group?: number;
  space?: string;
}

export interface Finding {
  rule: string;
  severity: Severity;
  title: string;
  subject: FindingSubject;
  /** What is wrong here, with the values. */
  message: string;
  /** Why it matters (the kernel contract). */
  explanation: string;
  hint: string;
  evidence: string[];
}

/** A mapping a user plans (IOMMU_IOAS_MAP with FIXED_IOVA), checked before the kernel sees it. */
export interface PlannedMap {
  space: string;
  iova: string;
  length: string;
  label?: string;
}

export interface CheckInput {
  lab: Pick<LabInfo, 'backend' | 'arch' | 'features'> & { kernel?: LabInfo['kernel'] } | null;
  cpus: CpuInfo | null;
  groups: IommuGroup[];
  devices: DeviceSummary[];
  vectors: DeviceVectors[];
  spaces: AddressSpace[];
  /** CPU number → x86 APIC ID (/proc/cpuinfo). Absent: APIC ID assumed equal to the CPU number. */
  apicIds?: Record<number, number> | null;
  /** Interrupt count increase per IRQ since the previous refresh, indexed by CPU. Absent: counts-outside rule cannot run. */
  countDeltas?: Record<number, number[]> | null;
  planned?: PlannedMap[];
  /** Vectors the driver or VMM asked for, per BDF (VFIO_DEVICE_SET_IRQS count, or the scenario). */
  requestedVectors?: Record<string, number>;
}

export type Applicability = { ok: true } | { ok: false; why: string };

export interface CheckRule {
  id: string;
  title: string;
  severity: Severity;
  explanation: string;
  hint: string;
  /** Where the rule can be evaluated, in words (shown in the rule list). */
  where: string;
  /** Kernel source or thread the rule comes from. */
  source: string;
  applies(input: CheckInput): Applicability;
  run(input: CheckInput): Finding[];
}

export interface RuleStatus {
  rule: string;
  title: string;
  severity: Severity;
  state: 'pass' | 'findings' | 'not-evaluable';
  /** For not-evaluable: why this platform or lab cannot evaluate it. */
  why: string | null;
  findings: number;
}

export interface CheckReport {
  findings: Finding[];
  rules: RuleStatus[];
  errors: number;
  warnings: number;
}
