// SPDX-License-Identifier: MIT
// The privileged helper, run directly as root on this machine: real affinity writes on a real
// non-managed IRQ (restored in finally), real reads, and every kind of malformed or hostile input,
// with every IRQ's affinity re-read before and after to prove nothing else changed. bind-vfio runs
// only against copied trees (bind.test.ts): never against this machine's disk and network.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helperMain, type HelperIo } from '../../../lab/helper/main.js';
import { MAX_INPUT_BYTES, MAX_ITEMS, validateBatch, type HelperResponse } from '../../../lab/helper/protocol.js';
import { parseCpuList } from '../../../common/cpulist.js';

const isRoot = process.getuid?.() === 0;
const ROOT_DIR = path.resolve(import.meta.dirname, '../../..');

function affinities(): Map<string, string> {
  const m = new Map<string, string>();
  for (const d of fs.readdirSync('/proc/irq')) {
    if (!/^\d+$/.test(d)) continue;
    try { m.set(d, fs.readFileSync(`/proc/irq/${d}/smp_affinity_list`, 'latin1').trim()); } catch { /* no file */ }
  }
  return m;
}

const possible = (() => {
  const p = parseCpuList(fs.readFileSync('/sys/devices/system/cpu/possible', 'latin1'));
  return p.ok ? p.cpus : [0];
})();

/**
 * A real IRQ from /proc/interrupts whose smp_affinity_list is writable (0644: not managed), or
 * read-only (0444: managed). Prefers the last virtio "-config" vector: it rarely fires, and other
 * test files that move IRQs pick data vectors or the first IRQs.
 */
function pickIrq(writable: boolean): number | null {
  const found: { irq: number; config: boolean }[] = [];
  for (const line of fs.readFileSync('/proc/interrupts', 'latin1').split('\n')) {
    const m = /^\s*(\d+):/.exec(line);
    if (!m) continue;
    const f = `/proc/irq/${m[1]}/smp_affinity_list`;
    try {
      const mode = fs.statSync(f).mode & 0o777;
      if (writable ? (mode & 0o200) !== 0 : (mode & 0o222) === 0) found.push({ irq: Number(m[1]), config: /-config\s*$/.test(line) });
    } catch { /* gone */ }
  }
  return (found.filter((f) => f.config).pop() ?? found.pop())?.irq ?? null;
}

/**
 * Every IRQ's affinity equals the snapshot. Other test files move IRQs in parallel workers and
 * restore them in finally, so a difference on an IRQ the helper was not asked about is re-read a
 * few times before it counts; `own` IRQs are compared once, strictly.
 */
async function expectUnchanged(snap: Map<string, string>, own: number[] = []): Promise<void> {
  for (const irq of own) expect(affinities().get(String(irq)), `IRQ ${irq}`).toBe(snap.get(String(irq)));
  let now = affinities();
  for (let i = 0; i < 40 && [...snap].some(([k, v]) => now.get(k) !== v); i++) {
    await new Promise((r) => setTimeout(r, 50));
    now = affinities();
  }
  expect(now).toEqual(snap);
}

async function run(input: string | Buffer, over: Partial<HelperIo> = {}): Promise<{ code: number; res: HelperResponse; logs: string[] }> {
  let out = '';
  const logs: string[] = [];
  const io: HelperIo = {
    argv: [], env: {}, uid: 0,
    stdin: (async function* () { yield typeof input === 'string' ? Buffer.from(input) : input; })(),
    write: (t) => { out += t; },
    log: (l) => { logs.push(l); return 'test'; },
    ...over,
  };
  const code = await helperMain(io);
  return { code, res: JSON.parse(out) as HelperResponse, logs };
}

const req = (...requests: unknown[]) => JSON.stringify({ requests });

describe.skipIf(!isRoot)('lab/helper as root on this machine', () => {
  let before: Map<string, string>;
  beforeAll(() => { before = affinities(); });
  afterAll(async () => {
    // Nothing the tests did may outlive them.
    await expectUnchanged(before);
  });

  it('moves a real non-managed IRQ and reads it back, then restores it', async () => {
    const irq = pickIrq(true);
    expect(irq, 'no writable IRQ in /proc/interrupts').not.toBeNull();
    const file = `/proc/irq/${irq}/smp_affinity_list`;
    const orig = fs.readFileSync(file, 'latin1').trim();
    const target = possible.length > 1 && orig === String(possible[0]) ? String(possible[1]) : String(possible[0]);
    try {
      const { code, res, logs } = await run(req({ op: 'affinity', irq, cpus: target }));
      expect(code).toBe(0);
      expect(res.ok).toBe(true);
      expect(res.refused).toBe(false);
      expect(res.results).toHaveLength(1);
      const r = res.results[0]!;
      expect(r.ok).toBe(true);
      expect(r.ok && r.value).toMatchObject({ irq, previous: orig, requested: target });
      expect(fs.readFileSync(file, 'latin1').trim()).toBe(target);
      // every other IRQ is untouched
      await expectUnchanged(new Map([...before, [String(irq), target]]));
      expect(logs[0]).toMatch(new RegExp(`caller=uid:0 affinityx1 items=1 result=ok`));
    } finally {
      fs.writeFileSync(file, orig);
    }
    expect(fs.readFileSync(file, 'latin1').trim()).toBe(orig);
  });

  it.skipIf(pickIrq(false) === null)('a managed IRQ gives EPERM (or EIO before 6.12) and stays as it was', async () => {
    const irq = pickIrq(false)!;
    const was = fs.readFileSync(`/proc/irq/${irq}/smp_affinity_list`, 'latin1').trim();
    const { code, res } = await run(req({ op: 'affinity', irq, cpus: String(possible[0]) }));
    expect(code).toBe(1);
    expect(res.ok).toBe(false);
    const r = res.results[0]!;
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(['EPERM', 'EIO']).toContain(r.errnoName);
      expect(r.hint).toMatch(/managed/);
      expect(r.path).toBe(`/proc/irq/${irq}/smp_affinity_list`);
    }
    expect(fs.readFileSync(`/proc/irq/${irq}/smp_affinity_list`, 'latin1').trim()).toBe(was);
  });

  it('reads full config space (past 64 bytes) of a real device', async () => {
    const bdf = fs.readdirSync('/sys/bus/pci/devices').sort().find((b) => fs.statSync(`/sys/bus/pci/devices/${b}/config`).size > 64)!;
    const { code, res } = await run(req({ op: 'read', kind: 'config', bdf }));
    expect(code).toBe(0);
    const r = res.results[0]!;
    expect(r.ok).toBe(true);
    const want = fs.readFileSync(`/sys/bus/pci/devices/${bdf}/config`);
    if (r.ok) {
      const v = r.value as { size: number; hex: string };
      expect(v.size).toBe(want.length);
      expect(v.size).toBeGreaterThan(64);
      // Status and capability pointers are stable; compare the header's vendor/device words.
      expect(v.hex.slice(0, 8)).toBe(want.subarray(0, 4).toString('hex'));
    }
  });

  it('reads a debugfs irq file, or says exactly why it cannot', async () => {
    const irq = pickIrq(true)!;
    const { res } = await run(req({ op: 'read', kind: 'debugfs-irq', irq }));
    const r = res.results[0]!;
    if (fs.existsSync(`/sys/kernel/debug/irq/irqs/${irq}`)) {
      expect(r.ok).toBe(true);
      if (r.ok) expect((r.value as { text: string }).text).toMatch(/handler|domain|chip/);
    } else {
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.errnoName).toBe('ENOENT');
        expect(r.hint).toMatch(/mount -t debugfs/);
      }
    }
  });

  it('reads the real MSI-X table through resourceN, or names the missing file', async () => {
    const msix = fs.readdirSync('/sys/bus/pci/devices').sort().find((b) => {
      try { return fs.readdirSync(`/sys/bus/pci/devices/${b}/msi_irqs`).length > 0; } catch { return false; }
    });
    expect(msix, 'no MSI-X device here').toBeDefined();
    const { res } = await run(req({ op: 'read', kind: 'msix-table', bdf: msix }));
    const r = res.results[0]!;
    if (r.ok) {
      const v = r.value as { tableSize: number; entries: { index: number; address: string }[] };
      expect(v.entries).toHaveLength(v.tableSize);
      expect(v.entries[0]!.address).toMatch(/^0x[0-9a-f]+$/);
    } else {
      expect(['ENOENT', 'EPERM', 'EACCES', 'ENODATA', 'EIO']).toContain(r.errnoName);
      expect(r.path).toMatch(new RegExp(`^/sys/bus/pci/devices/${msix}/(resource\\d|config)`));
      if (r.errnoName === 'ENOENT') expect(fs.existsSync(r.path!)).toBe(false);
    }
  });

  describe('refuses malformed and hostile input and changes nothing', () => {
    const irq = pickIrq(true) ?? 0;
    const last = possible[possible.length - 1]!;
    const cases: [string, string | Buffer, string][] = [
      ['empty input', '', 'EINVAL'],
      ['not JSON', 'affinity 29 0-1', 'EINVAL'],
      ['truncated JSON', '{"requests":[{"op":"affinity","irq":', 'EINVAL'],
      ['NUL bytes', Buffer.from([0, 0, 0]), 'EINVAL'],
      ['top-level array', JSON.stringify([{ op: 'affinity', irq, cpus: '0' }]), 'EINVAL'],
      ['null', 'null', 'EINVAL'],
      ['extra top-level field (a root)', JSON.stringify({ requests: [{ op: 'affinity', irq, cpus: '0' }], root: '/tmp' }), 'EINVAL'],
      ['wrong protocol version', JSON.stringify({ v: 2, requests: [{ op: 'affinity', irq, cpus: '0' }] }), 'EINVAL'],
      ['no requests', req(), 'EINVAL'],
      ['unknown op write', req({ op: 'write', path: '/etc/passwd', data: 'x' }), 'EOPNOTSUPP'],
      ['unknown op exec', req({ op: 'exec', cmd: 'rm -rf /' }), 'EOPNOTSUPP'],
      ['op with a shell metacharacter', req({ op: 'affinity;id', irq, cpus: '0' }), 'EOPNOTSUPP'],
      ['irq as a string', req({ op: 'affinity', irq: String(irq), cpus: '0' }), 'EINVAL'],
      ['irq with shell metacharacters', req({ op: 'affinity', irq: `${irq}; reboot`, cpus: '0' }), 'EINVAL'],
      ['irq as a path', req({ op: 'affinity', irq: '../../../etc/passwd', cpus: '0' }), 'EINVAL'],
      ['negative irq', req({ op: 'affinity', irq: -1, cpus: '0' }), 'ERANGE'],
      ['float irq', req({ op: 'affinity', irq: irq + 0.5, cpus: '0' }), 'EINVAL'],
      ['huge irq', req({ op: 'affinity', irq: 1e308, cpus: '0' }), 'EINVAL'],
      ['irq past 2^53', `{"requests":[{"op":"affinity","irq":9007199254740993,"cpus":"0"}]}`, 'EINVAL'],
      ['irq past the bitmap', req({ op: 'affinity', irq: 1 << 20, cpus: '0' }), 'ERANGE'],
      ['irq that does not exist', req({ op: 'affinity', irq: (1 << 20) - 1, cpus: '0' }), 'ENOENT'],
      ['cpus with ;', req({ op: 'affinity', irq, cpus: '0;reboot' }), 'EINVAL'],
      ['cpus with $()', req({ op: 'affinity', irq, cpus: '$(id)' }), 'EINVAL'],
      ['cpus with backticks', req({ op: 'affinity', irq, cpus: '`id`' }), 'EINVAL'],
      ['cpus with newline', req({ op: 'affinity', irq, cpus: '0\n1' }), 'EINVAL'],
      ['cpus as path', req({ op: 'affinity', irq, cpus: '../0' }), 'EINVAL'],
      ['cpus hex mask', req({ op: 'affinity', irq, cpus: '0x3' }), 'EINVAL'],
      ['cpus empty', req({ op: 'affinity', irq, cpus: '' }), 'EINVAL'],
      ['cpus as array', req({ op: 'affinity', irq, cpus: [0, 1] }), 'EINVAL'],
      ['cpus backwards', req({ op: 'affinity', irq, cpus: `${last}-0` }), 'EINVAL'],
      ['cpus past the last possible CPU', req({ op: 'affinity', irq, cpus: String(last + 1) }), 'ERANGE'],
      ['cpus huge range', req({ op: 'affinity', irq, cpus: '0-999999' }), 'ERANGE'],
      ['cpus very long', req({ op: 'affinity', irq, cpus: '0,'.repeat(2000) + '0' }), 'EINVAL'],
      ['extra field on an item', req({ op: 'affinity', irq, cpus: '0', path: '/etc/shadow' }), 'EINVAL'],
      ['__proto__ on an item', `{"requests":[{"op":"affinity","irq":${irq},"cpus":"0","__proto__":{"x":1}}]}`, 'EINVAL'],
      ['duplicate IRQ', req({ op: 'affinity', irq, cpus: '0' }, { op: 'affinity', irq, cpus: '0' }), 'EINVAL'],
      ['bdf as a path', req({ op: 'bind-vfio', bdf: '../../../../etc', driver: 'vfio-pci' }), 'EINVAL'],
      ['bdf with a trailing path', req({ op: 'bind-vfio', bdf: '0000:00:02.0/../..', driver: 'vfio-pci' }), 'EINVAL'],
      ['bdf with shell', req({ op: 'bind-vfio', bdf: '0000:00:02.0;reboot', driver: 'vfio-pci' }), 'EINVAL'],
      ['bdf upper case', req({ op: 'bind-vfio', bdf: '0000:00:0A.0', driver: 'vfio-pci' }), 'EINVAL'],
      ['other driver', req({ op: 'bind-vfio', bdf: '0000:00:02.0', driver: 'e1000e' }), 'EINVAL'],
      ['driver with a space', req({ op: 'bind-vfio', bdf: '0000:00:02.0', driver: 'vfio-pci ' }), 'EINVAL'],
      ['bind without driver', req({ op: 'bind-vfio', bdf: '0000:00:02.0' }), 'EINVAL'],
      ['read of an arbitrary file', req({ op: 'read', kind: 'file', path: '/etc/shadow' }), 'EINVAL'],
      ['read config with a path', req({ op: 'read', kind: 'config', bdf: '0000:00:02.0', path: '/etc/shadow' }), 'EINVAL'],
      ['read config by irq', req({ op: 'read', kind: 'config', irq }), 'EINVAL'],
      ['read debugfs by bdf', req({ op: 'read', kind: 'debugfs-irq', bdf: '0000:00:02.0' }), 'EINVAL'],
      ['read debugfs irq as path', req({ op: 'read', kind: 'debugfs-irq', irq: '../../../../etc/shadow' }), 'EINVAL'],
      ['oversized input', 'x'.repeat(MAX_INPUT_BYTES + 1), 'E2BIG'],
      ['too many items', req(...Array.from({ length: MAX_ITEMS + 1 }, () => ({ op: 'read', kind: 'config', bdf: '0000:00:00.0' }))), 'E2BIG'],
    ];
    it.each(cases)('%s', async (_name, input, errnoName) => {
      const snap = affinities();
      const { code, res, logs } = await run(input);
      expect(code).toBe(2);
      expect(res.ok).toBe(false);
      expect(res.refused).toBe(true);
      expect(res.error?.errnoName).toBe(errnoName);
      expect(res.error?.errno).toBeGreaterThan(0);
      expect(res.error?.hint.length).toBeGreaterThan(0);
      expect(res.results.every((r) => !r.ok)).toBe(true);
      expect(logs[0]).toMatch(/result=refused/);
      await expectUnchanged(snap, [irq]);
    });

    it('one bad item refuses the whole batch: the valid affinity before it is not applied', async () => {
      const file = `/proc/irq/${irq}/smp_affinity_list`;
      const orig = fs.readFileSync(file, 'latin1').trim();
      const target = orig === String(possible[0]) && possible.length > 1 ? String(possible[1]) : String(possible[0]);
      try {
        const { code, res } = await run(req({ op: 'affinity', irq, cpus: target }, { op: 'affinity', irq: -5, cpus: '0' }));
        expect(code).toBe(2);
        expect(res.results[0]).toMatchObject({ ok: false, skipped: true, errnoName: 'ECANCELED' });
        expect(res.results[1]).toMatchObject({ ok: false, errnoName: 'ERANGE' });
        expect(res.error?.message).toMatch(/^item 1: /);
        expect(fs.readFileSync(file, 'latin1').trim()).toBe(orig);
      } finally {
        fs.writeFileSync(file, orig);
      }
    });

    it('takes no arguments (pkexec passes the caller\'s through)', async () => {
      const { code, res } = await run(req({ op: 'read', kind: 'config', bdf: '0000:00:00.0' }), { argv: ['--root', '/tmp'] });
      expect(code).toBe(2);
      expect(res.error?.errnoName).toBe('EINVAL');
    });

    it('refuses test mode through pkexec or sudo, and refuses to run as a user', async () => {
      const env = { DOORBELL_HELPER_TEST: '1', DOORBELL_HELPER_TEST_ROOT: '/tmp', PKEXEC_UID: '1000' };
      const a = await run(req({ op: 'read', kind: 'config', bdf: '0000:00:00.0' }), { env });
      expect(a.res.error).toMatchObject({ errnoName: 'EPERM' });
      expect(a.res.error?.message).toMatch(/test mode/);
      const b = await run(req({ op: 'read', kind: 'config', bdf: '0000:00:00.0' }), { uid: 1000 });
      expect(b.res.error).toMatchObject({ errnoName: 'EPERM' });
      expect(b.res.error?.message).toMatch(/must run as root/);
    });
  });

  it('runs as a separate process through its launcher (stdin JSON, exit status)', () => {
    if (!fs.existsSync(path.join(ROOT_DIR, 'out/node/lab/helper/main.js'))) {
      // The launcher needs `npm run build:node`; the in-process tests above cover the logic.
      expect(fs.existsSync(path.join(ROOT_DIR, 'bin/doorbell-helper.mjs'))).toBe(true);
      return;
    }
    const ok = spawnSync(process.execPath, [path.join(ROOT_DIR, 'bin/doorbell-helper.mjs')], { input: req({ op: 'read', kind: 'config', bdf: '0000:00:00.0' }), encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout.trim())).toMatchObject({ ok: true, refused: false });
    const bad = spawnSync(process.execPath, [path.join(ROOT_DIR, 'bin/doorbell-helper.mjs')], { input: '{"requests":[{"op":"affinity","irq":"1;id","cpus":"0"}]}', encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(bad.status).toBe(2);
    expect(JSON.parse(bad.stdout.trim())).toMatchObject({ ok: false, refused: true });
  });
});

describe('lab/helper batches', () => {
  it('spreading 2048 vectors is one request, under the size and item limits', () => {
    const facts = { irqExists: (n: number) => n >= 100 && n < 100 + 2048, possibleCpus: () => Array.from({ length: 64 }, (_, i) => i) };
    const body = req(...Array.from({ length: 2048 }, (_, i) => ({ op: 'affinity', irq: 100 + i, cpus: String(i % 64) })));
    expect(Buffer.byteLength(body)).toBeLessThan(MAX_INPUT_BYTES);
    const v = validateBatch(body, facts);
    expect(v.ok).toBe(true);
    if (v.ok) expect(v.requests).toHaveLength(2048);
  });
});
