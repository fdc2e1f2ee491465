#!/usr/bin/env bash
# Real-KVM smoke test of the cloud-hypervisor runtime: the same scenarios the simulator-backed e2e
# tests run (t1 boot/delete, t4 seed, t7 logs, t8 sizing, t11 missing image, t17 vsock, t18 metrics,
# t25 restart), against a real cloud-hypervisor binary and firmware. Elsewhere it prints
# `skipped: <reason>` and exits 0.
#
#   RING_CH_BINARY    cloud-hypervisor binary (default: on PATH)
#   RING_CH_FIRMWARE  rust-hypervisor-firmware (hypervisor-fw), e.g. ~/.config/ring/cloud-hypervisor/vmlinux
#   RING_CH_IMAGE     a bootable raw disk image (e.g. Cirros 0.6.2 converted with qemu-img convert -O raw)
set -euo pipefail
cd "$(dirname "$0")/.."

skip() { echo "skipped: $*"; exit 0; }

[[ -e /dev/kvm ]] || skip "no /dev/kvm"
[[ -r /dev/kvm && -w /dev/kvm ]] || skip "/dev/kvm is not readable and writable by $(id -un)"
grep -qE '\b(vmx|svm)\b' /proc/cpuinfo || skip "the CPU exposes no vmx/svm flag (nested virtualisation is off)"
bin="${RING_CH_BINARY:-$(command -v cloud-hypervisor || true)}"
[[ -n "$bin" && -x "$bin" ]] || skip "no cloud-hypervisor binary (set RING_CH_BINARY)"
[[ "$bin" != *test/fixtures/* ]] || skip "$bin is the simulator, not the real binary"
"$bin" --version 2>/dev/null | grep -q '^cloud-hypervisor v' || skip "$bin --version does not answer like cloud-hypervisor"
fw="${RING_CH_FIRMWARE:-}"
[[ -n "$fw" && -s "$fw" ]] || skip "no firmware (set RING_CH_FIRMWARE to hypervisor-fw)"
img="${RING_CH_IMAGE:-}"
[[ -n "$img" && -f "$img" ]] || skip "no raw disk image (set RING_CH_IMAGE)"
for tool in xorriso socat curl jq; do command -v "$tool" >/dev/null || skip "$tool is not installed"; done

npm run build --silent
work="$(mktemp -d /tmp/ring-ch-smoke.XXXXXX)"
sock="$work/s"
port=$((20000 + RANDOM % 20000))
export RING_CONFIG_DIR="$work" RING_DATABASE_PATH="$work/ring.db" RING_SECRET_KEY="$(head -c 32 /dev/urandom | base64)"
cat >"$work/config.toml" <<TOML
[contexts.default]
host = "127.0.0.1"
api.port = $port

[server.scheduler]
interval = 1

[server.runtime.docker]
enabled = false

[server.runtime.cloud_hypervisor]
enabled = true
binary_path = "$bin"
firmware_path = "$fw"
socket_dir = "$sock"
seccomp = "false"
TOML

server=""
start_server() {
  node bin/ring server start >>"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 120); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0; sleep 0.5; done
  cat "$work/server.log"; echo "FAIL: the server did not start"; exit 1
}
cleanup() { [[ -n "$server" ]] && kill "$server" 2>/dev/null; pkill -f -- "--api-socket $sock/" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -n 40 "$work/server.log"; exit 1; }
ring() { node bin/ring "$@"; }
status() { ring deployment list -o json | jq -r --arg n "$1" '[.[] | select(.name == $n and .status != "deleted")][0].status // empty'; }
id_of() { ring deployment list -o json | jq -r --arg n "$1" '[.[] | select(.name == $n and .status != "deleted")][0].id // empty'; }
wait_status() { for _ in $(seq 1 "${3:-240}"); do [[ "$(status "$1")" =~ ^($2)$ ]] && return 0; sleep 1; done; fail "$1 never reached $2 (is $(status "$1"))"; }
apply() { printf '%s\n' "$1" >"$work/m.yaml"; ring apply -f "$work/m.yaml" >/dev/null; }

start_server
ring login -u admin -p changeme >/dev/null

echo "t1/t4/t7/t8/t17: boot with env and a command check"
apply "deployments: {smoke: {name: smoke, namespace: default, runtime: cloud-hypervisor, image: '$img', environment: {SMOKE: 'yes'}, resources: {limits: {cpu: '2', memory: '512Mi'}}, health_checks: [{type: command, command: 'true', interval: 5s, timeout: 5s, on_failure: alert}]}}"
wait_status smoke running
id=$(id_of smoke)
s=$(find "$sock" -maxdepth 1 -name 'ch-*.sock' -type s | head -n1)
[[ -n "$s" ]] || fail "no API socket"
curl -s --unix-socket "$s" http://localhost/api/v1/vm.info | jq -e '.config.cpus.boot_vcpus == 2 and .config.memory.size == 536870912 and (.config.vsock != null)' >/dev/null || fail "vm.info sizing"
xorriso -indev "$(ls "$sock"/ch-*.cidata.iso | head -n1)" -toc 2>&1 | grep -q "Volume id *: *'CIDATA'" || fail "seed is not CIDATA ISO 9660"
sleep 20
[[ -s "$(ls "$sock"/ch-*.console.log | head -n1)" ]] || fail "empty console log"
ring deployment logs "$id" --tail 5 >/dev/null || fail "logs"
ring deployment metrics "$id" -o json | jq -e '.' >/dev/null || fail "metrics (t18)"

echo "t25: the VM outlives a killed server"
vmm=$(pgrep -f -- "--api-socket $sock/" | sort)
kill -9 "$server"; wait "$server" 2>/dev/null || true
[[ "$(pgrep -f -- "--api-socket $sock/" | sort)" == "$vmm" ]] || fail "the VMM died with the server"
start_server
wait_status smoke running 60

echo "t1: delete leaves no socket, disk or VMM"
ring deployment delete "$id" >/dev/null
for _ in $(seq 1 60); do [[ -z "$(find "$sock" -maxdepth 1 -name 'ch-*' 2>/dev/null)" ]] && break; sleep 1; done
[[ -z "$(find "$sock" -maxdepth 1 -name 'ch-*')" ]] || fail "files left in socket_dir"
! pgrep -f -- "--api-socket $sock/" >/dev/null || fail "a cloud-hypervisor process was left behind"

echo "t11: a missing image"
apply "deployments: {missing: {name: missing, namespace: default, runtime: cloud-hypervisor, image: /nonexistent.raw}}"
wait_status missing image_pull_back_off 60
ring deployment delete "$(id_of missing)" >/dev/null

echo "ok: the cloud-hypervisor runtime works against $("$bin" --version | head -n1)"
