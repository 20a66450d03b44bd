#!/usr/bin/env bash
# The whole test suite: what README.md tells a newcomer to run, and what .ci/run runs.
set -euo pipefail
cd "$(dirname "$0")/.."
# The spec-conformance test (tests/conformance.rs) runs Stoplight Prism, pinned by
# tests/conformance/package-lock.json; the test starts and stops it itself.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "scripts/test.sh: Node.js and npm are required (the conformance test runs Stoplight Prism from npm)" >&2
  exit 1
fi
(cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error)
cargo test --features mock,conformance,community-training --all-targets
cargo test --features mock,community-training --doc
