#!/usr/bin/env bash
# The console's search page on the benchmark's index (issue 17): the three searches of
# bench/ingest_search.sh, each page with its hit count, one page of hits, the histogram and the
# four facets, as a logged-in reviewer's browser asks for it.
#
#   bench/serve.sh [WORKDIR] [RUNS]       default: /tmp/vigil-bench (made by bench/ingest_search.sh), 30
#
# Prints, per search: the hit count, then the server's own time (its Server-Timing header: count,
# hits, histogram, facets and total, in ms) and the whole request as curl sees it, as median and
# 95th percentile of RUNS requests after two warm-ups. Needs a release build and curl.
set -euo pipefail
cd "$(dirname "$0")/.."

work=${1:-/tmp/vigil-bench}
runs=${2:-30}
vigil=target/release/vigil
[ -x "$vigil" ] || { echo "build first: cargo build --release" >&2; exit 2; }
[ -f "$work/vigil.toml" ] || { echo "no index in $work: run bench/ingest_search.sh first" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is needed (Debian: apt-get install curl)" >&2; exit 2; }
cfg=(--config "$work/vigil.toml")

# A reviewer for the benchmark (added once).
if ! "$vigil" "${cfg[@]}" user list | grep -q '^bench	'; then
  echo "bench-password-1" | "$vigil" "${cfg[@]}" user add bench --role reviewer 2>/dev/null
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$vigil" "${cfg[@]}" serve --listen "127.0.0.1:$port" 2> "$work/serve.err" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/login" && break
  sleep 0.1
done
jar="$work/cookies"
rm -f "$jar"
csrf=$(curl -s -c "$jar" -b "$jar" "http://127.0.0.1:$port/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | cut -d'"' -f4)
curl -s -o /dev/null -c "$jar" -b "$jar" --data "csrf=$csrf&user=bench&password=bench-password-1" "http://127.0.0.1:$port/login"

events=$("$vigil" "${cfg[@]}" search '*' --count)
actor=$("$vigil" "${cfg[@]}" search '*' --count-by actor --limit 0 | awk -v t="$events" '
  { d = $1 - t/10000; if (d < 0) d = -d; if (best == "" || d < bd) { best = $2; bd = d } }
  END { print best }')
echo "== the search page on $events events ($(du -sh "$work/data/index" | cut -f1) index), $runs requests each"
queries=("actor:$actor" "删除" "action:login.failure")
ranges=("" "" "&since=2026-11-10&until=2026-11-17")
for k in 0 1 2; do
  q=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "${queries[$k]}")
  url="http://127.0.0.1:$port/search?q=$q${ranges[$k]}"
  out="$work/serve-$k.txt"
  : > "$out"
  for i in $(seq $((runs + 2))); do
    curl -s -D "$work/headers" -o "$work/page.html" -b "$jar" -w '%{http_code} %{time_total}\n' "$url" > "$work/curl"
    [ "$i" -le 2 ] && continue
    read -r code secs < "$work/curl"
    [ "$code" = 200 ] || { echo "GET $url: HTTP $code" >&2; exit 2; }
    timing=$(grep -i '^server-timing:' "$work/headers" | cut -d' ' -f2- | tr -d '\r')
    echo "$secs $timing" >> "$out"
  done
  hits=$(grep -o '<b id="hits-total">[0-9]*' "$work/page.html" | grep -o '[0-9]*$')
  python3 - "$out" "${queries[$k]} ${ranges[$k]//&/ }" "$hits" <<'EOF'
import sys
rows = [l.split(" ", 1) for l in open(sys.argv[1]) if l.strip()]
def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]
parts = {}
for secs, timing in rows:
    parts.setdefault("curl", []).append(float(secs) * 1000)
    for t in timing.split(", "):
        name, dur = t.split(";dur=")
        parts.setdefault(name, []).append(float(dur))
print(f"-- {sys.argv[2].strip()}: {sys.argv[3]} hits")
for name in ["count", "hits", "histogram", "facets", "total", "curl"]:
    xs = parts.get(name, [])
    if xs:
        print(f"   {name:9} median {pct(xs, 0.5):7.2f} ms   p95 {pct(xs, 0.95):7.2f} ms")
EOF
done
