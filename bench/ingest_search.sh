#!/usr/bin/env bash
# End-to-end benchmark of `vigil ingest` and `vigil search` on a generated corpus (issue 3).
#
#   bench/ingest_search.sh [SIZE_PER_KIND] [WORKDIR]      default: 100MB per kind (1 GB), /tmp/vigil-bench
#   bench/ingest_search.sh --searches [WORKDIR]          only the searches, on WORKDIR's index
#
# Prints: ingest MB/s and events/s of raw logs, peak RSS, index size ÷ raw size; the median of
# 20 runs of three searches, each timed as the whole `vigil search` command (start-up included);
# and `rg -c` of the same needle over the raw files, side by side, with the ratio.
# Needs a release build (`cargo build --release`), and ripgrep and hyperfine on PATH for the
# side-by-side figures (Debian: apt-get install ripgrep hyperfine); without them those lines say so.
set -euo pipefail
cd "$(dirname "$0")/.."

searches_only=0
if [ "${1:-}" = "--searches" ]; then
  searches_only=1
  shift
  set -- 100MB "$@"
fi
size=${1:-100MB}
work=${2:-/tmp/vigil-bench}
vigil=target/release/vigil
corpus=target/release/vigil-corpus
[ -x "$vigil" ] && [ -x "$corpus" ] || { echo "build first: cargo build --release -p vigil -p vigil-corpus" >&2; exit 2; }
cfg=(--config "$work/vigil.toml")

if [ "$searches_only" = 0 ]; then
rm -rf "$work"
mkdir -p "$work"
echo "== corpus: $size per kind"
"$corpus" --month 2026-11 --seed 7 --size "$size" --out "$work/logs" 2>&1 | tail -1
raw_bytes=$(du -cb "$work"/logs/*.log "$work"/logs/*.jsonl | tail -1 | cut -f1)

# The samples' config, pointed at the corpus.
sed -e 's|"logs/|"'"$work"'/logs/|' -e 's|^data_dir = .*|data_dir = "'"$work"'/data"|' samples/vigil.toml > "$work/vigil.toml"

echo "== ingest"
/usr/bin/time -v "$vigil" "${cfg[@]}" ingest 2> "$work/ingest.err" || { cat "$work/ingest.err" >&2; exit 2; }
grep '^total:' "$work/ingest.err"
secs=$(grep 'Elapsed (wall clock)' "$work/ingest.err" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
rss_kb=$(grep 'Maximum resident set size' "$work/ingest.err" | awk '{print $NF}')
events=$("$vigil" "${cfg[@]}" search '*' --count)
index_bytes=$(du -sb "$work/data/index" | cut -f1)
segments=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["segments"]))' "$work/data/index/meta.json")
awk -v b="$raw_bytes" -v s="$secs" -v e="$events" -v r="$rss_kb" -v i="$index_bytes" -v g="$segments" 'BEGIN {
  printf "raw %.0f MB, %d events, %.1f s: %.1f MB/s, %.0f events/s; peak RSS %.0f MB; index %.0f MB = %.2f x raw, %d segments\n",
    b/1e6, e, s, b/1e6/s, e/s, r/1024, i/1e6, i/b, g }'
else
  [ -f "$work/vigil.toml" ] || { echo "no index in $work: run without --searches first" >&2; exit 2; }
  events=$("$vigil" "${cfg[@]}" search '*' --count)
fi

# A selective actor: the one whose share of events is nearest 0.01%.
actor=$("$vigil" "${cfg[@]}" search '*' --count-by actor | awk -v t="$events" '
  { d = $1 - t/10000; if (d < 0) d = -d; if (best == "" || d < bd) { best = $2; bd = d; n = $1 } }
  END { print best }')
echo "== searches (selective actor: $actor)"
queries=("actor:$actor" "删除" "action:login.failure")
extra=("" "" "--since 2026-11-10 --until 2026-11-17")
needles=("$actor" "删除" "login")
for k in 0 1 2; do
  q=${queries[$k]}
  echo "-- vigil search '$q' ${extra[$k]} --count: $("$vigil" "${cfg[@]}" search "$q" ${extra[$k]} --count) hits"
  if command -v hyperfine >/dev/null; then
    hyperfine -N --runs 20 --warmup 2 --export-json "$work/h$k.json" \
      "$vigil --config $work/vigil.toml search '$q' ${extra[$k]} --count" >/dev/null 2>&1 || true
    if command -v rg >/dev/null; then
      hyperfine -N --runs 5 --warmup 1 --export-json "$work/r$k.json" "rg -c -- '${needles[$k]}' $work/logs" >/dev/null 2>&1 || true
    fi
    python3 - "$work/h$k.json" "$work/r$k.json" <<'EOF'
import json, sys
def median(p):
    try:
        return json.load(open(p))["results"][0]["median"]
    except Exception:
        return None
v, r = median(sys.argv[1]), median(sys.argv[2])
line = f"   vigil median {v*1000:.1f} ms" if v else "   vigil: not measured"
if r:
    line += f"; rg -c median {r*1000:.1f} ms; vigil is {r/v:.1f}x faster" if v else ""
else:
    line += "; rg: not installed, no side-by-side figure"
print(line)
EOF
  else
    echo "   hyperfine is not installed: no timing"
  fi
done
