#!/usr/bin/env bash
# The test command (README and .ci/run): installs what the tests need, builds, runs the unit and
# integration suites against the real Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-docker.sh
bash scripts/ensure-ch-tools.sh
npm ci --no-audit --no-fund
npm run generate:check
npm test
