#!/usr/bin/env bash
# Makes sure a Docker engine answers `docker info`: installs Debian's docker.io (and busybox-static, which
# the tests turn into local images) when missing, and starts dockerd in the background when it is not running.
# Idempotent; safe to run on every CI run and every `ring` set-up.
set -euo pipefail

log() { printf '[ensure-docker] %s\n' "$*" >&2; }

apt_install() {
  if [[ -z "${_APT_UPDATED:-}" ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    _APT_UPDATED=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null
}

missing=()
command -v dockerd >/dev/null && command -v docker >/dev/null || missing+=(docker.io)
[[ -x /bin/busybox ]] && ! ldd /bin/busybox >/dev/null 2>&1 || missing+=(busybox-static)
command -v curl >/dev/null || missing+=(curl)
command -v jq >/dev/null || missing+=(jq)
# A real local registry for pull-policy and credential tests (Docker trusts 127.0.0.0/8 without TLS).
command -v docker-registry >/dev/null || missing+=(docker-registry)
command -v htpasswd >/dev/null || missing+=(apache2-utils)
((${#missing[@]} == 0)) || apt_install "${missing[@]}"

if timeout 20 docker info >/dev/null 2>&1; then
  exit 0
fi

log "docker info failed: starting dockerd"
dlog="${TMPDIR:-/tmp}/ring-dockerd.log"
# Small address pools: every ring namespace is a bridge network, and the default pools run out after ~30.
setsid dockerd --default-address-pool base=10.201.0.0/16,size=24 >"$dlog" 2>&1 </dev/null &
dpid=$!
for _ in $(seq 1 60); do
  if timeout 10 docker info >/dev/null 2>&1; then
    log "dockerd up (pid $dpid, log $dlog)"
    exit 0
  fi
  if ! kill -0 "$dpid" 2>/dev/null; then
    tail -n 30 "$dlog" >&2
    log "dockerd exited during startup"
    exit 1
  fi
  sleep 1
done
tail -n 30 "$dlog" >&2
log "docker info still failing 60 s after starting dockerd"
exit 1
