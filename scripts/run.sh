#!/usr/bin/env bash
# One command from a fresh Debian machine to a running product: installs what is missing (Docker engine,
# npm packages), builds, starts `ring server` on 127.0.0.1:3030 with its state in .ring-dev/, and applies
# examples/hello.yaml. Ctrl-C stops the server (the containers keep running, as with any ring server).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-docker.sh
bash scripts/ensure-ch-tools.sh
[[ -d node_modules ]] || npm ci --no-audit --no-fund
npm run build --silent
bash scripts/build-example-image.sh

export RING_CONFIG_DIR="$PWD/.ring-dev"
export RING_DATABASE_PATH="$RING_CONFIG_DIR/ring.db"
mkdir -p "$RING_CONFIG_DIR"
[[ -f "$RING_CONFIG_DIR/config.toml" ]] || node bin/ring init --runtime docker --port "${RING_PORT:-3030}" >/dev/null || true
export RING_SECRET_KEY="${RING_SECRET_KEY:-$(cat "$RING_CONFIG_DIR/secret-key")}"

MALLOC_ARENA_MAX=2 node --max-semi-space-size=1 bin/ring server start &  # bin/ring's runtime settings (README "Memory")
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null' INT TERM EXIT
port=$(sed -n 's/^api\.port *= *\([0-9]*\).*/\1/p; s/^port *= *\([0-9]*\).*/\1/p' "$RING_CONFIG_DIR/config.toml" | head -n1)
for _ in $(seq 1 60); do
  curl -fsS --noproxy '*' "http://127.0.0.1:${port:-3030}/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
node bin/ring login -u admin -p changeme
node bin/ring apply -f examples/hello.yaml
sleep 3
node bin/ring deployment list
echo "ring is running at http://127.0.0.1:${port:-3030} (state in $RING_CONFIG_DIR). Ctrl-C to stop the server."
wait "$server"
