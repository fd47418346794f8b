#!/usr/bin/env bash
# The CSV exports are streamed (docs/interchange.md): on a synthetic portfolio at scale 100, the
# whole ledger and the concept notes exported as ADMIN leave the server's peak resident memory
# (VmHWM) under 150 MB, and each CSV holds exactly as many rows as its GraphQL list's totalCount.
# On SQLite, and on PostgreSQL when MPTF_TEST_POSTGRES_URL is set.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/ops/server.sh

LIMIT_KB=$((150 * 1024))
MPTF_BIN="${CARGO_TARGET_DIR:-target}/debug/mptf"
cargo build --quiet --bin mptf
started=$(date +%s)

# The resident memory peak of the server so far, in kB.
peak_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$MPTF_PID/status"; }

# Rows of a CSV file (a quoted cell may hold a line break).
csv_rows() {
  python3 -c 'import csv,sys; r=csv.reader(open(sys.argv[1],newline="",encoding="utf-8")); next(r); print(sum(1 for _ in r))' "$1"
}

total_count() {
  curl -fsS -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"query\":\"{ $1 { totalCount } }\"}" "$MPTF_URL/graphql" |
    python3 -c "import json,sys; print(json.load(sys.stdin)['data']['$1']['totalCount'])"
}

check_backend() {
  local label="$1" url="$2"
  "$MPTF_BIN" seed synthetic --scale 100 --database-url "$url" >/dev/null
  mptf_start MPTF_DATABASE_URL="$url" MPTF_FIGURES_CACHE_SECS=0
  TOKEN="$(mptf_token ADMIN)"
  local before after name field rows expected t0 t1
  before=$(peak_kb)
  for pair in ledger:ledgerEntries concept-notes:conceptNotes; do
    name=${pair%%:*} field=${pair##*:}
    t0=$(date +%s.%N)
    curl -fsS -H "Authorization: Bearer $TOKEN" "$MPTF_URL/export/$name.csv" -o "$MPTF_TMP/$name.csv"
    t1=$(date +%s.%N)
    rows=$(csv_rows "$MPTF_TMP/$name.csv")
    expected=$(total_count "$field")
    printf '%s: %s.csv %s rows (%s bytes) in %.1fs; totalCount %s\n' "$label" "$name" "$rows" \
      "$(stat -c %s "$MPTF_TMP/$name.csv")" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$expected"
    if [ "$rows" != "$expected" ]; then
      echo "$label: $name.csv has $rows rows, GraphQL's totalCount is $expected"; exit 1
    fi
  done
  after=$(peak_kb)
  echo "$label: server peak RSS ${before} kB after start, ${after} kB after the exports (limit ${LIMIT_KB} kB)"
  mptf_stop
  if [ "$after" -gt "$LIMIT_KB" ]; then
    echo "$label: the server's peak RSS ${after} kB is above ${LIMIT_KB} kB"; exit 1
  fi
}

check_backend sqlite "sqlite://$MPTF_TMP/synthetic-100.sqlite?mode=rwc"

if [ -n "${MPTF_TEST_POSTGRES_URL:-}" ]; then
  db="mptf_csv_memory_$$"
  psql "$MPTF_TEST_POSTGRES_URL" -qc "CREATE DATABASE $db" >/dev/null
  trap 'psql "$MPTF_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; mptf_cleanup' EXIT
  check_backend postgres "${MPTF_TEST_POSTGRES_URL%/*}/$db"
fi
echo "csv memory: passed in $(( $(date +%s) - started ))s"
