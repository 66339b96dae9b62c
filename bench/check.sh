#!/usr/bin/env bash
# Benchmark of `vigil check` (issue 5): every rule over a month of generated events.
#
#   bench/check.sh [SIZE_PER_KIND] [WORKDIR] [RUNS]     default: 100MB per kind (1 GB), /tmp/vigil-bench, 5
#
# Reuses WORKDIR's corpus and index when bench/ingest_search.sh made them for the same size,
# else generates the corpus and ingests it first. Then runs `vigil check --month 2026-11
# --no-ingest --format json` RUNS times with the samples' policy and registers, and prints the
# median wall time, the peak RSS, the time per rule of the last run, and the findings by rule.
# Needs a release build (`cargo build --release`).
set -euo pipefail
cd "$(dirname "$0")/.."

size=${1:-100MB}
work=${2:-/tmp/vigil-bench}
runs=${3:-5}
vigil=target/release/vigil
corpus=target/release/vigil-corpus
[ -x "$vigil" ] && [ -x "$corpus" ] || { echo "build first: cargo build --release" >&2; exit 2; }

if [ ! -f "$work/size" ] || [ "$(cat "$work/size")" != "$size" ] || [ ! -d "$work/data/index" ]; then
  rm -rf "$work"
  mkdir -p "$work"
  echo "== corpus: $size per kind"
  "$corpus" --month 2026-11 --seed 7 --size "$size" --out "$work/logs" 2>&1 | tail -1
  echo "$size" > "$work/size"
fi
# The samples' config (sources, policy), pointed at the corpus; the samples' registers.
sed -e 's|"logs/|"'"$work"'/logs/|' -e 's|^data_dir = .*|data_dir = "'"$work"'/data"|' \
    -e 's|approvals = "approvals.csv"|approvals = "'"$PWD"'/samples/approvals.csv"|' \
    -e 's|accounts = "accounts.csv"|accounts = "'"$PWD"'/samples/accounts.csv"|' \
    samples/vigil.toml > "$work/vigil.toml"
cfg=(--config "$work/vigil.toml")
if ! "$vigil" "${cfg[@]}" search '*' --count >/dev/null 2>&1; then
  echo "== ingest"
  rm -rf "$work/data"
  "$vigil" "${cfg[@]}" ingest 2>&1 | grep '^total:'
fi
events=$("$vigil" "${cfg[@]}" search '*' --count)
raw=$(du -cb "$work"/logs/* | tail -1 | cut -f1)
echo "== check: $events events from $((raw / 1000000)) MB of logs, $runs runs"
times=()
for i in $(seq "$runs"); do
  /usr/bin/time -f '%e %M' -o "$work/check.time" "$vigil" "${cfg[@]}" check --month 2026-11 --no-ingest \
    --format json --timings > "$work/check.json" 2> "$work/check.err" || [ $? -eq 1 ]
  # GNU time writes "Command exited with non-zero status 1" first when vigil exits 1 (findings).
  read -r secs kb < <(tail -1 "$work/check.time")
  times+=("$secs")
  echo "run $i: ${secs} s, peak RSS $((kb / 1024)) MB"
done
printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "median: %s s (whole command: open the index, all rules, write the JSON)\n", a[int((NR + 1) / 2)] }'
grep -E '^check: [a-z_.]+: ' "$work/check.err" | sed 's/^check: /  /'
grep -E '^check: 20' "$work/check.err"
python3 - "$work/check.json" <<'PY'
import collections, json, sys
d = json.load(open(sys.argv[1]))
for rule, n in sorted(collections.Counter(f["rule"] for f in d["findings"]).items()):
    print(f"  {n:>8}  {rule}")
PY
