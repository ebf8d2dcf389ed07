// SPDX-License-Identifier: MIT
// Handing a device to vfio-pci: driver_override = "vfio-pci", unbind the current driver, then
// /sys/bus/pci/drivers_probe (Documentation/ABI/testing/sysfs-bus-pci, driver_override). Unbinding
// tears down every disk and network interface under the device, so a device with a mounted
// filesystem, swap, or an interface that is up is refused before anything is written
// (lab/helper/blockers.ts) — this machine's own disk and network are never handed over.
import { errnoError, fail, ok, type Result } from '../../common/errors.js';
import { bindBlockers } from '../helper/blockers.js';
import { runPrivileged } from '../helper/client.js';
import type { HelperRequest, HelperResponse } from '../helper/protocol.js';
import type { SimBackend } from '../sim/backend.js';

export interface BindOutcome {
  previousDriver: string | null;
  /** The sysfs writes made, in order (empty when the device was already on vfio-pci). */
  steps: string[];
}

export interface Binder {
  readonly how: string;
  bind(bdf: string): Promise<Result<BindOutcome>>;
}

/** The simulator's model of driver_override: the host driver lets go of its IRQs, vfio-pci probes. */
export function simBinder(backend: SimBackend): Binder {
  return {
    how: 'simulated driver_override + drivers_probe',
    async bind(bdf) {
      const d = backend.k.devs.get(bdf);
      if (!d) return fail(errnoError('bind vfio-pci', 'ENODEV', 'Pick a device from the device list.', { message: `no PCI device ${bdf}` }));
      const prev = d.driver;
      if (prev === 'vfio-pci') return ok({ previousDriver: prev, steps: [] });
      const dev = `/sys/bus/pci/devices/${bdf}`;
      const writes: [string, string][] = [[`${dev}/driver_override`, 'vfio-pci'], ...(prev ? [[`/sys/bus/pci/drivers/${prev}/unbind`, bdf] as [string, string]] : []), ['/sys/bus/pci/drivers_probe', bdf]];
      // The host driver's remove() frees its vectors (pci_free_irq_vectors); vfio-pci allocates none until SET_IRQS.
      for (const irq of d.hostIrqs) backend.k.freeIrq(irq);
      d.hostIrqs = [];
      d.driver = 'vfio-pci';
      const steps: string[] = [];
      for (const [path, value] of writes) {
        backend.log.record({ at: Date.now(), kind: 'write', op: `write ${path}`, bdf, args: { value }, ok: true, ret: value.length, errno: null, errnoName: null, durationUs: 0 });
        steps.push(`${path} <- ${value}`);
      }
      return ok({ previousDriver: prev, steps });
    },
  };
}

export interface LinuxBinderOptions {
  /** Where /sys and /proc are read for the blockers check ('/' = this machine). */
  root: string;
  /** The privileged path (default runPrivileged: in-process as root, else pkexec + the helper). */
  run?: (requests: HelperRequest[]) => Promise<HelperResponse>;
}

/** driver_override through the privileged helper, after refusing a device this machine uses. */
export function linuxBinder(opts: LinuxBinderOptions): Binder {
  const run = opts.run ?? ((r: HelperRequest[]) => runPrivileged(r));
  return {
    how: 'driver_override + drivers_probe through the privileged helper',
    async bind(bdf) {
      const blockers = bindBlockers(opts.root, bdf);
      if (blockers.length > 0) {
        const what = blockers.map((b) => (b.kind === 'net-up' ? `network interface ${b.name} is up (${b.detail})` : `${b.name} (${b.detail}) is ${b.kind === 'swap' ? 'used as swap' : 'mounted'}`)).join('; ');
        return fail(errnoError('bind vfio-pci', 'EBUSY', 'This device is this machine\'s own disk or network: pick an idle device (or unmount / `ip link set DEV down` first, if you really mean it).', {
          message: `refusing to unbind ${bdf} from its driver: ${what}`, path: `/sys/bus/pci/devices/${bdf}`,
        }));
      }
      const res = await run([{ op: 'bind-vfio', bdf, driver: 'vfio-pci' }]);
      const item = res.results[0];
      if (res.refused || !item) {
        const e = res.error;
        return fail({ op: 'bind vfio-pci', message: e?.message ?? 'the privileged helper refused the request', hint: e?.hint ?? 'Run the CLI with sudo.', ...(e ? { errno: e.errno, errnoName: e.errnoName } : {}) });
      }
      if (!item.ok) return fail({ op: 'bind vfio-pci', errno: item.errno, errnoName: item.errnoName, message: item.message, hint: item.hint, ...(item.path ? { path: item.path } : {}) });
      const v = item.value as { previousDriver?: string | null; steps?: string[] };
      return ok({ previousDriver: v.previousDriver ?? null, steps: v.steps ?? [] });
    },
  };
}
