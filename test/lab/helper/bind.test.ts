// SPDX-License-Identifier: MIT
// bind-vfio only ever runs against copied trees (DOORBELL_HELPER_TEST_ROOT): this machine's PCI
// devices are its disk and network. The blocker detection is also checked read-only on the host.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bindBlockers, mountedDevs } from '../../../lab/helper/blockers.js';
import { executeBatch } from '../../../lab/helper/exec.js';
import { testModeOptions } from '../../../lab/helper/main.js';
import { runPrivileged } from '../../../lab/helper/client.js';

const facts = { irqExists: () => false, possibleCpus: () => [0] };
const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });

interface DevSpec { bdf: string; driver?: string; block?: { name: string; dev: string; parts?: [string, string][] }; net?: { name: string; operstate: string; flags: string } }

/** A copied-tree stand-in: sys/devices/pci0000:00/BDF with the bus links, drivers and proc files. */
function tree(devs: DevSpec[], mountinfo = '', swaps = 'Filename\tType\tSize\tUsed\tPriority\n'): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-bind-'));
  dirs.push(root);
  const w = (p: string, t: string) => { fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true }); fs.writeFileSync(path.join(root, p), t); };
  w('sys/bus/pci/drivers_probe', '');
  w('proc/self/mountinfo', mountinfo);
  w('proc/swaps', swaps);
  fs.mkdirSync(path.join(root, 'sys/bus/pci/devices'), { recursive: true });
  for (const d of devs) {
    const dev = `sys/devices/pci0000:00/${d.bdf}`;
    w(`${dev}/driver_override`, '(null)\n');
    w(`${dev}/vendor`, '0x8086\n');
    fs.symlinkSync(`../../../devices/pci0000:00/${d.bdf}`, path.join(root, 'sys/bus/pci/devices', d.bdf));
    if (d.driver) {
      w(`sys/bus/pci/drivers/${d.driver}/unbind`, '');
      fs.symlinkSync(`../../../bus/pci/drivers/${d.driver}`, path.join(root, dev, 'driver'));
    }
    if (d.block) {
      const b = `${dev}/virtio1/block/${d.block.name}`;
      w(`${b}/dev`, `${d.block.dev}\n`);
      fs.mkdirSync(path.join(root, b, 'holders'), { recursive: true });
      for (const [pn, pd] of d.block.parts ?? []) { w(`${b}/${pn}/dev`, `${pd}\n`); w(`${b}/${pn}/partition`, '1\n'); }
    }
    if (d.net) {
      const n = `${dev}/virtio2/net/${d.net.name}`;
      w(`${n}/operstate`, `${d.net.operstate}\n`);
      w(`${n}/flags`, `${d.net.flags}\n`);
    }
  }
  return root;
}

const bind = (bdf: string) => JSON.stringify({ requests: [{ op: 'bind-vfio', bdf, driver: 'vfio-pci' }] });
const read = (root: string, p: string) => fs.readFileSync(path.join(root, p), 'latin1');

describe('lab/helper bind-vfio against a copied tree', () => {
  it('binds an idle device: driver_override, unbind, drivers_probe, in that order', () => {
    const root = tree([{ bdf: '0000:00:1f.3', driver: 'e1000e' }]);
    const res = executeBatch(bind('0000:00:1f.3'), facts, { bindRoot: root });
    expect(res.ok).toBe(true);
    const r = res.results[0]!;
    expect(r.ok && r.value).toMatchObject({
      bdf: '0000:00:1f.3', previousDriver: 'e1000e',
      steps: [
        '/sys/bus/pci/devices/0000:00:1f.3/driver_override <- vfio-pci',
        '/sys/bus/pci/drivers/e1000e/unbind <- 0000:00:1f.3',
        '/sys/bus/pci/drivers_probe <- 0000:00:1f.3',
      ],
    });
    expect(read(root, 'sys/devices/pci0000:00/0000:00:1f.3/driver_override')).toBe('vfio-pci\n');
    expect(read(root, 'sys/bus/pci/drivers/e1000e/unbind')).toBe('0000:00:1f.3');
    expect(read(root, 'sys/bus/pci/drivers_probe')).toBe('0000:00:1f.3');
  });

  it('refuses a device with a mounted partition (EBUSY) and writes nothing', () => {
    const root = tree([{ bdf: '0000:00:02.0', driver: 'virtio-pci', block: { name: 'vda', dev: '254:0', parts: [['vda1', '254:1']] } }],
      '27 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw\n');
    const res = executeBatch(bind('0000:00:02.0'), facts, { bindRoot: root });
    expect(res.ok).toBe(false);
    expect(res.results[0]).toMatchObject({ ok: false, errnoName: 'EBUSY', errno: 16 });
    expect(!res.results[0]!.ok && res.results[0]!.message).toMatch(/vda1 \(254:1\) is mounted/);
    expect(read(root, 'sys/devices/pci0000:00/0000:00:02.0/driver_override')).toBe('(null)\n');
    expect(read(root, 'sys/bus/pci/drivers/virtio-pci/unbind')).toBe('');
  });

  it('refuses a swap device and an interface that is up (operstate or IFF_UP)', () => {
    const root = tree([
      { bdf: '0000:00:03.0', driver: 'virtio-pci', block: { name: 'vdb', dev: '254:16' } },
      { bdf: '0000:00:04.0', driver: 'virtio-pci', net: { name: 'eth0', operstate: 'up', flags: '0x1003' } },
      { bdf: '0000:00:05.0', driver: 'virtio-pci', net: { name: 'eth1', operstate: 'down', flags: '0x1003' } },
      { bdf: '0000:00:06.0', driver: 'virtio-pci', net: { name: 'eth2', operstate: 'down', flags: '0x1002' } },
    ], '', 'Filename\tType\tSize\tUsed\tPriority\n/dev/vdb                                partition\t1048572\t0\t-2\n');
    expect(bindBlockers(root, '0000:00:03.0')).toEqual([{ kind: 'swap', name: 'vdb', detail: '254:16' }]);
    expect(bindBlockers(root, '0000:00:04.0').map((b) => b.kind)).toEqual(['net-up']);
    expect(bindBlockers(root, '0000:00:05.0').map((b) => b.name)).toEqual(['eth1']);
    expect(bindBlockers(root, '0000:00:06.0')).toEqual([]);
    const res = executeBatch(JSON.stringify({ requests: ['0000:00:03.0', '0000:00:04.0', '0000:00:05.0', '0000:00:06.0'].map((bdf) => ({ op: 'bind-vfio', bdf, driver: 'vfio-pci' })) }), facts, { bindRoot: root });
    expect(res.results.map((r) => (r.ok ? 'ok' : r.errnoName))).toEqual(['EBUSY', 'EBUSY', 'EBUSY', 'ok']);
  });

  it('answers ENODEV for a missing device and does nothing for one already on vfio-pci', () => {
    const root = tree([{ bdf: '0000:00:07.0', driver: 'vfio-pci' }]);
    const res = executeBatch(JSON.stringify({ requests: [{ op: 'bind-vfio', bdf: '0000:00:09.0', driver: 'vfio-pci' }, { op: 'bind-vfio', bdf: '0000:00:07.0', driver: 'vfio-pci' }] }), facts, { bindRoot: root });
    expect(res.results[0]).toMatchObject({ ok: false, errnoName: 'ENODEV' });
    expect(res.results[1]).toMatchObject({ ok: true, value: { steps: [], driver: 'vfio-pci' } });
    expect(read(root, 'sys/bus/pci/drivers_probe')).toBe('');
  });

  it('never follows a planted symlink: driver_override pointing elsewhere gives ELOOP, target untouched', () => {
    const root = tree([{ bdf: '0000:00:08.0', driver: 'e1000e' }]);
    const victim = path.join(root, 'victim');
    fs.writeFileSync(victim, 'precious\n');
    const ov = path.join(root, 'sys/devices/pci0000:00/0000:00:08.0/driver_override');
    fs.rmSync(ov);
    fs.symlinkSync(victim, ov);
    const res = executeBatch(bind('0000:00:08.0'), facts, { bindRoot: root });
    expect(res.results[0]).toMatchObject({ ok: false, errnoName: 'ELOOP', errno: 40 });
    expect(fs.readFileSync(victim, 'latin1')).toBe('precious\n');
  });

  it('test mode needs root outside pkexec/sudo and a tree with sys/bus/pci/devices', () => {
    const root = tree([]);
    expect(testModeOptions({ DOORBELL_HELPER_TEST: '1', DOORBELL_HELPER_TEST_ROOT: root }, 0)).toEqual({ bindRoot: root });
    expect(testModeOptions({ DOORBELL_HELPER_TEST: '1', DOORBELL_HELPER_TEST_ROOT: root, SUDO_UID: '1000' }, 0)).toHaveProperty('error');
    expect(testModeOptions({ DOORBELL_HELPER_TEST: '1', DOORBELL_HELPER_TEST_ROOT: root }, 1000)).toHaveProperty('error');
    expect(testModeOptions({ DOORBELL_HELPER_TEST: '1', DOORBELL_HELPER_TEST_ROOT: '/' }, 0)).toHaveProperty('error');
    expect(testModeOptions({ DOORBELL_HELPER_TEST_ROOT: root }, 0)).toEqual({});
  });
});

describe('lab/helper blockers on this machine (read-only)', () => {
  it('finds every mounted disk and every up interface under its PCI device', () => {
    const mounted = mountedDevs(fs.readFileSync('/proc/self/mountinfo', 'latin1'));
    const expected: { bdf: string; name: string }[] = [];
    const bdfOf = (p: string) => /\/([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])\/(?!.*[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]\/)/.exec(p)?.[1];
    for (const b of fs.readdirSync('/sys/block')) {
      const real = fs.realpathSync(`/sys/block/${b}`);
      const bdf = bdfOf(real);
      if (!bdf) continue;
      const devs = [fs.readFileSync(`/sys/block/${b}/dev`, 'latin1').trim()];
      for (const p of fs.readdirSync(`/sys/block/${b}`)) if (fs.existsSync(`/sys/block/${b}/${p}/partition`)) devs.push(fs.readFileSync(`/sys/block/${b}/${p}/dev`, 'latin1').trim());
      if (devs.some((d) => mounted.has(d))) expected.push({ bdf, name: b });
    }
    for (const n of fs.readdirSync('/sys/class/net')) {
      const real = fs.realpathSync(`/sys/class/net/${n}`);
      const bdf = bdfOf(real);
      if (bdf && fs.readFileSync(`/sys/class/net/${n}/operstate`, 'latin1').trim() === 'up') expected.push({ bdf, name: n });
    }
    expect(expected.length, 'this machine has a PCI disk or NIC in use').toBeGreaterThan(0);
    for (const e of expected) {
      const names = bindBlockers('/', e.bdf).map((b) => b.name);
      expect(names.some((n) => n === e.name || n.startsWith(e.name)), `${e.bdf} ${e.name}`).toBe(true);
    }
  });
});

describe('lab/helper/client runPrivileged', () => {
  it.skipIf(process.getuid?.() !== 0)('acts directly as root (the CLI under sudo)', async () => {
    const res = await runPrivileged([{ op: 'read', kind: 'config', bdf: fs.readdirSync('/sys/bus/pci/devices').sort()[0]! }], { pkexec: '/nonexistent/pkexec' });
    expect(res.ok).toBe(true);
  });

  it('goes through pkexec otherwise, and explains a refusal', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doorbell-pkexec-'));
    dirs.push(dir);
    const fake = path.join(dir, 'pkexec');
    // Stands in for pkexec: records its argument and answers like the helper would.
    fs.writeFileSync(fake, `#!/bin/sh\necho "$1" > ${dir}/arg\ncat > ${dir}/stdin\necho '{"v":1,"ok":true,"refused":false,"results":[{"index":0,"op":"read","ok":true,"value":1}]}'\n`, { mode: 0o755 });
    const res = await runPrivileged([{ op: 'read', kind: 'debugfs-irq', irq: 3 }], { uid: 1000, pkexec: fake, helperPath: '/usr/libexec/doorbell/doorbell-helper' });
    expect(res).toMatchObject({ ok: true, refused: false });
    expect(fs.readFileSync(path.join(dir, 'arg'), 'utf8').trim()).toBe('/usr/libexec/doorbell/doorbell-helper');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'stdin'), 'utf8'))).toEqual({ v: 1, requests: [{ op: 'read', kind: 'debugfs-irq', irq: 3 }] });

    const deny = path.join(dir, 'pkexec-deny');
    fs.writeFileSync(deny, '#!/bin/sh\necho "Error executing command as another user: Not authorized" >&2\nexit 126\n', { mode: 0o755 });
    const no = await runPrivileged([{ op: 'read', kind: 'debugfs-irq', irq: 3 }], { uid: 1000, pkexec: deny });
    expect(no).toMatchObject({ ok: false, refused: true, error: { errnoName: 'EACCES' } });
    expect(no.error?.hint).toMatch(/group vfio.*50-doorbell-helper\.rules/);

    const missing = await runPrivileged([{ op: 'read', kind: 'debugfs-irq', irq: 3 }], { uid: 1000, pkexec: path.join(dir, 'no-such-pkexec') });
    expect(missing).toMatchObject({ ok: false, refused: true, error: { errnoName: 'ENOENT' } });
  });
});
