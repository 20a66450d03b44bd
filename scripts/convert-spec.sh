#!/usr/bin/env bash
# Regenerates openapi/appcenter.openapi.json (OpenAPI 3.0) from the vendored upstream Swagger 2.0
# file openapi/bifrost.swagger.before.json with the pinned converter in scripts/convert-spec.
#
#   scripts/convert-spec.sh          rewrite the converted file
#   scripts/convert-spec.sh --check  fail if the committed converted file is out of date (CI)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/scripts/convert-spec"
command -v npm >/dev/null || { echo "convert-spec: npm (Node.js) is required" >&2; exit 1; }
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
in="$root/openapi/bifrost.swagger.before.json"
out="$root/openapi/appcenter.openapi.json"
if [ "${1:-}" = "--check" ]; then
  tmp="$(mktemp)"
  node "$dir/convert.js" "$in" "$tmp"
  if ! cmp -s "$tmp" "$out"; then
    echo "convert-spec: openapi/appcenter.openapi.json is out of date; run scripts/convert-spec.sh" >&2
    rm -f "$tmp"; exit 1
  fi
  rm -f "$tmp"; echo "convert-spec: openapi/appcenter.openapi.json is up to date"
else
  node "$dir/convert.js" "$in" "$out"
  echo "convert-spec: wrote $out"
fi
