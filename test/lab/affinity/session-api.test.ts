// SPDX-License-Identifier: MIT
// The affinity and checks methods of LabApi, through LabSession.dispatch (validated like any client).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { LabEvent } from '../../../common/ipc/contract.js';
import { LabSession } from '../../../lab/session.js';
import { fakeProc } from './fake-proc.js';

it('setAffinity → verdict, getJournal lists it, undoAffinity / restoreAll revert it, runChecks reports rules', async () => {
  const f = fakeProc([{ bdf: '0000:00:05.0', index: 0, irq: 33, mask: '0-1' }, { bdf: '0000:00:05.0', index: 1, irq: 34, mask: '0-1' }]);
  const s = new LabSession(f.backend, { autoStart: false, stateDir: fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-api-')) });
  // The fake lab has no traffic to watch; don't wait for it.
  s.editor.observeMs = 0;
  const events: LabEvent[] = [];
  s.onEvent((e) => events.push(e));

  const bad = await s.dispatch('setAffinity', { bdf: '0000:00:05.0', index: 1, cpus: 'all' });
  expect(bad.ok).toBe(false);
  const range = await s.api.setAffinity({ bdf: '0000:00:05.0', index: 1, cpus: '7' });
  expect(range.ok ? null : range.error.message).toMatch(/past the last CPU/);

  const r = await s.api.setAffinity({ bdf: '0000:00:05.0', index: 1, cpus: '1' });
  expect(r.ok && r.value.verdict.kind).toBe('unconfirmed');
  expect(f.read(34)).toBe('1');
  expect(events).toContainEqual({ type: 'changed', what: 'vectors', bdf: '0000:00:05.0' });

  const j = await s.api.getJournal({});
  expect(j.ok && j.value.entries[0]).toMatchObject({ bdf: '0000:00:05.0', index: 1, irq: 34, old: '0-1', new: '1', result: { ok: true, verdict: 'unconfirmed' } });
  expect(j.ok && j.value.outstanding.map((o) => o.action)).toEqual(['restore']);

  const u = await s.api.undoAffinity({ bdf: '0000:00:05.0', index: 1 });
  expect(u.ok && u.value?.action).toBe('restore');
  expect(f.read(34)).toBe('0-1');

  const sp = await s.api.spreadAffinity({ bdf: '0000:00:05.0', cpus: '0-1', mode: 'spread' });
  expect(sp.ok && sp.value.map((x) => x.requested)).toEqual(['0', '1']);
  const all = await s.api.restoreAll({});
  expect(all.ok && all.value.length).toBe(2);
  expect([f.read(33), f.read(34)]).toEqual(['0-1', '0-1']);

  const c = await s.api.runChecks({});
  expect(c.ok && c.value.rules.length).toBeGreaterThan(5);
  expect(c.ok && c.value.rules.find((x) => x.rule === 'group-not-viable')?.state).toBe('not-evaluable');
  await s.close();
});
