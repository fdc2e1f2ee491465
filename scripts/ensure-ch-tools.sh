#!/usr/bin/env bash
# Installs what the cloud-hypervisor runtime and its tests run besides the VMM itself: xorriso (the
# NoCloud CIDATA seed), socat (published ports) and qemu-system-common (Debian's C virtiofsd at
# /usr/lib/qemu/virtiofsd, for volumes). Idempotent. The cloud-hypervisor binary and its firmware are
# not in Debian: the tests use the simulator in test/fixtures/cloud-hypervisor/ (see README).
set -euo pipefail

log() { printf '[ensure-ch-tools] %s\n' "$*" >&2; }

missing=()
command -v xorriso >/dev/null || missing+=(xorriso)
command -v socat >/dev/null || missing+=(socat)
[[ -x /usr/lib/qemu/virtiofsd ]] || missing+=(qemu-system-common)
((${#missing[@]} == 0)) && exit 0

log "apt-get install ${missing[*]}"
DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
