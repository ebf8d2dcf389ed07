#!/bin/bash
# SPDX-License-Identifier: MIT
# Build (or reuse) the guest kernel for Doorbell's real-kernel tier.
#
# Debian's own kernels do not enable IOMMUFD, so we build one from Debian's
# linux-source package: x86_64_defconfig + config/doorbell-x86_64.config.
#   KVER=7.3  (default) linux-source-7.3 from trixie-backports, fetched with
#             `apt-get download` only; the suite is pinned low so nothing on
#             this machine is ever upgraded from trixie.
#   KVER=6.12 linux-source-6.12 from bookworm-security (no extra apt source).
# The bzImage is cached outside the repo at
#   ${XDG_CACHE_HOME:-$HOME/.cache}/doorbell/kernel/<source-version>-<sha256(fragment)>/bzImage
# and this script prints that path as its last line of stdout.
# Env: KVER, JOBS (default 3), DOORBELL_KERNEL_CACHE (override cache root).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
KVER=${KVER:-7.3}
JOBS=${JOBS:-3}
PKG=linux-source-$KVER
FRAG=$HERE/config/doorbell-x86_64.config
CACHE=${DOORBELL_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/doorbell/kernel}
SHA=$(sha256sum "$FRAG" | cut -c1-16)
export DEBIAN_FRONTEND=noninteractive
log() { echo "[build-kernel] $*" >&2; }
is_root() { [ "$(id -u)" = 0 ]; }

BUILD_DEPS="build-essential bc flex bison libelf-dev cpio xz-utils"
missing=()
for p in $BUILD_DEPS; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done

# --- apt source for linux-source-7.3 (trixie-backports, pinned low) --------------------------
SRC_FILE=/etc/apt/sources.list.d/doorbell-trixie-backports.sources
PREF_FILE=/etc/apt/preferences.d/doorbell-trixie
no_trixie_upgrades() {
  if apt list --upgradable 2>/dev/null | grep -q 'trixie'; then
    log "ERROR: apt would upgrade something from trixie; refusing (see apt list --upgradable, $PREF_FILE)"
    return 1
  fi
}
ensure_backports() {
  [ "$KVER" = 6.12 ] && return 0
  if [ -f "$SRC_FILE" ] && [ -f "$PREF_FILE" ]; then no_trixie_upgrades; return; fi
  if ! is_root; then
    log "need root to add trixie-backports (pinned at 50). As root, create:"
    log "  $SRC_FILE: Types: deb / URIs: http://deb.debian.org/debian / Suites: trixie-backports / Components: main"
    log "  $PREF_FILE: Pin-Priority 100 for release n=trixie, 50 for n=trixie-backports; then apt-get update"
    log "  or run with KVER=6.12 (bookworm-security, no extra source)"
    return 1
  fi
  # Pin first, so the suite never becomes a candidate for upgrades.
  cat >"$PREF_FILE" <<'PREF'
# Doorbell real-kernel tier: trixie(-backports) only for `apt-get download linux-source-7.3`.
Package: *
Pin: release n=trixie
Pin-Priority: 100

Package: *
Pin: release n=trixie-backports
Pin-Priority: 50
PREF
  cat >"$SRC_FILE" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  log "added $SRC_FILE + $PREF_FILE; apt-get update"
  apt-get update -qq >&2
  no_trixie_upgrades
}

# --- which source version would we build? -----------------------------------------------------
candidate() { apt-cache policy "$PKG" 2>/dev/null | awk '/Candidate:/ {print $2}'; }
ensure_backports || { [ -n "$(ls -d "$CACHE/$KVER".*-"$SHA" 2>/dev/null)" ] || exit 2; }
VER=$(candidate || true)
[ "$VER" = "(none)" ] && VER=
if [ -z "$VER" ]; then
  # offline / no apt source: reuse any cached build of this series with this fragment
  hit=$(ls -d "$CACHE/$KVER".*-"$SHA" 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$hit" ] && [ -f "$hit/bzImage" ] && { log "apt has no $PKG; reusing $hit"; echo "$hit/bzImage"; exit 0; }
  log "ERROR: apt has no candidate for $PKG and nothing is cached"; exit 2
fi
OUT=$CACHE/$VER-$SHA
if [ -f "$OUT/bzImage" ]; then log "cached: $OUT/bzImage"; echo "$OUT/bzImage"; exit 0; fi

# --- build ------------------------------------------------------------------------------------
# One build at a time per cache (two runs on one machine would share the work tree).
mkdir -p "$CACHE"
exec 9>"$CACHE/.build.lock"
if ! flock -n 9; then log "another build is running (lock $CACHE/.build.lock); waiting"; flock 9; fi
if [ -f "$OUT/bzImage" ]; then log "cached (built meanwhile): $OUT/bzImage"; echo "$OUT/bzImage"; exit 0; fi
if [ ${#missing[@]} -gt 0 ]; then
  if is_root; then log "apt-get install ${missing[*]}"; apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else log "missing build packages; as root run: apt-get install --no-install-recommends ${missing[*]}"; exit 2; fi
fi
WORK=$CACHE/work/$VER
mkdir -p "$WORK/debs" "$OUT"
T0=$(date +%s)
if [ ! -f "$WORK/linux/Makefile" ]; then
  log "apt-get download $PKG=$VER"
  (cd "$WORK/debs" && rm -f "$PKG"_*.deb && apt-get download -qq -o APT::Sandbox::User=root "$PKG=$VER" >&2)
  rm -rf "$WORK/linux" "$WORK"/linux-source-*
  log "unpack source"
  dpkg-deb --fsys-tarfile "$WORK/debs/$PKG"_*.deb | tar -x --wildcards './usr/src/*.tar.xz' -O | tar -xJ -C "$WORK"
  mv "$WORK"/linux-source-* "$WORK/linux"
fi
KB=$WORK/kbuild-$SHA
log "configure: x86_64_defconfig + $(basename "$FRAG")"
make -s -C "$WORK/linux" O="$KB" x86_64_defconfig >&2
# merge_config.sh leaves temp files in its cwd: run it in the build dir, never in the repo.
(cd "$KB" && "$WORK/linux/scripts/kconfig/merge_config.sh" -m -O "$KB" "$KB/.config" "$FRAG" >/dev/null)
make -s -C "$WORK/linux" O="$KB" olddefconfig >&2
for opt in IOMMUFD VFIO_DEVICE_CDEV VFIO_CONTAINER VFIO_PCI INTEL_IOMMU IRQ_REMAP GENERIC_IRQ_DEBUGFS 9P_FS; do
  grep -q "^CONFIG_$opt=y" "$KB/.config" || { log "ERROR: CONFIG_$opt not set after merge"; exit 1; }
done
log "make -j$JOBS bzImage (log: $OUT/build.log)"
T1=$(date +%s)
if ! make -C "$WORK/linux" O="$KB" -j"$JOBS" bzImage >"$OUT/build.log" 2>&1; then
  tail -40 "$OUT/build.log" >&2; log "ERROR: kernel build failed"; exit 1
fi
T2=$(date +%s)
cp "$KB/arch/x86/boot/bzImage" "$OUT/bzImage.tmp" && mv "$OUT/bzImage.tmp" "$OUT/bzImage"
cp "$KB/.config" "$OUT/config"
echo "source=$PKG $VER fragment_sha=$SHA prepare_s=$((T1 - T0)) build_s=$((T2 - T1))" >"$OUT/BUILD-INFO"
log "built $VER in $((T2 - T1)) s (prepare $((T1 - T0)) s)"
echo "$OUT/bzImage"
