#!/usr/bin/env bash
# Benchmark of `vigil report` (issue 7): the monthly report of a generated month, each format.
#
#   bench/report.sh [SIZE_PER_KIND] [WORKDIR] [RUNS]     default: 100MB per kind (1 GB), /tmp/vigil-bench, 3
#
# Reuses (or makes, through bench/check.sh) WORKDIR's corpus, index and config; then times
# `vigil report --month 2026-11 --no-ingest --format F -o FILE` for F = html, md and json, RUNS
# times each, and prints the median wall time, the peak RSS and the size of what was written.
set -euo pipefail
cd "$(dirname "$0")/.."

size=${1:-100MB}
work=${2:-/tmp/vigil-bench}
runs=${3:-3}
vigil=target/release/vigil
[ -x "$vigil" ] || { echo "build first: cargo build --release" >&2; exit 2; }
if [ ! -f "$work/size" ] || [ "$(cat "$work/size")" != "$size" ] || [ ! -f "$work/vigil.toml" ]; then
  bench/check.sh "$size" "$work" 1 >/dev/null
fi
events=$("$vigil" --config "$work/vigil.toml" search '*' --count)
echo "== report of 2026-11: $events events, $runs runs per format"
for f in html md json; do
  times=()
  for i in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/report.time" "$vigil" --config "$work/vigil.toml" report --month 2026-11 \
      --no-ingest --format "$f" -o "$work/report.$f" 2>/dev/null
    read -r secs kb < <(tail -1 "$work/report.time")
    times+=("$secs")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  printf '%-5s median %s s of %s (%s), peak RSS %d MB, %s bytes written\n' "$f" "$median" "$runs" \
    "${times[*]}" $((kb / 1024)) "$(stat -c %s "$work/report.$f")"
done
