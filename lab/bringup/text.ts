// SPDX-License-Identifier: MIT
// The checklist's words: each step's title and what it does, and what a kernel refusal means at
// that step (the errno rules of domain.md §2 and the iommufd/vfio sources it cites).
import { ERRNO } from '../../common/errno.js';
import type { BringupStepId } from '../../common/model/index.js';

export const STEP_TEXT: Record<BringupStepId, { title: string; does: string }> = {
  iommu: { title: 'IOMMU present', does: 'Reads the IOMMU units, the device\'s IOMMU group and its reserved regions, and whether /dev/iommu exists.' },
  bound: { title: 'Device bound to vfio-pci', does: 'Checks the driver; if it is a host driver, binds vfio-pci through driver_override (refused for a device with a mounted filesystem or an interface that is up).' },
  iommufd: { title: 'iommufd opened', does: 'Opens /dev/iommu and the device\'s VFIO cdev, and binds the device to the iommufd (VFIO_DEVICE_BIND_IOMMUFD).' },
  ioas: { title: 'IOAS and mappings', does: 'Allocates an IOAS, attaches the device, reads the allowed IOVA ranges and maps a 64 KiB test buffer outside the reserved regions.' },
  vectors: { title: 'Vectors enabled', does: 'Reads the MSI-X (or MSI) count and enables the first vectors with one eventfd each (VFIO_DEVICE_SET_IRQS), then reads back their IRQs and messages.' },
  doorbells: { title: 'Every vector hits a doorbell', does: 'Places each vector\'s message address in the device\'s address space and requires it to land on a mapped doorbell page.' },
  delivery: { title: 'Test interrupts delivered', does: 'Makes the device send each vector once and requires a per-CPU count and an eventfd signal; then masks one vector and requires it to stay silent.' },
  affinity: { title: 'An affinity move verified', does: 'Moves one vector to another CPU through the journaled affinity editor and verifies the message, the effective CPU and where a test interrupt is counted.' },
  rollback: { title: 'Everything rolled back', does: 'Undoes the move, disables the vectors, closes the eventfds, unmaps, detaches, closes the device, destroys the IOAS, closes /dev/iommu, and checks nothing is left.' },
};

export interface Explained { explanation: string; hint?: string }

/** What `errno` means at `step`. */
export function explainErrno(step: BringupStepId, errno: string, ctx: { passive: { holder: string; why: string } | null }): Explained {
  if ((errno === 'EBUSY' || errno === 'EINVAL') && ctx.passive && (step === 'iommufd' || step === 'bound')) {
    return { explanation: ctx.passive.why, hint: 'Stop the VMM (or hot-unplug the device from it) to drive the device from Doorbell; until then it is shown read-only.' };
  }
  switch (`${step}:${errno}`) {
    case 'iommufd:EPERM':
      return {
        explanation: 'iommufd refuses to bind a device whose MSIs are not isolated: this platform has no interrupt remapping / IRQ_DOMAIN_FLAG_ISOLATED_MSI, so the device could write any doorbell and inject interrupts into the host. The bind fails with EPERM unless the module parameter allow_unsafe_interrupts is set (domain.md §2.4, VFIO_DEVICE_BIND_IOMMUFD; drivers/iommu/iommufd/device.c).',
        hint: 'Enable interrupt remapping (x86: intel_iommu=on with x2APIC/IR in firmware); or, accepting the risk on a lab machine, load iommufd with allow_unsafe_interrupts=1 (`modprobe iommufd allow_unsafe_interrupts=1`; simulator: &allow_unsafe_interrupts=1).',
      };
    case 'iommufd:EBUSY':
      return { explanation: 'The device is already bound to another iommufd: another process (or an earlier Doorbell run) owns it. VFIO gives a device to one owner at a time.', hint: 'Close the other owner, or roll back the earlier run.' };
    case 'iommufd:ENOENT':
      return { explanation: 'There is no VFIO device node for the device: it is not bound to vfio-pci, or the kernel lacks CONFIG_VFIO_DEVICE_CDEV.', hint: 'Run the "bound to vfio-pci" step; check /sys/bus/pci/devices/BDF/vfio-dev/.' };
    case 'iommufd:EACCES':
      return { explanation: 'The device node or /dev/iommu is not accessible to this user.', hint: 'Run as root, or install the udev rule that gives group vfio access (docs/install.md).' };
    case 'ioas:EADDRINUSE':
    case 'ioas:EINVAL':
      return { explanation: 'The kernel refused the attach or the mapping: an existing mapping or allowed range overlaps a reserved region of the device (iopt_table_enforce_dev_resv_regions), or the IOVA breaks the IOAS alignment.', hint: 'Read the IOVA ranges in the evidence and map outside the holes (the MSI window is one of them).' };
    case 'ioas:EEXIST':
      return { explanation: 'The IOVA overlaps an existing mapping.', hint: 'Unmap it first, or let the kernel pick the IOVA.' };
    case 'ioas:ENOMEM':
      return { explanation: 'Pinning the test buffer failed: RLIMIT_MEMLOCK or memory pressure.', hint: 'Raise the memlock limit (ulimit -l) for the user running Doorbell.' };
    case 'vectors:EINVAL':
      return { explanation: 'VFIO_DEVICE_SET_IRQS was refused: the range is outside the index, another interrupt type is enabled, or (per-vector-table) a vector has no table entry — "fail if the kernel asks for an msi_desc that userspace has not mapped".', hint: 'Disable the other interrupt type first; fill the per-vector table before enabling.' };
    case 'vectors:ENOSPC':
      return { explanation: 'No interrupt vector is free on the target CPUs.', hint: 'Enable fewer vectors, or spread existing interrupts.' };
    case 'bound:EBUSY':
      return { explanation: 'Unbinding the host driver would tear down this machine\'s own disk or network: the device has a mounted filesystem, swap, or a network interface that is up, so Doorbell will not hand it to vfio-pci.', hint: 'Pick an idle device; this machine\'s own disk and network are never bound.' };
    case 'bound:EACCES':
      return { explanation: 'Binding needs root: the privileged helper was not authorised.', hint: 'Authenticate in the polkit dialog, or run the CLI with sudo.' };
    default:
      return { explanation: `The kernel answered ${errno ? `${errno}${errno in ERRNO ? ` (${ERRNO[errno as keyof typeof ERRNO]})` : ''}` : 'an error'} at this step; the kernel log shows the operation and its arguments.` };
  }
}
