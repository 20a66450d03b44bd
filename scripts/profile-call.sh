#!/usr/bin/env bash
# Instructions per call of the SDK against plain reqwest, counted by callgrind (repeatable on a
# busy machine, unlike wall-clock time), and where the SDK's extra instructions go.
#
#   scripts/profile-call.sh            # 500 and 2500 sequential `GET /v0.1/user` calls per side
#   CALLS="1000 3000" scripts/profile-call.sh
#   MODE=concurrent scripts/profile-call.sh   # the same calls with 64 in flight (client thread);
#                                             # adds the SDK without timeouts as a fourth side
#
# Runs benches/overhead.rs in its `--profile` mode (optimised, as `cargo bench` builds it) under
# `valgrind --tool=callgrind`, collecting only the client thread inside `measured` (the local
# server's thread is not counted). Each side runs twice with different call counts; the difference
# divided by the difference of counts is the cost of one call, set-up and warm-up cancelled out.
# Prints a markdown table of instructions per call, then the functions whose inclusive cost per
# call differs most between the SDK and plain reqwest. Per-call overhead does not depend on the API
# areas compiled in, so only `account` and `distribute` are built (FEATURES to change).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "profile-call.sh: valgrind is required" >&2; exit 1; }
read -r low high <<<"${CALLS:-500 2500}"
features="${FEATURES:-rustls,account,distribute}"
bin="$(cargo bench --bench overhead --no-run --no-default-features --features "$features" \
  --message-format=json 2>/dev/null | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)"
[[ -x "$bin" ]] || { echo "profile-call.sh: could not build benches/overhead.rs" >&2; exit 1; }
out="$(mktemp -d /tmp/appcenter-profile.XXXXXX)"
trap 'rm -rf "$out"' EXIT

mode="${MODE:-sequential}"
case "$mode" in
  sequential) flag=--profile; measured=overhead::measured; sides="sdk plain plain-timeout" ;;
  concurrent) flag=--profile-concurrent; measured=overhead::measured_concurrent
    sides="sdk plain plain-timeout sdk-no-timeouts" ;;
  *) echo "profile-call.sh: MODE is sequential or concurrent, not $mode" >&2; exit 1 ;;
esac

for side in $sides; do
  for n in "$low" "$high"; do
    valgrind --tool=callgrind --callgrind-out-file="$out/$side.$n.out" --collect-atstart=no \
      --toggle-collect="$measured"'*' "$bin" "$flag" "$side" "$n" >/dev/null 2>"$out/$side.$n.log"
    callgrind_annotate --inclusive=yes --threshold=100 "$out/$side.$n.out" >"$out/$side.$n.txt" 2>/dev/null
  done
done

python3 - "$out" "$low" "$high" "$mode" "$measured" $sides <<'PY'
import re, sys
out, low, high, mode, measured = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]

def load(side, n):
    costs = {}
    for line in open(f"{out}/{side}.{n}.txt"):
        m = re.match(r"\s*([\d,]+)\s+\([^)]*\)\s+(?:\S*?:)?(.*?)\s+\[", line)
        if m:
            name = m.group(2)
            costs[name] = costs.get(name, 0) + int(m.group(1).replace(",", ""))
    return costs

def per_call(side):
    a, b = load(side, low), load(side, high)
    return {k: (b.get(k, 0) - a.get(k, 0)) / (high - low) for k in set(a) | set(b)}

sides = {s: per_call(s) for s in sys.argv[6:]}
total = {s: c.get(measured, 0) for s, c in sides.items()}
how = "sequential" if mode == "sequential" else "64-in-flight"
print(f"Instructions per {how} `GET /v0.1/user` call (callgrind, {high} minus {low} calls):\n")
print("| Side | Instructions per call | Ratio to plain |")
print("|---|---|---|")
for s in sides:
    print(f"| {s} | {total[s]:,.0f} | {total[s] / total['plain']:.3f} |")
print("\nWhere the SDK's extra instructions go (inclusive instructions per call; functions the SDK")
print("inlines into its `send()` do not appear by name):\n")
print("| SDK | plain | SDK minus plain | Function |")
print("|---|---|---|---|")
sdk, plain = sides["sdk"], sides["plain"]
skip = re.compile(r"^(overhead::|tokio::runtime::(runtime|context|scheduler::current_thread::(CoreGuard|CurrentThread|Context::enter))|std::|main$|\(below main\)|0x|.*libc-start|.*libc_start)")
rows = [(sdk.get(k, 0) - plain.get(k, 0), k) for k in set(sdk) | set(plain) if not skip.match(k)]
rows.sort(key=lambda r: -abs(r[0]))
for diff, name in rows[:40]:
    if abs(diff) < 40:
        break
    short = name if len(name) < 140 else name[:137] + "..."
    print(f"| {sdk.get(name, 0):,.0f} | {plain.get(name, 0):,.0f} | {diff:+,.0f} | `{short}` |")
PY
