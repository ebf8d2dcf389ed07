#!/bin/bash
# SPDX-License-Identifier: MIT
# Pack the guest's initramfs (uncompressed newc cpio):
#   /bin/busybox (+ applet links), /init (guest-init.sh), the host's node and every library ldd
#   lists for it, and /doorbell: the project compiled by tsc (out/node incl. the guest driver),
#   bin/, package.json and the runtime node_modules (koffi + its linux-x64 binary, ws).
# Usage: mkinitramfs.sh STAGE_DIR OUT.cpio
#   STAGE_DIR holds out/node (compiled by run.sh with test/kernel/guest/tsconfig.json).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
STAGE=${1:?stage dir}
OUT=${2:?out.cpio}
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/doorbell-initramfs.XXXXXX")
trap 'rm -rf "$ROOT"' EXIT

mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,results,doorbell/node_modules/@koromix}
BB=${BUSYBOX:-$(command -v busybox || true)}
[ -n "$BB" ] || { echo "mkinitramfs: busybox not found (apt-get install busybox-static)" >&2; exit 2; }
# The guest has no loader for a dynamic busybox: insist on the static build.
if ldd "$BB" >/dev/null 2>&1; then echo "mkinitramfs: $BB is dynamically linked; install busybox-static" >&2; exit 2; fi
cp "$BB" "$ROOT/bin/busybox"
for a in $("$ROOT/bin/busybox" --list); do [ -e "$ROOT/bin/$a" ] || ln -s busybox "$ROOT/bin/$a"; done
cp "$HERE/guest-init.sh" "$ROOT/init" && chmod +x "$ROOT/init"

NODE=$(readlink -f "$(command -v node)")
cp "$NODE" "$ROOT/usr/bin/node"
for lib in $(ldd "$NODE" | grep -oE '/[^ ]+'); do
  mkdir -p "$ROOT$(dirname "$lib")"; cp -L "$lib" "$ROOT$lib"
done
# koffi dlopens libc.so.6 by name: it is already in the ldd closure above.

D=$ROOT/doorbell
cp -r "$STAGE/out" "$D/out"
cp -r "$REPO/bin" "$D/bin"
cp "$REPO/package.json" "$D/package.json"
NM=$REPO/node_modules
for m in koffi ws; do
  [ -d "$NM/$m" ] || { echo "mkinitramfs: $NM/$m missing (npm install)" >&2; exit 2; }
  cp -r "$NM/$m" "$D/node_modules/"
done
cp -r "$NM/@koromix/koffi-linux-x64" "$D/node_modules/@koromix/"

# 'vitest' for the contract suite is the guest shim (test/kernel/guest/vitest-shim.ts).
mkdir -p "$D/node_modules/vitest"
echo '{ "name": "vitest", "version": "0.0.0-doorbell-guest-shim", "type": "module", "main": "index.js" }' >"$D/node_modules/vitest/package.json"
echo "export * from '../../out/node/test/kernel/guest/vitest-shim.js';" >"$D/node_modules/vitest/index.js"

(cd "$ROOT" && find . -print0 | cpio --null -o -H newc --quiet) >"$OUT"
echo "mkinitramfs: $OUT $(du -m "$OUT" | cut -f1) MB" >&2
