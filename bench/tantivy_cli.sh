#!/usr/bin/env bash
# Side by side (issue 3): `vigil ingest` of the raw logs against tantivy's own command-line tool
# (`tantivy index`, crate tantivy-cli) indexing the same events, already normalised, as JSON.
#
#   bench/tantivy_cli.sh [WORKDIR]      default /tmp/vigil-bench (run bench/ingest_search.sh first)
#
# The events are those vigil's parsers give for the corpus of WORKDIR/logs (`vigil parse
# --events`, per source of WORKDIR/vigil.toml), turned into documents of the same fields as vigil's
# index: the keyword fields raw-tokenized, indexed and fast; `ts` a fast date; `message` full text
# with positions and stored; `fields` a JSON object with positions; the event (without raw line
# and message) and the raw line stored. tantivy-cli has only its built-in tokenizers, so `message`
# and `fields` use its `default` tokenizer where vigil's index uses its Chinese-aware one. Both
# runs get 2 indexing threads (tantivy-cli then parses JSON on one thread of its own).
# Prints the raw MB/s of each (raw log bytes ÷ wall time), CPU seconds and peak RSS.
# Needs `tantivy` on PATH: cargo install tantivy-cli.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/vigil-bench}
vigil=$PWD/target/release/vigil
command -v tantivy >/dev/null || { echo "tantivy-cli is not installed: cargo install tantivy-cli" >&2; exit 2; }
[ -f "$work/vigil.toml" ] || { echo "no $work/vigil.toml: run bench/ingest_search.sh first" >&2; exit 2; }
raw_bytes=$(du -cb "$work"/logs/*.log "$work"/logs/*.jsonl | tail -1 | cut -f1)

echo "== events of the corpus, as tantivy-cli documents"
rm -f "$work/tcli-docs.jsonl"
python3 - "$work/vigil.toml" "$vigil" "$work/tcli-docs.jsonl" <<'PY'
import json, subprocess, sys, tomllib, glob, os
cfg_path, vigil, out_path = sys.argv[1:]
cfg = tomllib.load(open(cfg_path, 'rb'))
base = os.path.dirname(cfg_path)
keywords = ["id", "host", "source", "format", "category", "action", "outcome", "actor",
            "actor_role", "src_ip", "target", "ticket"]
n = 0
with open(out_path, 'w') as out:
    for s in cfg['sources']:
        files = [f for p in s['paths'] for f in sorted(glob.glob(p if os.path.isabs(p) else os.path.join(base, p)))]
        if not files:
            continue
        cmd = [vigil, '--config', cfg_path, 'parse', '--events', '--source', s['name'],
               '--host', s.get('host', s['name']), '--format', s.get('format', 'auto')]
        if 'zone' in s:
            cmd += ['--zone', s['zone']]
        if 'pg_prefix' in s:
            cmd += ['--pg-prefix', s['pg_prefix']]
        p = subprocess.Popen(cmd + files, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for line in p.stdout:
            e = json.loads(line)
            d = {k: e[k] for k in keywords if e.get(k) is not None}
            d['ts'] = e['ts']
            d['path'] = e['origin']['path']
            d['flags'] = e.get('flags') or []
            d['message'] = e['message']
            if e.get('fields'):
                d['fields'] = e['fields']
            d['raw'] = e['raw']
            rest = dict(e); rest['raw'] = ''; rest['message'] = ''
            d['event'] = json.dumps(rest, ensure_ascii=False, separators=(',', ':'))
            out.write(json.dumps(d, ensure_ascii=False, separators=(',', ':')) + '\n')
            n += 1
        p.wait()
print(f"{n} documents")
PY

echo "== tantivy index (tantivy-cli), 2 threads"
rm -rf "$work/tcli-index"; mkdir -p "$work/tcli-index"
python3 - "$work/tcli-index/meta.json" <<'PY'
import json, sys
kw = lambda n: {"name": n, "type": "text", "options": {"indexing": {"record": "basic", "fieldnorms": True, "tokenizer": "raw"}, "stored": False, "fast": True}}
full = {"record": "position", "fieldnorms": True, "tokenizer": "default"}
schema = [kw("id"),
          {"name": "ts", "type": "date", "options": {"indexed": False, "fieldnorms": False, "fast": True, "stored": False, "precision": "microseconds"}}]
schema += [kw(n) for n in ["host", "source", "format", "category", "action", "outcome", "actor", "actor_role", "src_ip", "target", "ticket", "path", "flags"]]
schema += [{"name": "message", "type": "text", "options": {"indexing": full, "stored": True, "fast": False}},
           {"name": "fields", "type": "json_object", "options": {"stored": False, "indexing": full, "fast": False, "expand_dots_enabled": False}},
           {"name": "event", "type": "text", "options": {"stored": True, "fast": False}},
           {"name": "raw", "type": "text", "options": {"stored": True, "fast": False}}]
json.dump({"index_settings": {"docstore_compression": "lz4", "docstore_blocksize": 16384},
           "segments": [], "schema": schema, "opstamp": 0}, open(sys.argv[1], 'w'))
PY
/usr/bin/time -f '%e %U %S %M' -o "$work/tcli.time" tantivy index -i "$work/tcli-index" -f "$work/tcli-docs.jsonl" -t 2 >/dev/null 2>&1
read -r secs user sys rss < "$work/tcli.time"
awk -v b="$raw_bytes" -v s="$secs" -v u="$user" -v y="$sys" -v r="$rss" 'BEGIN {
  printf "tantivy-cli: %.1f s, %.1f MB/s of raw logs; %.1f CPU s; peak RSS %.0f MB\n", s, b/1e6/s, u+y, r/1024 }'

echo "== vigil ingest of the raw logs, same corpus"
rm -rf "$work/data"
/usr/bin/time -f '%e %U %S %M' -o "$work/vigil.time" "$vigil" --config "$work/vigil.toml" ingest >/dev/null 2>&1
read -r secs user sys rss < "$work/vigil.time"
awk -v b="$raw_bytes" -v s="$secs" -v u="$user" -v y="$sys" -v r="$rss" 'BEGIN {
  printf "vigil ingest: %.1f s, %.1f MB/s of raw logs; %.1f CPU s; peak RSS %.0f MB\n", s, b/1e6/s, u+y, r/1024 }'
