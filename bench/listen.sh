#!/usr/bin/env bash
# A TCP syslog listener's throughput (issue 19): messages a second that `vigil receive` takes
# from a client on loopback into its spool and then into the index (searchable), side by side
# with rsyslog (imtcp) writing the same load to a file.
#
#   bench/listen.sh [MESSAGES] [WORKDIR]      default: 500000, /tmp/vigil-bench-listen
#
# The load: MESSAGES RFC 3164 sshd and application lines (about 110 bytes each), newline-framed,
# sent by one Python client as fast as the receiver takes them. Times are wall-clock from the
# first byte sent to: the client's last byte accepted (received), every message in rsyslog's file
# or in vigil's spool (acknowledged), every message counted by `vigil search --count` (indexed).
# Needs a release build, python3 and rsyslogd.
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-500000}
work=${2:-/tmp/vigil-bench-listen}
vigil=$PWD/target/release/vigil
[ -x "$vigil" ] || { echo "build first: cargo build --release" >&2; exit 2; }
command -v rsyslogd >/dev/null || [ -x /usr/sbin/rsyslogd ] || { echo "rsyslogd is needed (Debian: apt-get install rsyslog)" >&2; exit 2; }
rm -rf "$work"
mkdir -p "$work"
cd "$work"

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The load, made once: the same bytes go to both receivers.
python3 - "$n" > load.txt <<'EOF'
import sys
n = int(sys.argv[1])
users = ["zhangsan", "lisi", "wangwu", "root", "liuyang"]
out = sys.stdout
for i in range(n):
    u = users[i % 5]
    if i % 3 == 0:
        out.write(f"<38>Dec  8 01:{i // 60 % 60:02d}:{i % 60:02d} arch-web01 sshd[{1000 + i % 9000}]: Failed password for {u} from 10.1.{i % 250}.{i % 200} port {30000 + i % 30000} ssh2\n")
    else:
        out.write(f"<134>Dec  8 01:{i // 60 % 60:02d}:{i % 60:02d} arch-app01 archive-app[77]: user {u} viewed record AR-2026-{i:07d} 查看档案 seq={i}\n")
EOF
bytes=$(stat -c %s load.txt)

# Sends load.txt to 127.0.0.1:$1 and prints the seconds it took for the receiver to take it.
send() {
  python3 - "$1" <<'EOF'
import socket, sys, time
data = open("load.txt", "rb").read()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t = time.time()
view = memoryview(data)
for i in range(0, len(data), 1 << 20):
    s.sendall(view[i:i + (1 << 20)])
s.shutdown(socket.SHUT_WR)
s.recv(1)
print(f"{time.time() - t:.3f}")
EOF
}

now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.2f}')"; }
rate() { python3 -c "print(f'{$1 / ($3 - $2):,.0f}')"; }

echo "load: $n messages, $bytes bytes"

# rsyslog: imtcp into a file.
rport=$(port)
mkdir -p rsyslog
cat > rsyslog/rsyslog.conf <<EOF
global(workDirectory="$work/rsyslog")
module(load="imtcp")
input(type="imtcp" port="$rport" address="127.0.0.1")
template(name="raw" type="string" string="%rawmsg%\n")
action(type="omfile" file="$work/rsyslog/received.log" template="raw")
EOF
/usr/sbin/rsyslogd -n -f "$work/rsyslog/rsyslog.conf" -i "$work/rsyslog/pid" 2> rsyslog/err &
rs=$!
vr=""
trap 'kill $rs 2>/dev/null || true; kill $vr 2>/dev/null || true' EXIT
for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $rport))" 2>/dev/null && break; sleep 0.1; done
t0=$(now)
sent=$(send "$rport")
while [ "$(wc -l < rsyslog/received.log 2>/dev/null || echo 0)" -lt "$n" ]; do sleep 0.05; done
t1=$(now)
kill $rs; wait $rs 2>/dev/null || true
echo "rsyslog imtcp -> file: sent in ${sent}s; all $n in the file after $(secs "$t0" "$t1")s: $(rate "$n" "$t0" "$t1") msg/s"

# vigil receive: a TCP listener into its spool, then the index.
vport=$(port)
cat > vigil.toml <<EOF
data_dir = "data"
display_zone = "Asia/Shanghai"
[[listeners]]
name = "net"
protocol = "tcp"
address = "127.0.0.1:$vport"
EOF
/usr/bin/time -v -o vigil.time "$vigil" receive 2> vigil.err &
vr=$!
for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $vport))" 2>/dev/null && break; sleep 0.1; done
t0=$(now)
sent=$(send "$vport")
spooled() { cat data/listen/net/*.spool 2>/dev/null | grep -vc '^#' || true; }
while [ "$(spooled)" -lt "$n" ]; do sleep 0.05; done
t1=$(now)
while [ "$("$vigil" search '*' --count 2>/dev/null || echo 0)" -lt "$n" ]; do sleep 0.2; done
t2=$(now)
pkill -INT -P $vr; wait $vr 2>/dev/null || true
echo "vigil receive: sent in ${sent}s; all $n in the spool after $(secs "$t0" "$t1")s: $(rate "$n" "$t0" "$t1") msg/s; all indexed after $(secs "$t0" "$t2")s: $(rate "$n" "$t0" "$t2") msg/s"
echo "vigil receive: peak RSS $(awk '/Maximum resident/ {printf "%.0f MB", $6/1024}' vigil.time)"
