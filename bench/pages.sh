#!/usr/bin/env bash
# The pages' benchmark: a fresh PostgreSQL database seeded with `mptf seed synthetic`, the release
# server, and each dashboard page asked N times in a row (one at a time, as a person clicks), as
# the caller it is for; prints p50 and p99 per page. Target: p50 under 20 ms (issue 15, item 3).
# See BENCHMARKS.md, "Pages".
#
#   bench/pages.sh [--scale 100] [--requests 200] [--seed 2021] [--debug] [--out target/bench]
#
# Needs PostgreSQL on 127.0.0.1:5432 with trust auth (MPTF_BENCH_PG to change it).
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=100
REQUESTS=200
SEED=2021
PROFILE=release
OUT=target/bench
PG=${MPTF_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
PORT=${MPTF_BENCH_PORT:-18090}

while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE=$2; shift 2 ;;
    --requests) REQUESTS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --debug) PROFILE=debug; shift ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "bench/pages.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
log() { printf '\n== %s\n' "$*" >&2; }

if [ "$PROFILE" = release ]; then
  log "building the release server"
  cargo build --release --quiet --bin mptf
else
  cargo build --quiet --bin mptf
fi
BIN=${CARGO_TARGET_DIR:-target}/$PROFILE/mptf

db=mptf_bench_pages_s$SCALE
url="$PG/$db?sslmode=disable"
log "scale $SCALE: database $db"
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db" -qc "CREATE DATABASE $db" >/dev/null
export MPTF_DATABASE_URL=$url MPTF_PROFILE=production MPTF_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export MPTF_SEED_DEMO=false MPTF_LISTEN=127.0.0.1:$PORT MPTF_LOG_FORMAT=json RUST_LOG=${RUST_LOG:-warn}
"$BIN" migrate >/dev/null
echo "   $("$BIN" seed synthetic --scale "$SCALE" --seed "$SEED")" >&2

"$BIN" serve > "$OUT/pages-server.log" 2>&1 &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
base=http://127.0.0.1:$PORT
for _ in $(seq 1 150); do curl -fsS -o /dev/null "$base/readyz" 2>/dev/null && break; sleep 0.2; done

committee=$("$BIN" token --role STEERING_COMMITTEE --minutes 600)
donor_id=$(psql "$url" -Atc "SELECT donor_id FROM contribution GROUP BY donor_id ORDER BY count(*) DESC, donor_id LIMIT 1")
donor=$("$BIN" token --role DONOR --donor "$donor_id" --minutes 600)
code=$(psql "$url" -Atc "SELECT code FROM joint_programme ORDER BY approved_budget_usd_cents DESC, id LIMIT 1")
meeting=$(psql "$url" -Atc "SELECT meeting_id FROM decision GROUP BY meeting_id ORDER BY count(*) DESC, meeting_id LIMIT 1")
held_on=$(psql "$url" -Atc "SELECT held_on FROM steering_committee_meeting WHERE id = $meeting")

# page  token  path
pages=(
  "fund-anonymous|-|/dashboard"
  "fund|$committee|/dashboard"
  "fund-known-at|$committee|/dashboard?knownAt=${held_on}T00:00:00Z"
  "programmes|$committee|/dashboard/programmes"
  "programmes-filtered|$committee|/dashboard/programmes?area=2&status=ACTIVE"
  "programme|$committee|/dashboard/programmes/$code"
  "meetings|$committee|/dashboard/meetings"
  "meeting|$committee|/dashboard/meetings/$meeting"
  "donors|$committee|/dashboard/donors"
  "statement|$donor|/dashboard/donors/$donor_id"
)

printf '\n%-20s %8s %8s %8s %9s  %s\n' page requests p50_ms p99_ms bytes status
for entry in "${pages[@]}"; do
  IFS='|' read -r name token path <<< "$entry"
  cookie=()
  [ "$token" != - ] && cookie=(-H "Cookie: mptf_session=$token")
  # One request first (its status and size); then N timed ones.
  read -r status bytes < <(curl -s -o /dev/null -w '%{http_code} %{size_download}\n' "${cookie[@]}" "$base$path")
  times=$(for _ in $(seq 1 "$REQUESTS"); do
    curl -s -o /dev/null -w '%{time_total}\n' "${cookie[@]}" "$base$path"
  done)
  read -r p50 p99 < <(echo "$times" | python3 -c '
import sys
t = sorted(float(x) * 1000 for x in sys.stdin if x.strip())
pct = lambda p: t[min(len(t) - 1, int(len(t) * p))]
print(f"{pct(0.5):.2f} {pct(0.99):.2f}")')
  printf '%-20s %8s %8s %8s %9s  %s\n' "$name" "$REQUESTS" "$p50" "$p99" "$bytes" "$status"
  echo "{\"kind\":\"page\",\"scale\":$SCALE,\"page\":\"$name\",\"requests\":$REQUESTS,\"p50_ms\":$p50,\"p99_ms\":$p99,\"bytes\":$bytes,\"status\":$status}" >> "$OUT/pages.jsonl"
  [ "$status" = 200 ] || { echo "bench/pages.sh: $path answered $status" >&2; exit 1; }
done
