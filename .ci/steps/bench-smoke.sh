#!/usr/bin/env bash
# Smoke run of the benchmark (BENCHMARKS.md): scale 1, two seconds of load per operation, one
# round, with the debug server CI has already built. Fails when the synthetic portfolio breaks an
# invariant, when any response of any operation carries an error, or when an operation did not
# run. The numbers of a debug build on a shared CI machine mean nothing; bench/run.sh makes them.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
MPTF_BENCH_PORT=${MPTF_BENCH_PORT:-18180} MPTF_BENCH_POSTGRAPHILE_PORT=${MPTF_BENCH_POSTGRAPHILE_PORT:-18181} \
  timeout 600 bench/run.sh --scale 1 --duration 2 --rounds 1 --debug --out "$out"
python3 - "$out/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
loads = [r for r in rows if r["kind"] == "load"]
ran = {(r["target"], r["op"]) for r in loads}
missing = {("mptf", op) for op in ("dashboard", "programmes", "statement", "deposit")} - ran
bad = [r for r in loads if r["result"].get("requests", 0) == 0 or r["result"].get("errors", 0) or r["result"].get("socket_errors", 0)]
statements = {r["op"]: r["statements"] for r in rows if r["kind"] == "statements"}
print(f"bench smoke: {len(loads)} load runs, SQL statements per request {statements}")
if missing or bad:
    sys.exit(f"bench smoke failed: missing {sorted(missing)}, failing {bad}")
print("bench smoke passed")
PY
