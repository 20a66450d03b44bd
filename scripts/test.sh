#!/usr/bin/env bash
# The whole test suite: what README.md tells a newcomer to run, and what .ci/run runs.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --features mock --all-targets
cargo test --features mock --doc
