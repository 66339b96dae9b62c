#!/usr/bin/env bash
# Peak memory of ingest, search and show on a log with one 50 MB line (issue 21): the line is
# cut at 1 MiB, so every command should stay within the memory of a 1 MiB line.
#
#   bench/bounds.sh [MB] [WORKDIR]      default: 50, /tmp/vigil-bench-bounds
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-50}
work=${2:-/tmp/vigil-bench-bounds}
vigil=$PWD/target/release/vigil
[ -x "$vigil" ] || { echo "build first: cargo build --release" >&2; exit 2; }
rm -rf "$work"; mkdir -p "$work"; cd "$work"
printf 'data_dir = "data"\ndisplay_zone = "UTC"\n[[sources]]\nname = "auth"\npaths = ["auth.log"]\nformat = "syslog"\nrole = "login"\nreference_time = "2026-12-08"\n' > vigil.toml
python3 - "$mb" <<'PY'
import sys
mb = int(sys.argv[1])
with open("auth.log", "wb") as f:
    f.write(b"Dec  8 01:00:00 web01 sshd[1]: Failed password for root from 198.51.100.1 port 22 ssh2\n")
    f.write(b"Dec  8 01:00:01 web01 app[2]: " + b"x" * (mb << 20) + b"\n")
    f.write(b"Dec  8 01:00:02 web01 sshd[3]: Accepted password for alice from 198.51.100.2 port 22 ssh2\n")
PY
peak() { /usr/bin/time -f "%M" -o peak.kb "$@" > out.txt 2> err.txt || true; echo "$(( $(cat peak.kb) / 1024 )) MB"; }
echo "a ${mb} MB line: ingest peak $(peak "$vigil" ingest)"
id=$("$vigil" search app --format jsonl | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["id"])')
echo "search app (the cut event): peak $(peak "$vigil" search app --format jsonl)"
echo "show ID: peak $(peak "$vigil" show "$id")"
