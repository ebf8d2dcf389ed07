// SPDX-License-Identifier: MIT
// Guided bring-up of one device (DESIGN.md item 6): an ordered checklist, each step runnable, with
// the values it read, the kernel operations it issued (the same entries the kernel log shows) and,
// when it fails, the kernel's answer, what it means and what to do.
import type { LabError } from '../errors.js';
import type { KernelOp } from './log.js';

export const BRINGUP_STEPS = ['iommu', 'bound', 'iommufd', 'ioas', 'vectors', 'doorbells', 'delivery', 'affinity', 'rollback'] as const;
export type BringupStepId = (typeof BRINGUP_STEPS)[number];

export type BringupStepState = 'pending' | 'running' | 'passed' | 'failed' | 'skipped';

export interface BringupStep {
  id: BringupStepId;
  title: string;
  /** What the step does, in one sentence (shown before it runs). */
  does: string;
  state: BringupStepState;
  /** One line: the outcome ("3 vectors enabled", "EPERM: no MSI isolation"). */
  summary: string | null;
  /** Values read and checks made, in order. */
  evidence: string[];
  /** The kernel operations this step issued (ioctls, sysfs/procfs writes), from the kernel log. */
  ops: KernelOp[];
  /** The failure (or why it was skipped), with the kernel's errno where there is one. */
  error: LabError | null;
  /** What the failure means, in plain words (the hint is in `error.hint`). */
  explanation: string | null;
  at: number | null;
  durationMs: number | null;
}

export interface BringupChecklist {
  bdf: string;
  /** The lab spec the checklist ran on. */
  lab: string;
  steps: BringupStep[];
  /** Another process holds the device: the steps that open it stop, and the device is shown passively. */
  passive: { holder: string; why: string } | null;
  /** Resources Doorbell holds for this device right now (fds, IOAS, mappings, vectors, a moved affinity). */
  holding: string[];
}
