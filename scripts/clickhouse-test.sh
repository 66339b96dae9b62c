#!/usr/bin/env bash
# The store matrix: runs the search, check and report tests with their events in ClickHouse, a
# two-shard cluster started for them (scripts/clickhouse-cluster.sh) and stopped after. The
# tests are the same files `cargo test` runs against the index; tests/common gives each copy of
# the samples a [store] in a database of its own when VIGIL_TEST_CLICKHOUSE names the shards.
#
#   scripts/clickhouse-test.sh [CARGO TEST ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/vigil-matrix.XXXXXX)
trap 'scripts/clickhouse-cluster.sh stop "$dir"; rm -rf "$dir"' EXIT
urls=$(scripts/clickhouse-cluster.sh start "$dir")
echo "ClickHouse shards: $urls"
VIGIL_TEST_CLICKHOUSE="$urls" cargo test --locked --test search --test check --test report "$@"
