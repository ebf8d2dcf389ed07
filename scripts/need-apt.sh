#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# need-apt.sh COMMAND PACKAGE [PACKAGE…]: make sure COMMAND exists, installing the Debian packages
# when run as root; otherwise say exactly what to install and fail (a tier that cannot run is a
# failure, never a silent skip).
set -euo pipefail
cmd=$1; shift
if command -v "$cmd" >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -eq 0 ]; then
  echo "need-apt: installing $* (for $cmd)" >&2
  if ! apt-get install -y --no-install-recommends "$@" >/tmp/need-apt.$$.log 2>&1; then
    apt-get update >/dev/null 2>&1 || true
    apt-get install -y --no-install-recommends "$@" >/tmp/need-apt.$$.log 2>&1 || { cat /tmp/need-apt.$$.log >&2; exit 1; }
  fi
  command -v "$cmd" >/dev/null 2>&1 && exit 0
  echo "need-apt: installed $* but $cmd is still missing" >&2
  exit 1
fi
echo "need-apt: $cmd is missing. Install it with: sudo apt-get install $*" >&2
exit 1
