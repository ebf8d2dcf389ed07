// SPDX-License-Identifier: MIT
// Capture: read every LabBackend method once, between two interrupt samples. Only the LabBackend
// interface is used, so a snapshot can be taken of any lab (the real kernel, a captured tree, the
// simulator, or another snapshot). The first sample is taken before the reads and the second at
// least `intervalMs` after it, so the reads overlap the rate interval.
import { performance } from 'node:perf_hooks';
import { toLabError, type Result } from '../../common/errors.js';
import type { DeviceVectors } from '../../common/model/index.js';
import type { LabBackend } from '../backend.js';
import { sampleToJson, type Finding, type JournalEntry, type SnapshotPayload } from './format.js';

export interface CaptureOptions {
  /** Time between the two interrupt samples (default 1000 ms). */
  intervalMs?: number;
  /** The session's slots: affinity journal, findings of the checks, reproduction steps. */
  journal?: JournalEntry[];
  findings?: Finding[];
  reproduction?: string[];
  /** One line per step, for stderr or a progress bar. */
  progress?: (line: string, done: number, total: number) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function captureSnapshot(lab: LabBackend, opts: CaptureOptions = {}): Promise<SnapshotPayload> {
  const interval = Math.max(0, opts.intervalMs ?? 1000);
  const say = opts.progress ?? (() => {});
  const t0 = performance.now();
  say('sampling interrupts (1 of 2)', 0, 5);
  const s0 = await lab.sample();
  // One batch: the backend may share one read of /proc/interrupts and of the PCI tree across
  // every device's vectors and the address spaces (the samples stay outside it, read afresh).
  const batch = lab.batch ? <T>(fn: () => Promise<T>) => lab.batch!(fn) : <T>(fn: () => Promise<T>) => fn();
  const { info, cpus, iommus, groups, devices, vectors, addressSpaces } = await batch(async () => {
    say('reading lab, CPUs, IOMMUs, groups and devices', 1, 5);
    const info = await lab.info();
    const cpus = await lab.cpus();
    const iommus = await lab.iommus();
    const groups = await lab.groups();
    const devices = await lab.devices();
    say(`reading vectors of ${devices.length} device${devices.length === 1 ? '' : 's'}`, 2, 5);
    const vectors: { bdf: string; result: Result<DeviceVectors> }[] = [];
    for (const d of devices) {
      try {
        vectors.push({ bdf: d.bdf, result: { ok: true, value: await lab.vectors(d.bdf) } });
      } catch (e) {
        vectors.push({ bdf: d.bdf, result: { ok: false, error: toLabError(`vectors ${d.bdf}`, e) } });
      }
    }
    say('reading address spaces and the kernel log', 3, 5);
    let addressSpaces: SnapshotPayload['addressSpaces'];
    try {
      addressSpaces = { ok: true, value: await lab.addressSpaces() };
    } catch (e) {
      addressSpaces = { ok: false, error: toLabError('address spaces', e) };
    }
    return { info, cpus, iommus, groups, devices, vectors, addressSpaces };
  });
  const kernelLog = lab.kernelLog(0);
  const wait = interval - (performance.now() - t0);
  say(`sampling interrupts (2 of 2)${wait > 0 ? ` after ${Math.round(wait)} ms` : ''}`, 4, 5);
  if (wait > 0) await sleep(wait);
  const s1 = await lab.sample();
  say('captured', 5, 5);
  const payload: SnapshotPayload = {
    info, cpus, iommus, groups, devices, vectors, addressSpaces, kernelLog,
    samples: [sampleToJson(s0), sampleToJson(s1)],
  };
  if (opts.journal) payload.journal = opts.journal;
  if (opts.findings) payload.findings = opts.findings;
  if (opts.reproduction) payload.reproduction = opts.reproduction;
  return payload;
}
