#!/usr/bin/env bash
# Build times and peak memory of this crate on the machine it runs on, as a markdown table
# (the figures BENCHMARKS.md records; targets from issue 13 in the last column).
#
#   scripts/build-times.sh            # all rows (a fresh build of every dependency first)
#   JOBS=2 scripts/build-times.sh     # cargo's -j (default: cargo's own, one job per core)
#
# Self-contained: the working tree (without target/ and .git/) is copied to a temporary
# directory, built there into a fresh CARGO_TARGET_DIR under /tmp, and both are removed at the
# end, so nothing in the repository is touched (the "edit" row edits the copy). Each row is one
# `cargo build` under `/usr/bin/time -v`: wall-clock time, CPU time of all processes (less
# sensitive to other load on the machine than wall-clock time), and the peak resident memory of the
# largest process it ran (rustc compiling this crate, for every row but the first). Debug
# profile, as `cargo build` gives a user. Needs the dependencies downloadable or already in
# ~/.cargo (run `cargo fetch` once when offline).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[[ -x /usr/bin/time ]] || { echo "build-times.sh: /usr/bin/time (GNU time) is required" >&2; exit 1; }

work="$(mktemp -d /tmp/appcenter-build-times.XXXXXX)"
trap 'rm -rf "$work"' EXIT
src="$work/src"
mkdir -p "$src"
tar -C "$root" --exclude=./target --exclude=./.git --exclude=./fuzz/target -cf - . | tar -C "$src" -xf -
export CARGO_TARGET_DIR="$work/target"
unset RUSTFLAGS CARGO_BUILD_RUSTFLAGS
jobs=()
[[ -n "${JOBS:-}" ]] && jobs=(-j "$JOBS")

rows=()
load="$(cut -d' ' -f1-3 /proc/loadavg)"
# run LABEL TARGET -- cargo args...: one timed build, appended to the table.
run() {
  local label="$1" target="$2"
  shift 3
  local log="$work/time.log"
  if ! (cd "$src" && /usr/bin/time -v cargo build "${jobs[@]}" --quiet "$@") 2>"$log"; then
    cat "$log" >&2
    echo "build-times.sh: '$label' failed" >&2
    exit 1
  fi
  local wall rss seconds cpu
  wall="$(sed -n 's/^\s*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log")"
  cpu="$(awk -F': ' '/(User|System) time \(seconds\)/ { s += $2 } END { printf "%.1f", s }' "$log")"
  rss="$(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$log")"
  seconds="$(awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.1f", s }' <<<"$wall")"
  rows+=("| $label | \`cargo build${*:+ $*}\` | ${seconds} s | ${cpu} s | $(awk '{ printf "%.2f", $1 / 1e6 }' <<<"$rss") GB | $target |")
  echo "build-times.sh: $label: ${seconds} s (CPU ${cpu} s), ${rss} kB peak" >&2
}
# `cargo clean -p` deletes the files of each of the package's targets by name, those of a
# dependency with the same name too: no test, bench or example may be named like a dependency
# (tests/tracing.rs took the `tracing` crate's artifacts, and every row after it rebuilt
# tracing, h2, hyper and reqwest).
clean_crate() { (cd "$src" && cargo clean --quiet -p appcenter); }
# warm ARGS...: builds with ARGS untimed, so that a dependency whose features differ under ARGS
# is rebuilt here and the timed row counts this crate alone.
warm() { (cd "$src" && cargo build "${jobs[@]}" --quiet "$@"); }

# 1. Everything from nothing: what a first `cargo build` in a new checkout costs.
run "fresh, dependencies included (default features)" "≤ 70 s" -- 
# 2. This crate alone, all API areas (build script and generated code included).
clean_crate
run "crate alone, all areas" "≤ 30 s, ≤ 1.5 GB" -- --lib
# 3. An edit to one hand-written file, with the build above in place (incremental, as `cargo
#    build` does by default for a local crate).
printf '\n// build-times.sh: an edit\n' >>"$src/src/retry.rs"
run "after an edit to src/retry.rs, all areas" "≤ 8 s" -- --lib
# 4. and 5. One area alone: this crate only (dependencies are built first, untimed).
warm --lib --no-default-features --features rustls,distribute
clean_crate
run "crate alone, \`distribute\` only" "< 10 s" -- --lib --no-default-features --features rustls,distribute
warm --lib --no-default-features --features rustls,account
clean_crate
run "crate alone, \`account\` only" "" -- --lib --no-default-features --features rustls,account

echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(rustc --version), load average at the start: $load."
echo
echo "| Build | Command | Time | CPU (user+sys) | Peak RSS | Target |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
