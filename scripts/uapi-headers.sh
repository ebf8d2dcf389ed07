#!/bin/sh
# SPDX-License-Identifier: MIT
# Fetch the Linux uAPI headers Doorbell's layout test is pinned against (linux-libc-dev from
# trixie-backports, Linux 7.3) and unpack them into a cache directory. Nothing is installed and no
# system apt source is touched: the script keeps a private apt configuration (sources, a low pin,
# lists, cache) under the cache directory, runs `apt-get update` / `apt-get download` against it and
# unpacks the .deb with `dpkg-deb -x`. Idempotent: a second run only prints the path.
#
# Usage: scripts/uapi-headers.sh            prints the include directory (…/usr/include) on stdout
#        UAPI_SERIES=7.3 (default)          newest linux-libc-dev of that upstream series
#        UAPI_VERSION=7.2.6-1~bpo13+1 …     an exact Debian version instead
#        UAPI_SUITE=trixie …                another suite (default: trixie-backports)
#        DOORBELL_UAPI_DIR=/path …          override the cache root
# Needs: apt-get, dpkg-deb, a Debian mirror reachable, debian-archive-keyring with the trixie keys.
set -eu

SUITE=${UAPI_SUITE:-trixie-backports}
SERIES=${UAPI_SERIES:-7.3}
MIRROR=${UAPI_MIRROR:-http://deb.debian.org/debian}
CACHE=${DOORBELL_UAPI_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/doorbell}
ARCH=$(dpkg --print-architecture)
APTDIR="$CACHE/apt"
LINK="$CACHE/uapi-current"

say() { printf '%s\n' "$*" >&2; }

# Fast path: already unpacked (and no explicit version asked for).
if [ -z "${UAPI_VERSION:-}" ] && [ -f "$LINK/usr/include/linux/iommufd.h" ] \
   && case "$(cat "$LINK/VERSION" 2>/dev/null)" in "$SERIES".*) true ;; *) false ;; esac; then
  say "uapi-headers: cached $(cat "$LINK/VERSION" 2>/dev/null || echo '?')"
  printf '%s\n' "$(cd "$LINK" && pwd -P)/usr/include"
  exit 0
fi

mkdir -p "$APTDIR/lists/partial" "$APTDIR/archives/partial" "$APTDIR/etc/preferences.d" "$APTDIR/etc/apt.conf.d" \
         "$APTDIR/etc/sources.list.d" "$APTDIR/debs"

KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$KEYRING" ] || { say "uapi-headers: $KEYRING is missing (apt-get install debian-archive-keyring)"; exit 1; }

cat > "$APTDIR/etc/sources.list" <<SRC
deb [signed-by=$KEYRING] $MIRROR $SUITE main
SRC
# The pin keeps this suite from ever being an install candidate, should anyone reuse this config
# with `apt-get install`: apt-get download is explicit about the version and ignores the pin.
cat > "$APTDIR/etc/preferences" <<PIN
Package: *
Pin: release n=$SUITE
Pin-Priority: 50
PIN

cat > "$APTDIR/apt.conf" <<CONF
Dir::Etc "$APTDIR/etc";
Dir::Etc::sourcelist "$APTDIR/etc/sources.list";
Dir::Etc::sourceparts "$APTDIR/etc/sources.list.d";
Dir::Etc::preferences "$APTDIR/etc/preferences";
Dir::Etc::preferencesparts "$APTDIR/etc/preferences.d";
Dir::State "$APTDIR";
Dir::State::lists "$APTDIR/lists";
Dir::State::status "$APTDIR/status";
Dir::Cache "$APTDIR";
Dir::Cache::archives "$APTDIR/archives";
APT::Architecture "$ARCH";
APT::Sandbox::User "root";
Debug::NoLocking "true";
CONF
: > "$APTDIR/status"
export APT_CONFIG="$APTDIR/apt.conf"

say "uapi-headers: apt-get update ($SUITE, private state in $APTDIR)"
apt-get -q update >&2

VERSIONS=$(apt-cache show linux-libc-dev 2>/dev/null | sed -n 's/^Version: //p' | sort -V)
VERSION=${UAPI_VERSION:-$(printf '%s\n' "$VERSIONS" | grep "^$SERIES\." | tail -n1 || true)}
[ -n "$VERSION" ] || { say "uapi-headers: no linux-libc-dev $SERIES.* in $SUITE (have: $(echo $VERSIONS))"; exit 1; }

DEST="$CACHE/uapi-$VERSION"
if [ ! -f "$DEST/usr/include/linux/iommufd.h" ]; then
  say "uapi-headers: downloading linux-libc-dev=$VERSION"
  (cd "$APTDIR/debs" && rm -f linux-libc-dev_*.deb && apt-get -q download "linux-libc-dev=$VERSION" >&2)
  DEB=$(ls -t "$APTDIR"/debs/linux-libc-dev_*.deb | head -n1)
  rm -rf "$DEST.tmp" && mkdir -p "$DEST.tmp"
  dpkg-deb -x "$DEB" "$DEST.tmp"
  # asm/ lives under the multiarch triplet; make -I<dest>/usr/include self-sufficient.
  TRIPLET=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
  if [ -d "$DEST.tmp/usr/include/$TRIPLET/asm" ] && [ ! -e "$DEST.tmp/usr/include/asm" ]; then
    ln -s "$TRIPLET/asm" "$DEST.tmp/usr/include/asm"
  fi
  printf '%s\n' "$VERSION" > "$DEST.tmp/VERSION"
  rm -rf "$DEST" && mv "$DEST.tmp" "$DEST"
fi
[ -n "${UAPI_VERSION:-}" ] || ln -sfn "uapi-$VERSION" "$LINK"
say "uapi-headers: linux-libc-dev $VERSION in $DEST"
printf '%s\n' "$DEST/usr/include"
