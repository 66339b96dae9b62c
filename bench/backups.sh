#!/usr/bin/env bash
# Benchmark of the backup artefact verifier (issue 6) against sha256sum and openssl, side by side.
#
#   bench/backups.sh [MB_PER_FILE] [RUNS] [WORKDIR]     default: 256 MB, 3 runs, /tmp/vigil-bench-backups
#
# Makes an artefact set of 8 files of MB_PER_FILE (2 GB by default) and one file of 8 x MB_PER_FILE,
# incompressible (openssl rand), with a SHA256SUMS manifest over each; reads them once so that every
# tool reads from the page cache (the figures are hashing, not the disk); then times over the same
# files, each RUNS times, the median printed (and the best):
#   sha256sum and openssl dgst -sha256 on one core, and under xargs -P2 (the set only);
#   the verifier with 1 and 2 threads over the set, and over the one file;
# with MB/s (MB = 10^6 bytes), and peak RSS (GNU time) for each.
# `vigil backups verify` is timed as cron runs it (the whole command: config, index, every file
# hashed with --sample 1, the verdict indexed), on 2 threads; the library's one-thread rate through
# backups/examples/verify_artefacts. Build both first:
#   cargo build --release && cargo build --release -p vigil-backups --example verify_artefacts
# Existing data of the right size in WORKDIR is reused.
set -euo pipefail
cd "$(dirname "$0")/.."

mb=${1:-256}
runs=${2:-3}
work=${3:-/tmp/vigil-bench-backups}
target=${CARGO_TARGET_DIR:-target}
verifier=$target/release/examples/verify_artefacts
vigil=$target/release/vigil
[ -x "$verifier" ] && [ -x "$vigil" ] || {
  echo "build first: cargo build --release && cargo build --release -p vigil-backups --example verify_artefacts" >&2
  exit 2
}
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is needed for the peak RSS" >&2; exit 2; }
command -v openssl >/dev/null || { echo "openssl is needed (data and figures)" >&2; exit 2; }
command -v sha256sum >/dev/null || { echo "sha256sum is needed" >&2; exit 2; }

bytes=$((mb * 1024 * 1024))
mkdir -p "$work/set" "$work/one"
make() { # PATH BYTES (openssl rand takes at most 2^31 - 1 bytes at a time: by 256 MiB)
  local left=$2 chunk
  [ "$(stat -c %s "$1" 2>/dev/null || echo 0)" = "$2" ] && return
  : > "$1"
  while [ "$left" -gt 0 ]; do
    chunk=$((left < 268435456 ? left : 268435456))
    openssl rand "$chunk" >> "$1"
    left=$((left - chunk))
  done
}
echo "== data: 8 x $mb MiB in $work/set, 1 x $((8 * mb)) MiB in $work/one"
for i in 1 2 3 4 5 6 7 8; do make "$work/set/part-$i.bin" "$bytes"; done
make "$work/one/full.bin" $((8 * bytes))
set_files=("$work"/set/part-*.bin)
one_file=$work/one/full.bin
if [ ! -s "$work/set/SHA256SUMS" ] || [ "$work/set/SHA256SUMS" -ot "$work/set/part-8.bin" ]; then
  (cd "$work/set" && sha256sum part-*.bin > SHA256SUMS)
fi
if [ ! -s "$work/one/SHA256SUMS" ] || [ "$work/one/SHA256SUMS" -ot "$one_file" ]; then
  (cd "$work/one" && sha256sum full.bin > SHA256SUMS)
fi
# A config with the two artefact sets as jobs. Their schedule (2:00 on 1 January) expects no run
# in the last 24 hours, so only the artefacts are judged; --sample 1 re-hashes every file, however
# old, on every run.
: > "$work/none.log"
cat > "$work/vigil.toml" <<EOF_TOML
data_dir = "data"
[[sources]]
name = "none"
paths = ["none.log"]
format = "syslog"
role = "backup"
[[backups]]
name = "set"
schedule = "0 2 1 1 *"
source = "none"
artefacts = ["set/part-*.bin"]
manifest = "set/SHA256SUMS"
[[backups]]
name = "one"
schedule = "0 2 1 1 *"
source = "none"
artefacts = ["one/full.bin"]
manifest = "one/SHA256SUMS"
EOF_TOML
"$vigil" --config "$work/vigil.toml" ingest > /dev/null 2> "$work/ingest.err" || { cat "$work/ingest.err" >&2; exit 2; }
verify=("$vigil" --config "$work/vigil.toml" backups verify --no-ingest --sample 1)
set_bytes=$((8 * bytes))
one_bytes=$((8 * bytes))
cat "${set_files[@]}" "$one_file" > /dev/null # into the page cache

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   sha2 uses the CPU's SHA instructions: $(grep -qw sha_ni /proc/cpuinfo && echo yes || echo no)"

# run NAME BYTES CMD...: RUNS timings; prints the median MB/s, the best, and the peak RSS.
run() {
  local name=$1 n=$2
  shift 2
  local secs=() rss=0 r t0 t1 m
  for ((r = 0; r < runs; r++)); do
    t0=$(date +%s.%N)
    /usr/bin/time -f %M -o "$work/time.out" "$@" > "$work/cmd.out" 2> "$work/cmd.err" || {
      echo "$name: failed" >&2
      cat "$work/cmd.out" "$work/cmd.err" >&2
      exit 1
    }
    t1=$(date +%s.%N)
    secs+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')")
    m=$(tail -1 "$work/time.out")
    [ "$m" -gt "$rss" ] && rss=$m
  done
  printf '%s\n' "${secs[@]}" | sort -n > "$work/secs.txt"
  rate=$(awk -v n="$n" '{ s[NR] = $1 } END { printf "%.0f", n / 1e6 / ((NR % 2) ? s[(NR + 1) / 2] : (s[NR / 2] + s[NR / 2 + 1]) / 2) }' "$work/secs.txt")
  awk -v name="$name" -v n="$n" -v rss="$rss" '
    { s[NR] = $1 }
    END {
      med = (NR % 2) ? s[(NR + 1) / 2] : (s[NR / 2] + s[NR / 2 + 1]) / 2
      printf "%-44s %7.0f MB/s  (median %.2f s of %d; best %.0f MB/s)  peak RSS %6.1f MB\n",
        name, n / 1e6 / med, med, NR, n / 1e6 / s[1], rss / 1024 }' "$work/secs.txt"
}

echo "== the set: 8 files, $((set_bytes / 1000000)) MB"
run "sha256sum, set, 1 core" "$set_bytes" sha256sum "${set_files[@]}"
run "sha256sum, set, xargs -P2" "$set_bytes" sh -c 'printf "%s\n" "$@" | xargs -P2 -n1 sha256sum' sh "${set_files[@]}"
run "openssl dgst -sha256, set, 1 core" "$set_bytes" openssl dgst -sha256 "${set_files[@]}"
os=$rate
run "openssl dgst -sha256, set, xargs -P2" "$set_bytes" sh -c 'printf "%s\n" "$@" | xargs -P2 -n1 openssl dgst -sha256' sh "${set_files[@]}"
ox=$rate
run "verifier (library), set, 1 thread" "$set_bytes" "$verifier" "$work/set/SHA256SUMS" "$work/set/part-*.bin" 1
run "vigil backups verify, set, 2 threads" "$set_bytes" "${verify[@]}" --job set
v2=$rate
grep -q '^set: OK' "$work/cmd.out" || { echo "vigil found problems:" >&2; cat "$work/cmd.out" >&2; exit 1; }

echo "== one file: $((one_bytes / 1000000)) MB"
run "sha256sum, one file" "$one_bytes" sha256sum "$one_file"
run "openssl dgst -sha256, one file" "$one_bytes" openssl dgst -sha256 "$one_file"
o1=$rate
run "vigil backups verify, one file" "$one_bytes" "${verify[@]}" --job one
v1=$rate
grep -q '^one: OK' "$work/cmd.out" || { echo "vigil found problems:" >&2; cat "$work/cmd.out" >&2; exit 1; }

echo "== ratios (targets: one file >= 0.8 x openssl; the set on 2 cores > openssl on 1 core)"
awk -v v1="$v1" -v o1="$o1" -v v2="$v2" -v os="$os" -v ox="$ox" 'BEGIN {
  printf "vigil / openssl, one file:                 %.2f\n", v1 / o1
  printf "vigil 2 threads / openssl 1 core, set:      %.2f\n", v2 / os
  printf "vigil 2 threads / openssl xargs -P2, set:   %.2f\n", v2 / ox }'
echo "   (load at the end: $(cut -d' ' -f1-3 /proc/loadavg); the machine is shared, repeat if noisy)"
