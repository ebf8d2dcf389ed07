// SPDX-License-Identifier: MIT
// Feature detection by probing, never by kernel version strings. Each probe issues the real ioctl
// with an argument that cannot succeed (object ID 0 does not exist) and reads the errno:
// ENOTTY = the kernel does not know the ioctl; ENOENT/EINVAL/EOPNOTSUPP = it knows it and
// rejected the argument. Every result says how it was detected.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { errnoName } from '../../common/errno.js';
import { ioctl } from '../sys/ioctl.js';
import { closeFd, O_RDWR, openPath } from '../sys/fd.js';
import { nativeAvailable } from '../sys/libc.js';
import { type CallCtx } from '../sys/trace.js';
import {
  IOMMUFD_IOCTL as IO, iommu_hw_info, iommu_hwpt_alloc, iommu_ioas_map_file, iommu_option, iommu_vdevice_alloc,
  iommu_veventq_alloc, iommu_viommu_alloc, iommu_hw_queue_alloc, iommu_ioas_noiommu_get_pa,
} from '../uapi/iommufd.js';
import { type StructDef, zeroed } from '../uapi/layout.js';
import { VFIO_CONST, VFIO_IOCTL } from '../uapi/vfio.js';
import { ioasAlloc } from './ioas.js';
import { destroy } from './iommufd.js';

export interface FeatureProbe {
  feature: string;
  /** null = could not be probed (a prerequisite is missing). */
  supported: boolean | null;
  /** How it was decided: the call made and the answer, e.g. `IOMMU_VIOMMU_ALLOC(dev_id=0) → ENOENT`. */
  how: string;
}

function known(fd: number, name: string, req: number, def: StructDef, init: Record<string, number | bigint>, ctx: CallCtx, feature: string): FeatureProbe {
  const value = zeroed(def, init);
  const r = ioctl(fd, name, req, { kind: 'struct', def, value }, ctx, { probe: true });
  const answer = r.ret >= 0 ? `ret ${r.ret}` : errnoName(r.errno);
  const args = Object.entries(init).map(([k, v]) => `${k}=${v}`).join(',');
  return { feature, supported: r.ret >= 0 || r.errno !== 25, how: `${name}(${args}) → ${answer}${r.errno === 25 ? ' (unknown ioctl)' : ' (ioctl known)'}` };
}

/**
 * Probe the machine. `root` prefixes /dev and /sys for the existence checks (a captured tree
 * answers them; ioctl probes then report null).
 */
export function probeFeatures(opts: { root?: string; ctx?: CallCtx } = {}): FeatureProbe[] {
  const root = opts.root ?? '/';
  const ctx = opts.ctx ?? {};
  const out: FeatureProbe[] = [];
  const native = nativeAvailable();
  out.push({ feature: 'native', supported: native, how: native ? 'koffi loaded libc.so.6' : 'koffi failed to load' });
  const cdevDir = path.join(root, 'sys/class/vfio-dev');
  out.push({ feature: 'vfio-cdev', supported: existsSync(cdevDir) || existsSync(path.join(root, 'dev/vfio/devices')), how: `exists ${cdevDir} or ${path.join(root, 'dev/vfio/devices')}` });

  const iommuPath = path.join(root, 'dev/iommu');
  if (!native || root !== '/') {
    out.push({ feature: 'iommufd', supported: existsSync(iommuPath) ? null : false, how: `exists ${iommuPath} (no ioctl probe${native ? ' under a non-default root' : ': no FFI'})` });
  } else {
    const o = openPath(iommuPath, O_RDWR, ctx);
    if (!o.ok) {
      out.push({ feature: 'iommufd', supported: o.errno === 'ENOENT' ? false : null, how: `open ${iommuPath} → ${o.errno}` });
    } else {
      const fd = o.value;
      try {
        const ioas = ioasAlloc(fd, ctx);
        out.push({ feature: 'iommufd', supported: ioas.ok, how: `IOMMU_IOAS_ALLOC → ${ioas.ok ? `ioas ${ioas.value}` : ioas.errno}` });
        if (ioas.ok) destroy(fd, ioas.value, ctx);
        out.push(known(fd, 'IOMMU_HWPT_ALLOC', IO.IOMMU_HWPT_ALLOC, iommu_hwpt_alloc, { dev_id: 0, pt_id: 0 }, ctx, 'hwpt-alloc'));
        out.push(known(fd, 'IOMMU_GET_HW_INFO', IO.IOMMU_GET_HW_INFO, iommu_hw_info, { dev_id: 0 }, ctx, 'hw-info'));
        out.push(known(fd, 'IOMMU_IOAS_MAP_FILE', IO.IOMMU_IOAS_MAP_FILE, iommu_ioas_map_file, { ioas_id: 0, fd: -1 }, ctx, 'ioas-map-file'));
        out.push(known(fd, 'IOMMU_VIOMMU_ALLOC', IO.IOMMU_VIOMMU_ALLOC, iommu_viommu_alloc, { dev_id: 0, hwpt_id: 0 }, ctx, 'viommu'));
        out.push(known(fd, 'IOMMU_VDEVICE_ALLOC', IO.IOMMU_VDEVICE_ALLOC, iommu_vdevice_alloc, { viommu_id: 0, dev_id: 0 }, ctx, 'vdevice'));
        out.push(known(fd, 'IOMMU_VEVENTQ_ALLOC', IO.IOMMU_VEVENTQ_ALLOC, iommu_veventq_alloc, { viommu_id: 0 }, ctx, 'veventq'));
        out.push(known(fd, 'IOMMU_HW_QUEUE_ALLOC', IO.IOMMU_HW_QUEUE_ALLOC, iommu_hw_queue_alloc, { viommu_id: 0 }, ctx, 'hw-queue'));
        out.push(known(fd, 'IOMMU_IOAS_NOIOMMU_GET_PA', IO.IOMMU_IOAS_NOIOMMU_GET_PA, iommu_ioas_noiommu_get_pa, { ioas_id: 0 }, ctx, 'noiommu-get-pa'));
        // The unmerged Part-2 uAPI: IOMMU_OPTION_SW_MSI_START = 2. EOPNOTSUPP = not in this kernel.
        const sw = zeroed(iommu_option, { option_id: 2, op: 1, object_id: 0 });
        const r = ioctl(fd, 'IOMMU_OPTION', IO.IOMMU_OPTION, { kind: 'struct', def: iommu_option, value: sw }, ctx, { probe: true, option_id: 2 });
        out.push({ feature: 'sw-msi-option (unmerged)', supported: r.ret >= 0 || (r.errno !== 95 && r.errno !== 25), how: `IOMMU_OPTION(option_id=2, GET) → ${r.ret >= 0 ? 'ok' : errnoName(r.errno)}` });
      } finally {
        closeFd(fd);
      }
    }
  }

  const contPath = path.join(root, 'dev/vfio/vfio');
  if (!native || root !== '/') {
    out.push({ feature: 'vfio-container', supported: existsSync(contPath) ? null : false, how: `exists ${contPath}` });
  } else {
    const c = openPath(contPath, O_RDWR, ctx);
    if (!c.ok) out.push({ feature: 'vfio-container', supported: c.errno === 'ENOENT' ? false : null, how: `open ${contPath} → ${c.errno}` });
    else {
      try {
        const v = ioctl(c.value, 'VFIO_GET_API_VERSION', VFIO_IOCTL.VFIO_GET_API_VERSION, { kind: 'none' }, ctx);
        const t = ioctl(c.value, 'VFIO_CHECK_EXTENSION', VFIO_IOCTL.VFIO_CHECK_EXTENSION, { kind: 'value', value: VFIO_CONST.VFIO_TYPE1v2_IOMMU }, ctx, { ext: 3 });
        out.push({ feature: 'vfio-container', supported: v.ret === VFIO_CONST.VFIO_API_VERSION, how: `VFIO_GET_API_VERSION → ${v.ret < 0 ? errnoName(v.errno) : v.ret}` });
        out.push({ feature: 'vfio-type1v2', supported: t.ret > 0, how: `VFIO_CHECK_EXTENSION(VFIO_TYPE1v2_IOMMU) → ${t.ret < 0 ? errnoName(t.errno) : t.ret}` });
      } finally {
        closeFd(c.value);
      }
    }
  }
  return out;
}
