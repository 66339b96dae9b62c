#!/usr/bin/env bash
# Writes a PNG of the first page (A4 at 96 dpi) of a report made by `vigil report --format html`,
# with headless Chromium (Debian: apt-get install chromium fonts-wqy-zenhei).
#
#   scripts/report-screenshot.sh REPORT.html OUT.png
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 REPORT.html OUT.png" >&2; exit 2; }
html=$(realpath "$1")
out=$(realpath -m "$2")
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "$0: no chromium on PATH (Debian: apt-get install chromium)" >&2; exit 2; }
# --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
"$browser" --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
  --window-size=794,1123 --screenshot="$out" "file://$html" >/dev/null 2>&1
[ -s "$out" ] || { echo "$0: chromium wrote no screenshot" >&2; exit 1; }
echo "wrote $out"
