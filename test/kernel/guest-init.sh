#!/bin/sh
# SPDX-License-Identifier: MIT
# PID 1 of the real-kernel tier's QEMU guest (busybox sh). Binds the emulated e1000e to vfio-pci
# (inside the guest only), runs Doorbell's guest driver, and prints markers run.sh greps for:
#   "=== GUEST UP", "PASS …"/"FAIL …" lines, "N passed, M failed", "=== GUEST DONE".
# Files (driver JSON, CLI output) go to /results, a virtio-9p share of the host's results dir.
# Kernel arguments the kernel does not know (DOORBELL_*) arrive here as environment variables.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /tmp && mount -t tmpfs tmp /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
echo "=== GUEST UP: uptime $(cut -d' ' -f1 /proc/uptime)s kernel $(uname -r) $(uname -m)"
echo "=== cmdline: $(cat /proc/cmdline)"
if mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results /results 2>/dev/null; then
  echo "=== results share mounted at /results"
else
  echo "=== results share NOT mounted: files stay in the guest, markers only"
fi

echo "=== IOMMU / interrupt remapping"
dmesg | grep -iE 'DMAR|IOMMU|remapp|vfio|iommufd' | head -20

echo "=== PCI devices"
for d in /sys/bus/pci/devices/*; do
  drv=$(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null)
  echo "$(basename "$d") $(cat "$d/vendor"):$(cat "$d/device") group=$(basename "$(readlink "$d/iommu_group")" 2>/dev/null) driver=${drv:-none}"
done

# The test NIC: e1000e (8086:10d3), an MSI-X device with 5 vectors.
BDF=
for d in /sys/bus/pci/devices/*; do
  [ "$(cat "$d/vendor"):$(cat "$d/device")" = "0x8086:0x10d3" ] && { BDF=$(basename "$d"); break; }
done
echo "=== test device: ${BDF:-NONE}"
if [ -n "$BDF" ]; then
  D=/sys/bus/pci/devices/$BDF
  [ -e "$D/driver" ] && echo "$BDF" > "$D/driver/unbind"
  echo vfio-pci > "$D/driver_override"
  echo "$BDF" > /sys/bus/pci/drivers_probe
  echo "driver now: $(basename "$(readlink "$D/driver")" 2>/dev/null) group: $(basename "$(readlink "$D/iommu_group")") vfio-dev: $(ls "$D/vfio-dev" 2>/dev/null)"
fi
echo "=== device nodes"
ls -l /dev/iommu /dev/vfio /dev/vfio/devices 2>&1
echo "=== reserved_regions"
for g in /sys/kernel/iommu_groups/*; do
  echo "group $(basename "$g") [$(ls "$g/devices" | tr '\n' ' ')] type=$(cat "$g/type" 2>/dev/null)"
  sed 's/^/   /' "$g/reserved_regions"
done

if [ -n "$BDF" ]; then
  echo "=== driver start at uptime $(cut -d' ' -f1 /proc/uptime)s, node $(/usr/bin/node --version)"
  cd /doorbell
  DOORBELL_BDF=$BDF DOORBELL_RESULTS=/results /usr/bin/node out/node/test/kernel/guest/driver.js
  echo "=== driver exit code $? at uptime $(cut -d' ' -f1 /proc/uptime)s"
else
  echo "FAIL guest: no e1000e (8086:10d3) found; check the QEMU -device line"
  echo "0 passed, 1 failed"
fi
cat /proc/interrupts > /results/interrupts-after.txt 2>/dev/null
echo "=== GUEST DONE uptime $(cut -d' ' -f1 /proc/uptime)s"
sync
umount /results 2>/dev/null
poweroff -f
