#!/usr/bin/env bash
# The ClickHouse store beside the index (issue 20), on the benchmark's corpus: ingest MB/s, the
# three searches of bench/ingest_search.sh, `check --month` and `report --month`, and the disk
# each store uses; and `clickhouse-client` inserting the same rows from JSON, as the engine's own
# limit.
#
#   bench/clickhouse.sh [SIZE_PER_KIND] [WORKDIR]      default: 100MB per kind (1 GB), /tmp/vigil-bench-ch
#
# ClickHouse: Debian's clickhouse-server, two shards on loopback (a Distributed table over them),
# started in WORKDIR by scripts/clickhouse-cluster.sh and stopped at the end. Needs a release build of vigil and
# vigil-corpus, clickhouse-server, clickhouse-client and curl.
set -euo pipefail
cd "$(dirname "$0")/.."

size=${1:-100MB}
work=${2:-/tmp/vigil-bench-ch}
vigil=$PWD/target/release/vigil
corpus=$PWD/target/release/vigil-corpus
[ -x "$vigil" ] && [ -x "$corpus" ] || { echo "build first: cargo build --release -p vigil -p vigil-corpus" >&2; exit 2; }
rm -rf "$work"
mkdir -p "$work"

urls=$(scripts/clickhouse-cluster.sh start "$work/cluster" 8000000000)
trap 'scripts/clickhouse-cluster.sh stop "$work/cluster"' EXIT
h1=$(echo "$urls" | cut -d, -f1 | sed 's|.*:||'); h2=$(echo "$urls" | cut -d, -f2 | sed 's|.*:||')
tcp1=$((h1 + 1))
echo "== ClickHouse $(curl -s --data-binary 'SELECT version()' http://127.0.0.1:$h1/), two shards"

echo "== corpus: $size per kind"
"$corpus" --month 2026-11 --seed 7 --size "$size" --out "$work/logs" 2>&1 | tail -1
raw=$(du -cb "$work"/logs/*.log "$work"/logs/*.jsonl | tail -1 | cut -f1)
for store in index ch; do
  sed -e 's|"logs/|"'"$work"'/logs/|' -e 's|^data_dir = .*|data_dir = "'"$work"'/data-'"$store"'"|' \
    -e 's|approvals = "approvals.csv"|approvals = "'"$PWD"'/samples/approvals.csv"|' \
    -e 's|accounts = "accounts.csv"|accounts = "'"$PWD"'/samples/accounts.csv"|' \
    samples/vigil.toml > "$work/$store.toml"
done
cat >> "$work/ch.toml" <<EOF2

[store]
kind = "clickhouse"
url = "http://127.0.0.1:$h1"
database = "vigil"
cluster = "vigil_cluster"
shards = ["http://127.0.0.1:$h1", "http://127.0.0.1:$h2"]
EOF2

secs() { python3 -c "print(f'{$2 - $1:.2f}')"; }
now() { date +%s.%N; }
for store in index ch; do
  t0=$(now)
  /usr/bin/time -f "%M" -o "$work/$store.rss" "$vigil" --config "$work/$store.toml" ingest 2> "$work/$store.ingest.err"
  t1=$(now)
  s=$(secs "$t0" "$t1")
  echo "ingest into $store: $(grep '^total:' "$work/$store.ingest.err"); $s s wall, $(python3 -c "print(f'{$raw/1e6/$s:.1f}')") MB/s, peak RSS $(( $(cat "$work/$store.rss") / 1024 )) MB"
done
echo "index on disk: $(du -sb "$work/data-index/index" | cut -f1) bytes"
for p in $h1 $h2; do
  echo "ClickHouse shard :$p on disk: $(curl -s --data-binary "SELECT sum(bytes_on_disk) FROM system.parts WHERE database = 'vigil' AND active" http://127.0.0.1:$p/) bytes"
done

actor=$("$vigil" --config "$work/index.toml" search '*' --count-by actor | awk -v t="$("$vigil" --config "$work/index.toml" search '*' --count)" '
  { d = $1 - t/10000; if (d < 0) d = -d; if (best == "" || d < bd) { best = $2; bd = d } } END { print best }')
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_cmd() { local a b; a=$(now); "$@" > /dev/null 2> "$work/last.err" || [ $? = 1 ] || { cat "$work/last.err" >&2; exit 2; }; b=$(now); secs "$a" "$b"; }
echo "== searches, median of 5 (whole command)"
for q in "actor:$actor" "删除" "action:login.failure --since 2026-11-10 --until 2026-11-17"; do
  for store in index ch; do
    # shellcheck disable=SC2086
    m=$(for _ in 1 2 3 4 5; do time_cmd "$vigil" --config "$work/$store.toml" search $q --limit 50; done | median)
    # shellcheck disable=SC2086
    n=$("$vigil" --config "$work/$store.toml" search $q --count)
    echo "$store: search $q: $n hits, $m s"
  done
done
echo "== check and report, one run each"
for store in index ch; do
  echo "$store: check --month 2026-11: $(time_cmd "$vigil" --config "$work/$store.toml" check --month 2026-11 --no-ingest --format json) s"
  echo "$store: report --month 2026-11: $(time_cmd "$vigil" --config "$work/$store.toml" report --month 2026-11 --no-ingest --format json -o "$work/$store.report.json") s"
done
cmp -s "$work/index.report.json" "$work/ch.report.json" && echo "the two reports are identical" || echo "the two reports differ"

echo "== clickhouse-client inserting the same rows from JSON"
curl -s --data-binary "SELECT * FROM vigil.events FORMAT JSONEachRow" "http://127.0.0.1:$h1/" > "$work/rows.jsonl"
rows_bytes=$(stat -c %s "$work/rows.jsonl")
curl -s --data-binary "CREATE TABLE vigil.copy_local AS vigil.events_local" "http://127.0.0.1:$h1/"
curl -s --data-binary "CREATE TABLE vigil.copy_local AS vigil.events_local" "http://127.0.0.1:$h2/"
curl -s --data-binary "CREATE TABLE vigil.copy AS vigil.events ENGINE = Distributed(vigil_cluster, vigil, copy_local, cityHash64(id))" "http://127.0.0.1:$h1/"
t0=$(now)
clickhouse-client --port "$tcp1" --insert_distributed_sync=1 --query "INSERT INTO vigil.copy FORMAT JSONEachRow" < "$work/rows.jsonl"
t1s=$(now)
s=$(secs "$t0" "$t1s")
echo "clickhouse-client: $(wc -l < "$work/rows.jsonl") rows, $rows_bytes bytes of JSON in $s s: $(python3 -c "print(f'{$raw/1e6/$s:.1f}')") MB/s of raw logs' worth"
