#!/usr/bin/env bash
# Instructions per request, counted by valgrind's callgrind: repeatable whatever else the shared
# machine is doing (unlike seconds). Seeds a PostgreSQL database at the given scale, runs the
# release server under callgrind with one HTTP worker, sends each operation a few times to warm
# up, then N more with the counters on, and prints instructions and heap allocations per request
# with the functions that cost most (inclusive). See BENCHMARKS.md.
#
#   bench/profile.sh [--scale 100] [--requests 10] [--op programmes|dashboard|statement] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=100
REQUESTS=10
OP=programmes
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE=$2; shift 2 ;;
    --requests) REQUESTS=$2; shift 2 ;;
    --op) OP=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "bench/profile.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
command -v valgrind >/dev/null || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null; }
PG=${MPTF_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
PORT=${MPTF_BENCH_PORT:-18380}
db=mptf_profile_s$SCALE
url="$PG/$db?sslmode=disable"
out=$(mktemp -d)
cargo build --release --quiet -p mptf
BIN=${CARGO_TARGET_DIR:-target}/release/mptf
export MPTF_DATABASE_URL=$url MPTF_PROFILE=production MPTF_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export MPTF_SEED_DEMO=false MPTF_LISTEN=127.0.0.1:$PORT MPTF_HTTP_WORKERS=1 RUST_LOG=warn
if ! psql "$PG/postgres" -Atc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
  psql "$PG/postgres" -qc "CREATE DATABASE $db" >/dev/null
  "$BIN" migrate >/dev/null
  "$BIN" seed synthetic --scale "$SCALE" >/dev/null
fi
case $OP in
  dashboard) token=$("$BIN" token --role STEERING_COMMITTEE --minutes 60) ;;
  programmes) token=$("$BIN" token --role PARTNER_SYSTEM --minutes 60) ;;
  statement)
    donor=$(psql "$url" -Atc "SELECT donor_id FROM contribution GROUP BY donor_id ORDER BY COUNT(*) DESC, donor_id LIMIT 1")
    token=$("$BIN" token --role DONOR --donor "$donor" --minutes 60) ;;
  *) echo "unknown operation $OP" >&2; exit 2 ;;
esac
python3 -c 'import json,sys; print(json.dumps({"query": open(sys.argv[1]).read()}))' "bench/queries/$OP.graphql" > "$out/body.json"
MPTF_FIGURES_CACHE_SECS=0 valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" "$BIN" serve > "$out/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$out"; [ "$KEEP" = 1 ] || psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null' EXIT
for _ in $(seq 1 600); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/readyz" 2>/dev/null && break; sleep 0.1; done
send() { curl -fsS -o "$out/response.json" "http://127.0.0.1:$PORT/graphql" -H 'Content-Type: application/json' -H "Authorization: Bearer $token" --data-binary "@$out/body.json"; }
for _ in 1 2 3; do send; done
if grep -q '"errors"' "$out/response.json"; then echo "the $OP request failed: $(head -c 300 "$out/response.json")" >&2; exit 1; fi
callgrind_control -z "$pid" >/dev/null
for _ in $(seq 1 "$REQUESTS"); do send; done
callgrind_control -d "$pid" >/dev/null
sleep 1
profile=$(ls "$out"/callgrind.out.* | head -1)
total=$(sed -n 's/^summary: //p' "$profile")
bytes=$(wc -c < "$out/response.json")
echo "operation $OP at scale $SCALE: $REQUESTS requests, $bytes bytes each"
echo "instructions per request: $((total / REQUESTS))"
python3 - "$profile" "$REQUESTS" <<'PY'
import re, subprocess, sys
path, n = sys.argv[1], int(sys.argv[2])
calls = subprocess.run(["callgrind_annotate", "--tree=caller", "--threshold=100", path], capture_output=True, text=True).stdout
lines = calls.split("\n")
frees = 0
for i, line in enumerate(lines):
    if "*  ???:__rustc::__rust_dealloc " in line:
        j = i - 1
        while j >= 0 and "<" in lines[j]:
            m = re.search(r"\(([\d,]+)x\)", lines[j])
            frees += int(m.group(1).replace(",", "")) if m else 0
            j -= 1
inclusive = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path], capture_output=True, text=True).stdout
total = int(re.search(r"([\d,]+) \(100.0%\)\s+PROGRAM TOTALS", inclusive).group(1).replace(",", ""))
print(f"heap allocations freed per request: {frees // n if frees else 'n/a'}")
groups = {
    "GraphQL execution (resolvers, async-graphql)": r"Schema<Query,Mutation,Subscription>::execute_once::\{\{closure\}\} \[",
    "DataLoader batches (SQL, decoding rows)": r"DataLoaderInner<T>::do_load::\{\{closure\}\}::\{\{closure\}\} \[",
    "decoding rows into models": r"core::iter::adapters::try_process \[",
    "parsing and checking the document": r"LimitsExtension as async_graphql::extensions::Extension>::parse_query::\{\{closure\}\} \[",
    "validation": r"LimitsExtension as async_graphql::extensions::Extension>::validation::\{\{closure\}\} \[",
    "writing the JSON response": r"serde_core::ser::SerializeMap::serialize_entry \[",
}
print("where the instructions go (inclusive, share of the total):")
for label, pattern in groups.items():
    m = re.search(r"([\d,]+) \(\s*[\d.]+%\)\s+\?\?\?:[^\n]*" + pattern, inclusive)
    if m:
        print(f"  {label}: {int(m.group(1).replace(',', '')) / total:.0%}")
PY
