// SPDX-License-Identifier: MIT
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AffinityEditor } from '../../../lab/affinity/editor.js';
import { AffinityJournal, defaultStateDir, JOURNAL_FILE } from '../../../lab/affinity/journal.js';
import { readBootId } from '../../../lab/affinity/procfs.js';
import { openLab } from '../../../lab/select.js';
import { fakeProc } from './fake-proc.js';
import { transpileTree } from './transpile.js';

const BDF = '0000:00:05.0';
let childJs = '';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-journal-'));

beforeAll(() => {
  childJs = transpileTree('test/lab/affinity/crash-child.ts', path.join(tmp, 'js'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function stateDir(): string {
  return fs.mkdtempSync(path.join(tmp, 'state-'));
}

/** Run the child until it has recorded the intent (and maybe written /proc), then SIGKILL it. */
async function crashMidEdit(args: string[]): Promise<{ out: string; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, [childJs, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('READY')) { child.kill('SIGKILL'); resolve(); }
    });
    child.on('exit', (code) => { if (!out.includes('READY')) reject(new Error(`child exited ${code} before READY: ${err}`)); });
  });
  const signal = await new Promise<NodeJS.Signals | null>((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r(child.signalCode);
    else child.on('exit', (_c, s) => r(s));
  });
  return { out, signal };
}

describe('journal', () => {
  it('lives in ${XDG_STATE_HOME:-~/.local/state}/doorbell unless DOORBELL_STATE_DIR says otherwise', () => {
    expect(defaultStateDir({ XDG_STATE_HOME: '/x/state' })).toBe('/x/state/doorbell');
    expect(defaultStateDir({ HOME: os.homedir() })).toBe(path.join(os.homedir(), '.local/state/doorbell'));
    expect(defaultStateDir({ DOORBELL_STATE_DIR: '/y' })).toBe('/y');
    expect(defaultStateDir({ XDG_STATE_HOME: 'relative' })).toBe(path.join(os.homedir(), '.local/state/doorbell'));
  });

  it('records intent then result, and skips a line torn by a crash', () => {
    const j = new AffinityJournal(stateDir());
    const id = j.intent({ lab: 'linux', bootId: 'b', bdf: BDF, index: 1, irq: 34, old: '0-1', new: '1', why: 'set' });
    expect(j.outstanding()).toHaveLength(1);
    expect(j.outstanding()[0]!.result).toBeNull();
    j.result(id, { ok: true, verdict: 'verified', effective: '1' });
    fs.appendFileSync(j.file, '{"t":"intent","id":"torn');
    const cs = j.changes();
    expect(cs).toHaveLength(1);
    expect(cs[0]!.result?.verdict).toBe('verified');
    expect(j.skipped).toHaveLength(1);
    expect(fs.statSync(j.file).mode & 0o777).toBe(0o600);
  });

  it('a refused write leaves nothing outstanding', () => {
    const j = new AffinityJournal(stateDir());
    const id = j.intent({ lab: 'linux', bootId: 'b', bdf: BDF, index: 1, irq: 36, old: '0-1', new: '0', why: 'set' });
    j.result(id, { ok: false, errno: 'EPERM' });
    expect(j.outstanding()).toHaveLength(0);
  });

  it('refuses to edit when the journal cannot be written, before /proc is touched', async () => {
    const f = fakeProc([{ bdf: BDF, index: 1, irq: 34, mask: '0-1' }]);
    const blocker = path.join(tmp, 'not-a-dir');
    fs.writeFileSync(blocker, 'x');
    const ed = new AffinityEditor({ backend: f.backend, journal: new AffinityJournal(path.join(blocker, 'sub')) });
    await expect(ed.setAffinity(BDF, 1, '1')).rejects.toThrow(/cannot record the change/);
    expect(f.read(34)).toBe('0-1');
  });
});

describe('crash in the middle of an edit (kill -9), fake /proc', () => {
  it('killed after the /proc write: a fresh start offers the restore, and the restore works', async () => {
    const f = fakeProc([{ bdf: BDF, index: 1, irq: 34, mask: '0-1' }]);
    const dir = stateDir();
    const r = await crashMidEdit([dir, f.root, 'linux:fake', 'boot-1', BDF, '1', '34', '0-1', '1', 'after']);
    expect(r.signal).toBe('SIGKILL');
    expect(f.read(34)).toBe('1');
    const ed = new AffinityEditor({ backend: f.backend, journal: new AffinityJournal(dir), observeMs: 0 });
    const offer = await ed.recovery();
    expect(offer).toHaveLength(1);
    expect(offer[0]).toMatchObject({ irq: 34, bdf: BDF, index: 1, original: '0-1', current: '1', action: 'restore', interrupted: true });
    const done = await ed.restoreAll();
    expect(done[0]!.result?.changeId).toBeTruthy();
    expect(f.read(34)).toBe('0-1');
    expect(await ed.recovery()).toHaveLength(0);
  });

  it('killed before the /proc write: nothing to restore, the record is closed', async () => {
    const f = fakeProc([{ bdf: BDF, index: 1, irq: 34, mask: '0-1' }]);
    const dir = stateDir();
    await crashMidEdit([dir, f.root, 'linux:fake', 'boot-1', BDF, '1', '34', '0-1', '1', 'before']);
    const ed = new AffinityEditor({ backend: f.backend, journal: new AffinityJournal(dir), observeMs: 0 });
    const offer = await ed.recovery();
    expect(offer[0]).toMatchObject({ action: 'nothing-to-do', current: '0-1', interrupted: true });
    await ed.restoreAll();
    expect(f.read(34)).toBe('0-1');
    expect(await ed.recovery()).toHaveLength(0);
  });

  it('a mask someone else changed since is reported and left alone', async () => {
    const f = fakeProc([{ bdf: BDF, index: 1, irq: 34, mask: '0-1' }]);
    const dir = stateDir();
    await crashMidEdit([dir, f.root, 'linux:fake', 'boot-1', BDF, '1', '34', '0-1', '1', 'after']);
    f.write(34, '0');   // e.g. irqbalance
    const ed = new AffinityEditor({ backend: f.backend, journal: new AffinityJournal(dir), observeMs: 0 });
    const [item] = await ed.recovery();
    expect(item).toMatchObject({ action: 'changed-elsewhere', current: '0' });
    expect(item!.why).toMatch(/someone else/);
    await ed.restoreAll();
    expect(f.read(34)).toBe('0');
  });

  it('after a reboot (new boot_id) or a rebind (new IRQ number) the change is gone, not restored', async () => {
    const f = fakeProc([{ bdf: BDF, index: 1, irq: 34, mask: '0-1' }, { bdf: '0000:00:06.0', index: 0, irq: 40, mask: '0-1' }]);
    const dir = stateDir();
    await crashMidEdit([dir, f.root, 'linux:fake', 'boot-1', BDF, '1', '34', '0-1', '1', 'after']);
    f.irqOf.set(`${BDF}/1`, 41);        // rebound: the vector now has IRQ 41
    const ed = new AffinityEditor({ backend: f.backend, journal: new AffinityJournal(dir), observeMs: 0 });
    expect((await ed.recovery())[0]).toMatchObject({ action: 'gone' });
    f.irqOf.set(`${BDF}/1`, 34);
    f.setBootId('boot-2');
    const [item] = await ed.recovery();
    expect(item).toMatchObject({ action: 'gone' });
    expect(item!.why).toMatch(/rebooted/);
    await ed.restoreAll();
    expect(f.read(34)).toBe('1');       // not touched
    expect(await ed.recovery()).toHaveLength(0);
  });
});

describe('edits, undo and restore-all on a fake /proc', () => {
  it('every change is journaled with BDF, index, IRQ, old and new mask, time and verdict; undo reverts the latest', async () => {
    const f = fakeProc([{ bdf: BDF, index: 0, irq: 33, mask: '0-1' }, { bdf: BDF, index: 1, irq: 34, mask: '0-1' }]);
    const dir = stateDir();
    const ed = new AffinityEditor({ backend: f.backend, journal: new AffinityJournal(dir), observeMs: 0 });
    const a = await ed.setAffinity(BDF, 1, '1');
    expect(a.verdict.kind).toBe('unconfirmed');  // no message, no traffic on a fake tree
    expect(f.read(34)).toBe('1');
    const b = await ed.setAffinity(BDF, 1, '0');
    expect(f.read(34)).toBe('0');
    const [c1, c2] = ed.journal.changes();
    expect(c1!.intent).toMatchObject({ bdf: BDF, index: 1, irq: 34, old: '0-1', new: '1' });
    expect(c1!.result).toMatchObject({ ok: true, verdict: 'unconfirmed' });
    expect(typeof c1!.intent.at).toBe('number');
    expect(c2!.intent).toMatchObject({ old: '1', new: '0' });
    const u = await ed.undo({ bdf: BDF, index: 1 });
    expect(u?.action).toBe('restore');
    expect(f.read(34)).toBe('1');
    expect(b.changeId).not.toBe(a.changeId);
    await ed.setAffinity(BDF, 0, '1');
    const all = await ed.restoreAll();
    expect(all.map((x) => x.action).sort()).toEqual(['restore', 'restore']);
    expect(f.read(33)).toBe('0-1');
    expect(f.read(34)).toBe('0-1');
    expect(ed.journal.outstanding()).toHaveLength(0);
  });

  it('rejects a malformed or out-of-range CPU list before anything is written or journaled', async () => {
    const f = fakeProc([{ bdf: BDF, index: 1, irq: 34, mask: '0-1' }]);
    const ed = new AffinityEditor({ backend: f.backend, journal: new AffinityJournal(stateDir()), observeMs: 0 });
    await expect(ed.setAffinity(BDF, 1, '0-')).rejects.toThrow(/bad CPU list/);
    await expect(ed.setAffinity(BDF, 1, '2')).rejects.toThrow(/past the last CPU/);
    await expect(ed.setAffinity(BDF, 1, '1-0')).rejects.toThrow(/backwards/);
    expect(f.read(34)).toBe('0-1');
    expect(ed.journal.changes()).toHaveLength(0);
  });

  it('a captured tree is read-only: refused before anything is journaled or written', async () => {
    const lab = await openLab({ kind: 'linux', root: 'test/fixtures/sysroots/x86-vtd-vfio-e1000e', reason: 'test' });
    const ed = new AffinityEditor({ backend: lab, journal: new AffinityJournal(stateDir()) });
    const r = await ed.setAffinity('0000:00:02.0', 1, '0');
    expect(r.verdict).toMatchObject({ kind: 'refused', errno: 'EROFS' });
    expect(r.changeId).toBeNull();
    expect(ed.journal.changes()).toHaveLength(0);
    await lab.close();
  });

  it('warns when irqbalance is running (it may undo the change)', async () => {
    const f = fakeProc([{ bdf: BDF, index: 1, irq: 34, mask: '0-1' }]);
    fs.mkdirSync(path.join(f.root, 'proc/4242'), { recursive: true });
    fs.writeFileSync(path.join(f.root, 'proc/4242/comm'), 'irqbalance\n');
    const ed = new AffinityEditor({ backend: f.backend, journal: new AffinityJournal(stateDir()), observeMs: 0 });
    const r = await ed.setAffinity(BDF, 1, '1');
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/irqbalance is running \(pid 4242\).*undo/);
    await ed.restoreAll();
  });

  it('spread and pin-all cover every vector of the device', async () => {
    const f = fakeProc([{ bdf: BDF, index: 0, irq: 33, mask: '0-1' }, { bdf: BDF, index: 1, irq: 34, mask: '0-1' }]);
    const ed = new AffinityEditor({ backend: f.backend, journal: new AffinityJournal(stateDir()), observeMs: 0 });
    await ed.spread(BDF, '0-1');
    expect([f.read(33), f.read(34)]).toEqual(['0', '1']);
    await ed.pinAll(BDF, '1');
    expect([f.read(33), f.read(34)]).toEqual(['1', '1']);
    await ed.restoreAll();
    expect([f.read(33), f.read(34)]).toEqual(['0-1', '0-1']);
  });
});

// This machine's real /proc: a writable, non-managed MSI-X IRQ, killed mid-edit, restored by a fresh start.
const realIrq = (() => {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const online = fs.readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
  if (online !== '0-1') return null;
  for (const bdf of fs.readdirSync('/sys/bus/pci/devices')) {
    let irqs: string[];
    try { irqs = fs.readdirSync(`/sys/bus/pci/devices/${bdf}/msi_irqs`); } catch { continue; }
    for (const irq of irqs.sort((a, b) => Number(a) - Number(b))) {
      const f = `/proc/irq/${irq}/smp_affinity_list`;
      try {
        if ((fs.statSync(f).mode & 0o200) === 0) continue;
        const hw = fs.readFileSync(`/sys/kernel/irq/${irq}/hwirq`, 'utf8').trim();
        return { bdf, irq: Number(irq), index: Number(hw), mask: fs.readFileSync(f, 'utf8').trim() };
      } catch { continue; }
    }
  }
  return null;
})();

describe.skipIf(realIrq === null)('crash in the middle of an edit (kill -9), this machine\'s /proc', () => {
  it('a fresh start offers the restore of the real IRQ, and the restore works', async () => {
    const { bdf, irq, index, mask } = realIrq!;
    const target = mask === '1' ? '0' : '1';
    const dir = stateDir();
    try {
      await crashMidEdit([dir, '/', 'linux', readBootId('/') ?? '?', bdf, String(index), String(irq), mask, target, 'after']);
      expect(fs.readFileSync(`/proc/irq/${irq}/smp_affinity_list`, 'utf8').trim()).toBe(target);
      const lab = await openLab({ kind: 'linux', root: '/', reason: 'test' });
      const ed = new AffinityEditor({ backend: lab, journal: new AffinityJournal(dir), observeMs: 0 });
      const offer = await ed.recovery();
      expect(offer).toHaveLength(1);
      expect(offer[0]).toMatchObject({ irq, bdf, index, original: mask, current: target, action: 'restore', interrupted: true });
      await ed.restoreAll();
      expect(fs.readFileSync(`/proc/irq/${irq}/smp_affinity_list`, 'utf8').trim()).toBe(mask);
      expect(await ed.recovery()).toHaveLength(0);
      await lab.close();
    } finally {
      fs.writeFileSync(`/proc/irq/${irq}/smp_affinity_list`, mask);
    }
  });
});

it('the journal file name is stable (other tools and the UI read it)', () => {
  expect(JOURNAL_FILE).toBe('affinity-journal.jsonl');
});
