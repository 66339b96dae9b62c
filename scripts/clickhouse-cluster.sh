#!/usr/bin/env bash
# A ClickHouse cluster of two shards on loopback, for the store's tests and benchmark: Debian's
# clickhouse-server twice, in DIR, with a cluster named vigil_cluster over both.
#
#   scripts/clickhouse-cluster.sh start DIR [MAX_MEMORY]   prints the shards' HTTP urls, comma-separated
#   scripts/clickhouse-cluster.sh stop DIR
#
# The servers' pids are kept in DIR/pids. Each server's TCP port is its HTTP port + 1.
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:?a folder}
mem=${3:-4000000000}
server=/usr/sbin/clickhouse-server

if [ "$cmd" = stop ]; then
  [ -f "$dir/pids" ] && kill $(cat "$dir/pids") 2>/dev/null || true
  rm -f "$dir/pids"
  exit 0
fi
[ -x "$server" ] || { echo "clickhouse-server is not installed (Debian: apt-get install clickhouse-server)" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# Two free pairs of ports (HTTP, and TCP = HTTP + 1).
ports=$(python3 - <<'PY'
import socket
found = []
while len(found) < 2:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close()
    if p + 1 > 65535:
        continue
    t = socket.socket()
    try:
        t.bind(("127.0.0.1", p + 1)); t.close(); found.append(p)
    except OSError:
        t.close()
print(" ".join(map(str, found)))
PY
)
read -r h1 h2 <<<"$ports"
: > "$dir/pids"
for n in 1 2; do
  home="$dir/ch$n"; mkdir -p "$home"
  http=$([ $n = 1 ] && echo "$h1" || echo "$h2")
  cat > "$home/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>$mem</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>::1</ip><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
  cat > "$home/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <http_port>$http</http_port><tcp_port>$((http + 1))</tcp_port><listen_host>127.0.0.1</listen_host>
  <path>$home/data/</path><tmp_path>$home/tmp/</tmp_path><user_files_path>$home/uf/</user_files_path>
  <users_config>$home/users.xml</users_config>
  <default_profile>default</default_profile><default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <remote_servers><vigil_cluster>
    <shard><replica><host>127.0.0.1</host><port>$((h1 + 1))</port></replica></shard>
    <shard><replica><host>127.0.0.1</host><port>$((h2 + 1))</port></replica></shard>
  </vigil_cluster></remote_servers>
</yandex>
XML
  "$server" --config-file="$home/config.xml" > "$home/out.log" 2>&1 &
  echo $! >> "$dir/pids"
done
for p in $h1 $h2; do
  for _ in $(seq 150); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $p))" 2>/dev/null && break
    sleep 0.2
  done
done
echo "http://127.0.0.1:$h1,http://127.0.0.1:$h2"
