#!/bin/bash
# SPDX-License-Identifier: MIT
# Doorbell's real-kernel tier: boot a self-built Debian kernel (IOMMUFD + VFIO cdev + legacy VFIO)
# under QEMU TCG with an emulated VT-d IOMMU (interrupt remapping) and an emulated MSI-X NIC
# (e1000e), bind the NIC to vfio-pci inside the guest, and run Doorbell's own code there
# (test/kernel/guest/driver.ts: KernelOps from lab/linux/ops.ts, native/, and the CLI).
# A virtio-blk disk on QEMU's null-co driver (no image file) gives the guest managed IRQs: its
# driver allocates the queue vectors with PCI_IRQ_AFFINITY.
#
#   build-kernel.sh (cached) → tsc → mkinitramfs.sh → qemu (hard timeout, one retry) → summary
#
# Logs and guest files: test-results/kernel/. Last line: "N passed, M failed"; exit 1 on any failure.
# Env: DOORBELL_KVERS   kernels to run, default "7.3" (falls back to 6.12 if 7.3 cannot be had);
#                       "7.3 6.12" runs both
#      QEMU_TIMEOUT     seconds per boot (default 300)
#      DOORBELL_KERNEL_IMAGE  use this bzImage instead of building (needs the same config fragment)
#      CI=true          a tier that cannot run (no root for apt, no kernel) is a failure, not a skip
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
RES=$REPO/test-results/kernel
mkdir -p "$RES"
rm -f "$RES/summary.txt"
exec > >(tee "$RES/run.log") 2>&1
T0=$(date +%s)
stamp() { echo "[kernel-tier +$(( $(date +%s) - T0 ))s] $*"; }
cannot_run() {
  stamp "CANNOT RUN: $*"
  if [ "${CI:-}" = true ]; then echo "0 passed, 1 failed"; exit 1; fi
  echo "kernel tier SKIPPED (not CI): $*"; exit 0
}

# --- host packages ---------------------------------------------------------------------------
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
{ command -v busybox >/dev/null && ! ldd "$(command -v busybox)" >/dev/null 2>&1; } || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
if [ -z "${DOORBELL_KERNEL_IMAGE:-}" ]; then   # kernel build dependencies
  for p in build-essential bc flex bison libelf-dev xz-utils; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    stamp "apt-get install ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >"$RES/apt.log" 2>&1 \
      || cannot_run "apt-get install ${need[*]} failed (see $RES/apt.log)"
  else
    cannot_run "missing packages; as root run: apt-get install --no-install-recommends ${need[*]}"
  fi
fi
command -v node >/dev/null || cannot_run "node is not on PATH"
[ -d "$REPO/node_modules/koffi" ] || cannot_run "node_modules/koffi missing: run npm install"
stamp "qemu: $(qemu-system-x86_64 --version | head -1); node $(node --version)"

# --- compile the product + guest driver into a stage dir (not the repo's out/) ----------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/doorbell-kernel-tier.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
stamp "tsc (product + guest driver) → $WORK/out/node"
if ! (cd "$REPO" && npx tsc -p test/kernel/guest/tsconfig.json --outDir "$WORK/out/node") >"$RES/tsc.log" 2>&1; then
  stamp "tsc reported errors (emitting anyway; the guest names what is missing): $(grep -c 'error TS' "$RES/tsc.log") errors, see $RES/tsc.log"
fi
[ -f "$WORK/out/node/test/kernel/guest/driver.js" ] || { echo "FAIL tsc did not emit the guest driver (see $RES/tsc.log)"; echo "0 passed, 1 failed"; exit 1; }
stamp "initramfs"
bash "$HERE/mkinitramfs.sh" "$WORK" "$WORK/initrd.cpio" || { echo "0 passed, 1 failed"; exit 1; }

# --- per kernel: build (cached) and boot ------------------------------------------------------
TOTAL_P=0; TOTAL_F=0
run_kernel() { # $1 = kernel series
  local kver=$1 kimg tag try qrc log p f
  stamp "kernel $kver: build-kernel.sh (cached outside the repo)"
  local tb=$(date +%s)
  if [ -n "${DOORBELL_KERNEL_IMAGE:-}" ]; then kimg=$DOORBELL_KERNEL_IMAGE   # a prebuilt bzImage: skip the build
  else kimg=$(KVER=$kver bash "$HERE/build-kernel.sh" 2> >(tee "$RES/build-kernel-$kver.log" >&2) | tail -1); fi
  if [ -z "$kimg" ] || [ ! -f "$kimg" ]; then return 2; fi
  stamp "kernel $kver: $kimg ($(( $(date +%s) - tb )) s)"
  tag=k$kver
  rm -f "$RES"/guest-$tag-try*.log
  for try in 1 2; do
    log=$RES/guest-$tag-try$try.log
    rm -rf "$RES/guest-$tag" && mkdir -p "$RES/guest-$tag"
    QEMU=(qemu-system-x86_64 -accel tcg,thread=single -machine q35 -cpu max -smp 2 -m 1G
      -device intel-iommu,intremap=on,caching-mode=on -device e1000e -nic none
      -virtfs "local,path=$RES/guest-$tag,mount_tag=results,security_model=none,id=results"
      -blockdev driver=null-co,node-name=nullblk,size=1048576,read-zeroes=on -device virtio-blk-pci,drive=nullblk,num-queues=2
      -display none -no-reboot -serial stdio -monitor none
      -kernel "$kimg" -initrd "$WORK/initrd.cpio"
      -append "console=ttyS0 intel_iommu=on no_timer_check panic=-1 quiet")
    echo "${QEMU[*]}" >"$RES/qemu-cmdline.txt"
    stamp "kernel $kver: boot (try $try): ${QEMU[*]}"
    local tq=$(date +%s)
    timeout "${QEMU_TIMEOUT:-300}" "${QEMU[@]}" >"$log" 2>&1 </dev/null
    qrc=$?
    stamp "kernel $kver: qemu rc=$qrc after $(( $(date +%s) - tq )) s; log $log"
    grep -q '=== GUEST DONE' "$log" && break
    grep -E 'Assertion|Kernel panic' "$log" | head -3
    [ $qrc = 124 ] && stamp "kernel $kver: hard timeout (${QEMU_TIMEOUT:-300} s) hit"
    [ $try = 1 ] && stamp "kernel $kver: no '=== GUEST DONE' (QEMU TCG abort flake, panic or timeout); retrying once"
  done
  grep -E '^(PASS|FAIL|SKIP) ' "$log" | sed "s/^/  [$tag] /"
  p=$(grep -cE '^PASS ' "$log"); f=$(grep -cE '^FAIL ' "$log")
  if ! grep -q '=== GUEST DONE' "$log"; then echo "  [$tag] FAIL guest did not reach '=== GUEST DONE' (see $log)"; f=$((f + 1)); fi
  [ "$p" -gt 0 ] || { echo "  [$tag] FAIL no check passed in the guest"; f=$((f + 1)); }
  local up drv0 drv1 done
  up=$(sed -n 's/.*=== GUEST UP: uptime \([0-9.]*\)s.*/\1/p' "$log" | head -1)
  drv0=$(sed -n 's/.*=== driver start at uptime \([0-9.]*\)s.*/\1/p' "$log" | head -1)
  drv1=$(sed -n 's/.*=== driver exit code [0-9]* at uptime \([0-9.]*\)s.*/\1/p' "$log" | head -1)
  done=$(sed -n 's/.*=== GUEST DONE uptime \([0-9.]*\)s.*/\1/p' "$log" | head -1)
  stamp "kernel $kver: timings (guest uptime): userspace ${up:-?}s, driver ${drv0:-?}s → ${drv1:-?}s, done ${done:-?}s; qemu wall $(( $(date +%s) - tq ))s, tries $try"
  echo "kernel=$kver image=$kimg passed=$p failed=$f tries=$try userspace_s=${up:-} driver_start_s=${drv0:-} driver_end_s=${drv1:-} guest_done_s=${done:-} log=$log" >>"$RES/summary.txt"
  stamp "kernel $kver: $p passed, $f failed"
  TOTAL_P=$((TOTAL_P + p)); TOTAL_F=$((TOTAL_F + f))
  return 0
}

ran=0
for k in ${DOORBELL_KVERS:-7.3}; do
  if run_kernel "$k"; then ran=$((ran + 1)); continue; fi
  if [ "$k" = 7.3 ] && [ -z "${DOORBELL_KVERS:-}" ]; then
    stamp "linux-source-7.3 unavailable or failed to build; falling back to 6.12 (bookworm-security)"
    run_kernel 6.12 && ran=$((ran + 1)) && continue
  fi
  stamp "kernel $k: could not be built (see $RES/build-kernel-$k.log)"
  TOTAL_F=$((TOTAL_F + 1))
done
[ $ran -gt 0 ] || cannot_run "no kernel could be built or found in the cache"
stamp "done in $(( $(date +%s) - T0 )) s"
echo "$TOTAL_P passed, $TOTAL_F failed"
[ "$TOTAL_F" -eq 0 ]
