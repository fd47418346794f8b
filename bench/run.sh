#!/usr/bin/env bash
# The benchmark: for each scale, a fresh PostgreSQL database seeded with `mptf seed synthetic`,
# the release server, and wrk at 16 connections on four operations (the dashboard, the programme
# list, a donor's statement, recordDeposit), with PostGraphile 4 over the same database and the
# bare SQL (pgbench) on the programme list, in alternating rounds. See BENCHMARKS.md.
#
#   bench/run.sh [--scale 1,100] [--duration 10] [--rounds 3] [--connections 16] [--seed 2021]
#                [--no-postgraphile] [--no-pgbench] [--debug] [--out target/bench]
#
# Needs PostgreSQL on 127.0.0.1:5432 with trust auth (MPTF_BENCH_PG to change it); installs wrk
# (Debian) and PostgraphIle 4 (npm, into ~/.cache/mptf-bench) when missing. Prints a results
# table and writes it, with every measurement as JSON lines, under --out.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SCALES=1,100
DURATION=10
ROUNDS=3
CONNECTIONS=16
THREADS=2
SEED=2021
POSTGRAPHILE=1
PGBENCH=1
PROFILE=release
OUT=target/bench
PG=${MPTF_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
PORT=${MPTF_BENCH_PORT:-18080}
PG_PORT=${MPTF_BENCH_POSTGRAPHILE_PORT:-18081}
CACHE=${MPTF_BENCH_CACHE:-$HOME/.cache/mptf-bench}

while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALES=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --no-postgraphile) POSTGRAPHILE=0; shift ;;
    --no-pgbench) PGBENCH=0; shift ;;
    --debug) PROFILE=debug; shift ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
RESULTS=$OUT/results.jsonl
: > "$RESULTS"

log() { printf '\n== %s\n' "$*" >&2; }
record() { echo "$1" >> "$RESULTS"; }

# --- tools ---------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
for tool in psql curl python3; do
  command -v "$tool" >/dev/null || { echo "bench/run.sh needs $tool" >&2; exit 1; }
done
if [ "$PGBENCH" = 1 ] && ! pgbench --version >/dev/null 2>&1; then
  echo "pgbench is not available: skipping the SQL floor" >&2
  PGBENCH=0
fi
if [ "$POSTGRAPHILE" = 1 ]; then
  PGL=$CACHE/postgraphile
  if [ ! -x "$PGL/node_modules/.bin/postgraphile" ]; then
    log "installing PostGraphile 4 (npm) into $PGL"
    mkdir -p "$PGL"
    [ -f "$PGL/package.json" ] || echo '{"name":"mptf-bench-postgraphile","private":true}' > "$PGL/package.json"
    (cd "$PGL" && npm install --no-audit --no-fund --loglevel=error postgraphile@4 >/dev/null) || true
  fi
  if [ ! -x "$PGL/node_modules/.bin/postgraphile" ]; then
    echo "PostGraphile 4 could not be installed (npm): running without the peer" >&2
    POSTGRAPHILE=0
  fi
fi

if [ "$PROFILE" = release ]; then
  log "building the release server"
  cargo build --release --quiet -p mptf
  BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/mptf
else
  cargo build --quiet -p mptf
  BIN=${CARGO_TARGET_DIR:-$ROOT/target}/debug/mptf
fi

# --- processes we start, and only those, are stopped on exit -------------------------------
SERVER_PID=
UNCACHED_PID=
PGL_PID=
stop() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
cleanup() { stop "$SERVER_PID"; stop "$UNCACHED_PID"; stop "$PGL_PID"; }
trap cleanup EXIT

wait_http() {
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing answers on $1" >&2
  return 1
}

# Peak resident memory (VmHWM, kB) of a process and its children.
peak_kb() {
  local total=0 pid
  for pid in $1 $(pgrep -P "$1" 2>/dev/null || true); do
    local kb
    kb=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}

json_body() { python3 -c 'import json,sys; print(json.dumps({"query": open(sys.argv[1]).read()}))' "$1"; }

# One request: fails on errors, prints extensions.sqlStatements (or "-").
probe() {
  local url=$1 body=$2 token=$3
  local response
  response=$(curl -fsS "$url" -H 'Content-Type: application/json' ${token:+-H "Authorization: Bearer $token"} --data-binary "@$body")
  python3 - "$response" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
if r.get("errors"):
    sys.exit("errors in the response: " + json.dumps(r["errors"])[:400])
print(r.get("extensions", {}).get("sqlStatements", "-"))
PY
}

# wrk at the chosen concurrency; prints the BENCH json.
load() {
  local url=$1 script=$2 seconds=$3 connections=${BENCH_CONNECTIONS:-$CONNECTIONS}
  local threads=$THREADS
  [ "$connections" -ge "$threads" ] || threads=$connections
  local output
  output=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 10s -s "$script" "$url")
  echo "$output" | grep '^BENCH_SAMPLE' >&2 || true
  echo "$output" | sed -n 's/^BENCH //p'
}

# CPU time (clock ticks) of processes and their children: what a request costs whatever else the
# shared machine is doing.
ticks() {
  local total=0 pid
  for pid in "$@" $(for p in "$@"; do pgrep -P "$p" 2>/dev/null; done); do
    local t
    t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + ${t:-0}))
  done
  echo "$total"
}
postgres_pids() { pgrep -u postgres postgres 2>/dev/null | tr '\n' ' '; }

measure() { # scale target op round url script server-pid
  local scale=$1 target=$2 op=$3 round=$4 url=$5 script=$6 pid=$7
  local result server0 server1 pg0 pg1 hz
  hz=$(getconf CLK_TCK)
  server0=$(ticks $pid); pg0=$(ticks $(postgres_pids))
  result=$(load "$url" "$script" "$DURATION")
  server1=$(ticks $pid); pg1=$(ticks $(postgres_pids))
  result=$(python3 - "$result" "$((server1 - server0))" "$((pg1 - pg0))" "$hz" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
n, hz = max(r.get("requests", 0), 1), int(sys.argv[4])
r["server_cpu_ms"] = round(int(sys.argv[2]) * 1000 / hz / n, 3)
r["postgres_cpu_ms"] = round(int(sys.argv[3]) * 1000 / hz / n, 3)
print(json.dumps(r))
PY
)
  record "{\"kind\":\"load\",\"scale\":$scale,\"target\":\"$target\",\"op\":\"$op\",\"round\":$round,\"result\":$result}"
  printf '   %-12s %-14s round %s: %s\n' "$target" "$op" "$round" "$result" >&2
}

pgbench_run() { # scale round url
  local scale=$1 round=$2 url=$3 dir
  dir=$(mktemp -d "$OUT/pgbench.XXXX")
  local output
  output=$(cd "$dir" && pgbench -n -c "$CONNECTIONS" -j "$THREADS" -T "$DURATION" -f "$ROOT/bench/sql/programmes.sql" -l "$url" 2>&1)
  local result
  result=$(python3 - "$dir" "$output" <<'PY'
import glob, json, re, sys
lat = []
for f in glob.glob(sys.argv[1] + "/pgbench_log.*"):
    for line in open(f):
        parts = line.split()
        if len(parts) >= 3:
            lat.append(int(parts[2]) / 1000.0)
lat.sort()
tps = re.search(r"tps = ([0-9.]+) \(without initial", sys.argv[2])
pct = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))] if lat else 0
failed = re.search(r"number of failed transactions: (\d+)", sys.argv[2])
print(json.dumps({"requests": len(lat), "rps": float(tps.group(1)) if tps else 0, "p50_ms": round(pct(0.5), 3),
                  "p99_ms": round(pct(0.99), 3), "errors": int(failed.group(1)) if failed else 0}))
PY
)
  rm -rf "$dir"
  record "{\"kind\":\"load\",\"scale\":$scale,\"target\":\"sql\",\"op\":\"programmes\",\"round\":$round,\"result\":$result}"
  printf '   %-12s %-14s round %s: %s\n' sql programmes "$round" "$result" >&2
}

record "{\"kind\":\"machine\",\"nproc\":$(nproc),\"memory\":\"$(free -h | awk '/^Mem:/ {print $2}')\",\"cpu\":\"$(lscpu | sed -n 's/^Model name: *//p' | head -1)\",\"duration\":$DURATION,\"rounds\":$ROUNDS,\"connections\":$CONNECTIONS,\"profile\":\"$PROFILE\",\"postgres\":\"$(psql "$PG/postgres" -Atc 'SHOW server_version' 2>/dev/null)\"}"

IFS=, read -r -a scale_list <<< "$SCALES"
for scale in "${scale_list[@]}"; do
  db=mptf_bench_s$scale
  # Everything runs on one box: no TLS on the loopback for any client (node-postgres, which
  # PostGraphile uses, does not negotiate it by default; sqlx and libpq would).
  url="$PG/$db?sslmode=disable"
  work=$OUT/s$scale
  mkdir -p "$work"
  log "scale $scale: database $db"
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db" -qc "CREATE DATABASE $db" >/dev/null

  export MPTF_DATABASE_URL=$url MPTF_PROFILE=production MPTF_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  export MPTF_EXPOSE_SQL_COUNT=true MPTF_SEED_DEMO=false MPTF_LISTEN=127.0.0.1:$PORT MPTF_LOG_FORMAT=json
  export RUST_LOG=${RUST_LOG:-warn}

  started=$(date +%s.%N)
  "$BIN" migrate >/dev/null
  migrated=$(date +%s.%N)
  seeded=$("$BIN" seed synthetic --scale "$scale" --seed "$SEED")
  done_at=$(date +%s.%N)
  echo "   $seeded" >&2
  rows=$(echo "$seeded" | sed -n 's/.*: \([0-9]*\) rows in.*/\1/p')
  record "{\"kind\":\"seed\",\"scale\":$scale,\"rows\":${rows:-0},\"seconds\":$(python3 -c "print(round($done_at - $migrated, 2))"),\"migrate_seconds\":$(python3 -c "print(round($migrated - $started, 2))")}"
  violations=$(psql "$url" -Atf bench/invariants.sql | awk -F'|' '$2 != 0')
  if [ -n "$violations" ]; then
    echo "the synthetic portfolio breaks the fund's invariants:" >&2
    echo "$violations" >&2
    exit 1
  fi

  log "scale $scale: starting the server ($PROFILE)"
  "$BIN" serve > "$work/server.log" 2>&1 &
  SERVER_PID=$!
  wait_http "http://127.0.0.1:$PORT/readyz"
  api=http://127.0.0.1:$PORT/graphql
  # A second server that keeps no dashboard figures: what the dashboard costs when every
  # request computes it (right after a write, say).
  MPTF_FIGURES_CACHE_SECS=0 MPTF_LISTEN=127.0.0.1:$((PORT + 2)) "$BIN" serve > "$work/server-uncached.log" 2>&1 &
  UNCACHED_PID=$!
  wait_http "http://127.0.0.1:$((PORT + 2))/readyz"
  uncached=http://127.0.0.1:$((PORT + 2))/graphql

  committee=$("$BIN" token --role STEERING_COMMITTEE --minutes 600)
  partner=$("$BIN" token --role PARTNER_SYSTEM --minutes 600)
  admin=$("$BIN" token --role ADMIN --subject bench:admin --minutes 600)
  donor_id=$(psql "$url" -Atc "SELECT donor_id FROM contribution GROUP BY donor_id ORDER BY COUNT(*) DESC, donor_id LIMIT 1")
  donor=$("$BIN" token --role DONOR --donor "$donor_id" --minutes 600)

  for op in dashboard programmes statement; do json_body "bench/queries/$op.graphql" > "$work/$op.json"; done
  json_body bench/postgraphile/programmes.graphql > "$work/postgraphile.json"

  # Open agreements the write benchmark deposits on, as "globalId:CUR".
  contributions=$(psql "$url" -Atc "SELECT id, currency FROM contribution WHERE status IN ('SIGNED', 'PARTIALLY_DEPOSITED') AND pledged_minor - deposited_minor >= 10000000 ORDER BY id" \
    | python3 -c 'import base64,sys; print(",".join(base64.urlsafe_b64encode(("Contribution:" + l.split("|")[0]).encode()).decode().rstrip("=") + ":" + l.split("|")[1].strip() for l in sys.stdin if l.strip()))')
  export BENCH_CONTRIBUTIONS=$contributions BENCH_DATE=$(date -u +%F) BENCH_RUN=s$scale-$(date +%s)
  echo "   $(echo "$contributions" | tr ',' '\n' | wc -l) open agreements for recordDeposit" >&2

  # SQL statements per request: one request alone (the counter is process-wide).
  for op in dashboard programmes statement; do
    case $op in dashboard) token=$committee ;; programmes) token=$partner ;; statement) token=$donor ;; esac
    n=$(probe "$api" "$work/$op.json" "$token")
    record "{\"kind\":\"statements\",\"scale\":$scale,\"op\":\"$op\",\"statements\":\"$n\"}"
    echo "   $op: $n SQL statements per request" >&2
  done
  # Asked again, the dashboard's figures come from memory.
  n=$(probe "$api" "$work/dashboard.json" "$committee")
  record "{\"kind\":\"statements\",\"scale\":$scale,\"op\":\"dashboard-kept\",\"statements\":\"$n\"}"
  echo "   dashboard asked again: $n SQL statements per request" >&2
  first=${contributions%%,*}
  cat > "$work/deposit.json" <<EOF
{"query":"mutation(\$i: RecordDepositInput!) { recordDeposit(input: \$i) { deposit { id } userErrors { code message } } }","variables":{"i":{"contribution":"${first%%:*}","receivedOn":"$BENCH_DATE","amount":{"amount":"1.00","currency":"${first##*:}"},"exchangeRate":"1","idempotencyKey":"probe-$BENCH_RUN"}}}
EOF
  n=$(probe "$api" "$work/deposit.json" "$admin")
  record "{\"kind\":\"statements\",\"scale\":$scale,\"op\":\"deposit\",\"statements\":\"$n\"}"
  echo "   deposit: $n SQL statements per request" >&2

  if [ "$POSTGRAPHILE" = 1 ]; then
    log "scale $scale: starting PostGraphile 4 over the same database"
    NODE_ENV=production "$PGL/node_modules/.bin/postgraphile" -c "$url" --schema public \
      --host 127.0.0.1 --port "$PG_PORT" --disable-graphiql --disable-query-log \
      --disable-default-mutations --cluster-workers "$(nproc)" > "$work/postgraphile.log" 2>&1 &
    PGL_PID=$!
    pgl=http://127.0.0.1:$PG_PORT/graphql
    for _ in $(seq 1 300); do
      curl -fsS -o /dev/null "$pgl" -H 'Content-Type: application/json' --data-binary "@$work/postgraphile.json" 2>/dev/null && break
      sleep 0.2
    done
    probe "$pgl" "$work/postgraphile.json" "" >/dev/null
  fi

  log "scale $scale: warming up"
  BENCH_TOKEN=$partner BENCH_BODY=$work/programmes.json load "$api" bench/wrk/graphql.lua 2 >/dev/null
  if [ "$POSTGRAPHILE" = 1 ]; then
    BENCH_TOKEN= BENCH_BODY=$work/postgraphile.json load "$pgl" bench/wrk/graphql.lua 2 >/dev/null
  fi

  log "scale $scale: $ROUNDS alternating rounds of ${DURATION}s at $CONNECTIONS connections"
  for round in $(seq 1 "$ROUNDS"); do
    BENCH_TOKEN=$committee BENCH_BODY=$work/dashboard.json measure "$scale" mptf dashboard "$round" "$api" bench/wrk/graphql.lua "$SERVER_PID"
    BENCH_TOKEN=$committee BENCH_BODY=$work/dashboard.json measure "$scale" mptf-uncached dashboard "$round" "$uncached" bench/wrk/graphql.lua "$UNCACHED_PID"
    # The dashboard computed for one client alone: its latency without queueing behind 15 others.
    BENCH_CONNECTIONS=1 BENCH_TOKEN=$committee BENCH_BODY=$work/dashboard.json measure "$scale" mptf-1 dashboard "$round" "$uncached" bench/wrk/graphql.lua "$UNCACHED_PID"
    BENCH_TOKEN=$partner BENCH_BODY=$work/programmes.json measure "$scale" mptf programmes "$round" "$api" bench/wrk/graphql.lua "$SERVER_PID"
    if [ "$POSTGRAPHILE" = 1 ]; then
      BENCH_TOKEN= BENCH_BODY=$work/postgraphile.json measure "$scale" postgraphile programmes "$round" "$pgl" bench/wrk/graphql.lua "$PGL_PID"
    fi
    if [ "$PGBENCH" = 1 ]; then pgbench_run "$scale" "$round" "$url"; fi
    BENCH_TOKEN=$donor BENCH_BODY=$work/statement.json measure "$scale" mptf statement "$round" "$api" bench/wrk/graphql.lua "$SERVER_PID"
    BENCH_TOKEN=$admin measure "$scale" mptf deposit "$round" "$api" bench/wrk/deposit.lua "$SERVER_PID"
  done

  record "{\"kind\":\"memory\",\"scale\":$scale,\"target\":\"mptf\",\"peak_kb\":$(peak_kb "$SERVER_PID")}"
  record "{\"kind\":\"memory\",\"scale\":$scale,\"target\":\"mptf-uncached\",\"peak_kb\":$(peak_kb "$UNCACHED_PID")}"
  stop "$SERVER_PID"; SERVER_PID=
  stop "$UNCACHED_PID"; UNCACHED_PID=
  if [ "$POSTGRAPHILE" = 1 ]; then
    record "{\"kind\":\"memory\",\"scale\":$scale,\"target\":\"postgraphile\",\"peak_kb\":$(peak_kb "$PGL_PID")}"
    stop "$PGL_PID"; PGL_PID=
  fi
  violations=$(psql "$url" -Atf bench/invariants.sql | awk -F'|' '$2 != 0')
  [ -z "$violations" ] || { echo "after the write benchmark: $violations" >&2; exit 1; }
  [ -n "${MPTF_BENCH_KEEP:-}" ] || psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null
done

python3 bench/summarize.py "$RESULTS" | tee "$OUT/results.md"
