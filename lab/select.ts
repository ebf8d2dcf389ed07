// SPDX-License-Identifier: MIT
// Lab specs: auto | linux | linux:ROOT | sim:SCENARIO[?profile=P&bug=B[,B]] | snapshot:FILE.
import fs from 'node:fs';
import path from 'node:path';
import { LabFailure } from '../common/errors.js';
import type { LabBackend } from './backend.js';

export type LabSpec =
  | { kind: 'linux'; root: string; reason: string }
  | { kind: 'sim'; scenario: string; params: Record<string, string>; reason: string }
  | { kind: 'snapshot'; file: string; reason: string };

export const DEFAULT_SCENARIO = 'arm64-its-smmuv3';

const USAGE = 'Use auto, linux, linux:ROOT, sim:SCENARIO[?profile=P&bug=B] or snapshot:FILE.';

function bad(spec: string, message: string): never {
  throw new LabFailure({ op: 'parse --lab', message: `bad lab spec ${JSON.stringify(spec)}: ${message}`, hint: USAGE });
}

/** What `auto` sees on this machine: an IOMMU or VFIO devices mean the real kernel is worth showing. */
export function probeMachine(root = '/'): { linux: boolean; reason: string } {
  const has = (p: string) => fs.existsSync(path.join(root, p));
  const list = (p: string) => {
    try { return fs.readdirSync(path.join(root, p)); } catch { return []; }
  };
  if (has('dev/iommu')) return { linux: true, reason: 'auto: /dev/iommu exists (iommufd), so the real kernel was chosen' };
  const vfio = list('dev/vfio').filter((n) => n !== 'vfio');
  if (vfio.length > 0) return { linux: true, reason: `auto: VFIO device nodes exist (/dev/vfio/${vfio[0]}), so the real kernel was chosen` };
  const units = list('sys/class/iommu');
  if (units.length > 0) return { linux: true, reason: `auto: an IOMMU is present (/sys/class/iommu/${units[0]}), so the real kernel was chosen` };
  return {
    linux: false,
    reason: `auto: no IOMMU (/sys/class/iommu is empty) and no VFIO devices (/dev/vfio), so the simulator (${DEFAULT_SCENARIO}) was chosen; use --lab linux to see this machine's own devices`,
  };
}

export function parseLabSpec(spec: string, probe: () => { linux: boolean; reason: string } = () => probeMachine()): LabSpec {
  const s = spec.trim();
  if (s === '' || s === 'auto') {
    const p = probe();
    return p.linux ? { kind: 'linux', root: '/', reason: p.reason } : { kind: 'sim', scenario: DEFAULT_SCENARIO, params: {}, reason: p.reason };
  }
  if (s === 'linux') return { kind: 'linux', root: '/', reason: 'asked for with --lab linux' };
  if (s.startsWith('linux:')) {
    const root = s.slice('linux:'.length);
    if (!root) bad(spec, 'linux: needs a directory');
    return { kind: 'linux', root: path.resolve(root), reason: 'asked for: a captured tree (read-only)' };
  }
  if (s === 'sim' || s.startsWith('sim:')) {
    const rest = s === 'sim' ? DEFAULT_SCENARIO : s.slice('sim:'.length);
    const [scenario, query = ''] = rest.split('?', 2) as [string, string?];
    if (!/^[A-Za-z0-9._/-]+$/.test(scenario)) bad(spec, 'the scenario is a name like arm64-its-smmuv3 or a path to a scenario file');
    const params: Record<string, string> = {};
    for (const kv of query.split('&').filter(Boolean)) {
      const [k, v] = kv.split('=', 2);
      if (!k || v === undefined) bad(spec, `"${kv}" is not key=value`);
      // One value per key: a second would silently replace the first (several bugs are bug=A,B).
      if (Object.hasOwn(params, k)) bad(spec, `${k} is given twice (${k}=${params[k]} and ${kv})${k === 'bug' ? '; name several bugs in one, bug=A,B' : '; give it once'}`);
      try {
        params[k] = decodeURIComponent(v);
      } catch {
        bad(spec, `"${kv}" is not valid percent-encoding: each % starts a UTF-8 byte in hex, like %2C for ","; write % itself as %25`);
      }
    }
    return { kind: 'sim', scenario, params, reason: 'asked for with --lab sim' };
  }
  if (s.startsWith('snapshot:')) {
    const file = s.slice('snapshot:'.length);
    if (!file) bad(spec, 'snapshot: needs a file');
    return { kind: 'snapshot', file: path.resolve(file), reason: 'asked for: a snapshot (read-only)' };
  }
  return bad(spec, 'unknown kind');
}

/**
 * The spec as a user would type it, for the line the CLI starts with: `linux` is this machine,
 * `linux:DIR` a captured tree, `snapshot:FILE` a file — never one for another.
 */
export function specLabel(spec: LabSpec): string {
  switch (spec.kind) {
    case 'linux': return spec.root === '/' ? 'linux' : `linux:${spec.root}`;
    case 'sim': return `sim:${spec.scenario}`;
    case 'snapshot': return `snapshot:${spec.file}`;
  }
}

/** Open the backend a spec names. Backends are loaded lazily so the CLI starts fast. */
export async function openLab(spec: LabSpec): Promise<LabBackend> {
  switch (spec.kind) {
    case 'linux': {
      const { openLinuxLab } = await import('./linux/index.js');
      return openLinuxLab({ root: spec.root, reason: spec.reason });
    }
    case 'sim': {
      const { openSimLab } = await import('./sim/index.js');
      return openSimLab({ scenario: spec.scenario, params: spec.params, reason: spec.reason });
    }
    case 'snapshot': {
      const { openSnapshotLab } = await import('./snapshot/index.js');
      return openSnapshotLab({ file: spec.file, reason: spec.reason });
    }
  }
}
