// SPDX-License-Identifier: MIT
// The bring-up through the LabApi (validated requests, errors as data) and the CLI (exit codes).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LabSession } from '../../../lab/session.js';
import { createSimLab } from '../../../lab/sim/index.js';
import { bringup } from '../../../lab/cli/commands/bringup.js';
import { COMMANDS } from '../../../lab/cli/commands/index.js';
import { EXIT, type CliContext } from '../../../lab/cli/context.js';
import type { LabBackend } from '../../../lab/backend.js';
import type { BringupChecklist } from '../../../common/model/index.js';
import type { LabEvent } from '../../../common/ipc/contract.js';

let prevState: string | undefined;
let stateDir = '';
beforeEach(() => {
  prevState = process.env.DOORBELL_STATE_DIR;
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-bringup-api-'));
  process.env.DOORBELL_STATE_DIR = stateDir;
});
afterEach(() => {
  if (prevState === undefined) delete process.env.DOORBELL_STATE_DIR; else process.env.DOORBELL_STATE_DIR = prevState;
  fs.rmSync(stateDir, { recursive: true, force: true });
});

function ctxFor(backend: LabBackend): CliContext & { out_: string[]; err_: string[] } {
  const out_: string[] = [], err_: string[] = [];
  return { labSpec: 'test', openLab: async () => backend, out: (s) => { out_.push(s); }, err: (s) => { err_.push(s); }, out_, err_ };
}

describe('LabApi bring-up methods', () => {
  it('getBringup lists pending steps; runBringupStep runs up to a step; rollback through runBringupStep', async () => {
    const s = new LabSession(createSimLab({ scenario: 'x86-vtd-ir' }), { autoStart: false, stateDir });
    const events: LabEvent[] = [];
    s.onEvent((e) => events.push(e));
    const g = await s.dispatch('getBringup', { bdf: '0000:af:00.0' });
    expect(g.ok).toBe(true);
    const c0 = (g as { value: BringupChecklist }).value;
    expect(c0.steps.map((x) => x.state)).toEqual(Array(9).fill('pending'));
    const r = await s.dispatch('runBringupStep', { bdf: '0000:af:00.0', step: 'delivery' });
    const c1 = (r as { value: BringupChecklist }).value;
    expect(c1.steps.slice(0, 7).map((x) => x.state)).toEqual(Array(7).fill('passed'));
    expect(c1.holding.length).toBeGreaterThan(0);
    expect(events.some((e) => e.type === 'progress' && e.op === 'bringup')).toBe(true);
    expect(events.some((e) => e.type === 'changed' && e.bdf === '0000:af:00.0')).toBe(true);
    // The same runner answers the next request: it still holds the resources.
    const again = (await s.dispatch('getBringup', { bdf: '0000:af:00.0' }) as { value: BringupChecklist }).value;
    expect(again.holding).toEqual(c1.holding);
    const rb = (await s.dispatch('runBringupStep', { bdf: '0000:af:00.0', step: 'rollback' }) as { value: BringupChecklist }).value;
    expect(rb.steps.at(-1)!.state).toBe('passed');
    expect(rb.holding).toEqual([]);
    await s.close();
  });

  it('bad requests come back as errors: an unknown step, a malformed BDF, an unknown device', async () => {
    const s = new LabSession(createSimLab({ scenario: 'x86-vtd-ir' }), { autoStart: false, stateDir });
    const a = await s.dispatch('runBringupStep', { bdf: '0000:af:00.0', step: 'reboot' });
    expect(a.ok).toBe(false);
    const b = await s.dispatch('runBringup', { bdf: 'af:00' });
    expect(b.ok).toBe(false);
    const c = await s.dispatch('getBringup', { bdf: '0000:ee:00.0' });
    expect(c.ok ? null : c.error.errnoName).toBe('ENODEV');
    // A runner is kept per device for the session: none for an address that names no device
    // (a page asking for 40 000 such addresses once grew the server by 113 MiB).
    const runners = (s as unknown as { bringups: Map<string, unknown> }).bringups;
    for (let i = 0; i < 64; i++) {
      const r = await s.dispatch('getBringup', { bdf: `0000:ee:${(i >> 3).toString(16).padStart(2, '0')}.${i & 7}` });
      expect(r.ok ? null : r.error.errnoName).toBe('ENODEV');
    }
    expect(runners.size).toBe(0);
    expect((await s.dispatch('getBringup', { bdf: '0000:af:00.0' })).ok).toBe(true);
    expect([...runners.keys()]).toEqual(['0000:af:00.0']);
    await s.close();
  });
});

describe('doorbell bringup', () => {
  it('is registered, lists the steps without --run, and exits 1 when a step fails (x86 without IR, EPERM)', async () => {
    expect(COMMANDS.map((c) => c.name)).toContain('bringup');
    const list = ctxFor(createSimLab({ scenario: 'x86-noir', params: { allow_unsafe_interrupts: '0' } }));
    expect(await bringup.run(['af:00.0'], list)).toBe(EXIT.OK);
    expect(list.out_.join('\n')).toMatch(/· 1\. IOMMU present — pending/);
    const run = ctxFor(createSimLab({ scenario: 'x86-noir', params: { allow_unsafe_interrupts: '0' } }));
    expect(await bringup.run(['0000:af:00.0', '--run'], run)).toBe(EXIT.FAIL);
    const text = run.out_.join('\n');
    expect(text).toMatch(/✗ 3\. iommufd opened — failed: .*EPERM/);
    expect(text).toMatch(/what to do: .*allow_unsafe_interrupts=1/);
    expect(text).toMatch(/✓ 9\. Everything rolled back/);
  });

  it('exits 0 with every step passed, --json is the checklist, and --up-to still rolls back on exit', async () => {
    const c = ctxFor(createSimLab({ scenario: 'arm64-its-smmuv3' }));
    expect(await bringup.run(['0000:03:00.0', '--run', '--json'], c)).toBe(EXIT.OK);
    const j = JSON.parse(c.out_.join('\n')) as BringupChecklist;
    expect(j.steps.every((s) => s.state === 'passed')).toBe(true);
    const b = createSimLab({ scenario: 'arm64-its-smmuv3' });
    const before = b.k.census();
    const u = ctxFor(b);
    expect(await bringup.run(['0000:03:00.0', '--run', '--up-to', 'vectors'], u)).toBe(EXIT.OK);
    expect(b.k.census()).toEqual(before);
  });

  it('usage errors exit 2', async () => {
    for (const args of [[], ['zz'], ['0000:03:00.0', '--up-to', 'vectors'], ['0000:03:00.0', '--run', '--up-to', 'nope'], ['0000:03:00.0', '--bogus']]) {
      const c = ctxFor(createSimLab({ scenario: 'arm64-its-smmuv3' }));
      expect(await bringup.run(args, c)).toBe(EXIT.USAGE);
      expect(c.err_.join('\n')).toMatch(/usage/);
    }
  });
});
