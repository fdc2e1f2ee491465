#!/usr/bin/env bash
# CI deploy step with the ring CLI. RING_URL and RING_TOKEN come from the CI's secrets: no config file.
# Exit status: 0 deployed (or nothing to do), 6 the rollout failed, 7 it timed out, others as `ring --help`.
set -euo pipefail
: "${RING_URL:?set RING_URL, e.g. http://127.0.0.1:3030}" "${RING_TOKEN:?set RING_TOKEN}"
MANIFEST="${1:-ring.yaml}"

ring version
rc=0
ring diff -f "$MANIFEST" --exit-code || rc=$?
case "$rc" in
  0) echo "nothing to deploy"; exit 0 ;;
  1) ;;               # changes: apply them below
  *) exit "$rc" ;;    # the diff itself failed
esac
ring apply -f "$MANIFEST" --wait --timeout 5m
