#!/usr/bin/env python3
"""Turns bench/run.sh's results.jsonl into the tables of BENCHMARKS.md (medians of the rounds)."""
import json
import statistics
import sys
from collections import defaultdict

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
machine = next((r for r in rows if r["kind"] == "machine"), {})
seeds = [r for r in rows if r["kind"] == "seed"]
statements = {(r["scale"], r["op"]): r["statements"] for r in rows if r["kind"] == "statements"}
memory = {(r["scale"], r["target"]): r["peak_kb"] for r in rows if r["kind"] == "memory"}
loads = defaultdict(list)
for r in rows:
    if r["kind"] == "load":
        loads[(r["scale"], r["target"], r["op"])].append((r["round"], r["result"]))

OPS = [("dashboard", "1. dashboard"), ("programmes", "2. programme list (50)"),
       ("statement", "3. donor statement"), ("deposit", "4. recordDeposit")]
TARGETS = {"mptf": "mptf", "mptf-uncached": "mptf, figures not kept", "mptf-1": "mptf, figures not kept, 1 connection",
           "postgraphile": "PostGraphile 4", "sql": "bare SQL (pgbench)"}


def med(key, field):
    values = [res.get(field, 0) for _, res in loads.get(key, [])]
    return statistics.median(values) if values else None


print(f"Machine: {machine.get('nproc')} cores ({machine.get('cpu')}), {machine.get('memory')} memory, "
      f"PostgreSQL {machine.get('postgres')}; {machine.get('rounds')} alternating rounds of "
      f"{machine.get('duration')} s per operation at {machine.get('connections')} connections "
      f"(wrk), server built `{machine.get('profile')}`; medians of the rounds.\n")
if seeds:
    print("| scale | rows seeded | seed time |")
    print("|---:|---:|---:|")
    for s in seeds:
        print(f"| {s['scale']} | {s['rows']:,} | {s['seconds']:.1f} s |")
    print()
print("| scale | operation | server | req/s | p50 ms | p99 ms | server CPU ms / req | PostgreSQL CPU ms / req | SQL statements / request | errors | server peak RSS |")
print("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
scales = sorted({k[0] for k in loads})
for scale in scales:
    for op, label in OPS:
        for target in ("mptf", "mptf-uncached", "mptf-1", "postgraphile", "sql"):
            key = (scale, target, op)
            if key not in loads:
                continue
            errors = sum(res.get("errors", 0) + res.get("socket_errors", 0) for _, res in loads[key])
            if target == "mptf" and op == "dashboard":
                sql = statements.get((scale, "dashboard-kept"), "-")
            elif target.startswith("mptf"):
                sql = statements.get((scale, op), "-")
            else:
                sql = "1" if target == "sql" else "1 (compiled)"
            rss = memory.get((scale, "mptf-uncached" if target == "mptf-1" else target))
            rss = f"{rss / 1024:.0f} MB" if rss and target != "sql" else ""
            cpu = med(key, "server_cpu_ms")
            cpu = f"{cpu:.2f}" if cpu and target != "sql" else ""
            pg_cpu = med(key, "postgres_cpu_ms")
            pg_cpu = f"{pg_cpu:.2f}" if pg_cpu else ""
            print(f"| {scale} | {label} | {TARGETS[target]} | {med(key, 'rps'):,.0f} | {med(key, 'p50_ms'):.2f} | "
                  f"{med(key, 'p99_ms'):.2f} | {cpu} | {pg_cpu} | {sql} | {errors} | {rss} |")
print()
for scale in scales:
    ours, peer = loads.get((scale, "mptf", "programmes")), loads.get((scale, "postgraphile", "programmes"))
    if ours and peer:
        rounds = dict(peer)
        per_round = [f"{res['rps'] / rounds[r]['rps']:.2f}" for r, res in ours if r in rounds and rounds[r]["rps"]]
        ratio = med((scale, "mptf", "programmes"), "rps") / med((scale, "postgraphile", "programmes"), "rps")
        p99 = (med((scale, "mptf", "programmes"), "p99_ms"), med((scale, "postgraphile", "programmes"), "p99_ms"))
        print(f"Scale {scale}: programme list, mptf ÷ PostGraphile = **{ratio:.2f}×** requests/s "
              f"(rounds: {', '.join(per_round)}); p99 {p99[0]:.1f} ms vs {p99[1]:.1f} ms.")
    floor = loads.get((scale, "sql", "programmes"))
    if ours and floor:
        print(f"Scale {scale}: the bare SQL answers the same page at "
              f"{med((scale, 'sql', 'programmes'), 'rps'):,.0f}/s: mptf reaches "
              f"{med((scale, 'mptf', 'programmes'), 'rps') / med((scale, 'sql', 'programmes'), 'rps'):.0%} of the floor.")
print()
top = max(scales) if scales else None
if top is not None:
    def verdict(ok):
        return "met" if ok else "**missed**"
    checks = []
    ours, peer = med((top, "mptf", "programmes"), "rps"), med((top, "postgraphile", "programmes"), "rps")
    if ours and peer:
        p99_ok = med((top, "mptf", "programmes"), "p99_ms") <= med((top, "postgraphile", "programmes"), "p99_ms")
        checks.append(f"op 2 ≥ 2× PostGraphile with p99 no worse: {ours / peer:.2f}×, "
                      f"p99 {'no worse' if p99_ok else 'worse'} — {verdict(ours >= 2 * peer and p99_ok)}")
    p50 = med((top, "mptf", "dashboard"), "p50_ms")
    if p50 is not None:
        uncached = med((top, "mptf-uncached", "dashboard"), "p50_ms")
        alone = med((top, "mptf-1", "dashboard"), "p50_ms")
        detail = []
        if uncached is not None:
            detail.append(f"every figure computed: {uncached:.2f} ms")
        if alone is not None:
            detail.append(f"computed for one client alone: {alone:.2f} ms")
        detail = f" ({'; '.join(detail)})" if detail else ""
        checks.append(f"op 1 p50 < 10 ms at {machine.get('connections')} connections: {p50:.2f} ms{detail} — {verdict(p50 < 10)}")
    rss = memory.get((top, "mptf"))
    if rss:
        checks.append(f"server memory < 150 MB: {rss / 1024:.0f} MB — {verdict(rss < 150 * 1024)}")
    dps = med((top, "mptf", "deposit"), "rps")
    if dps is not None:
        checks.append(f"op 4 ≥ 500 deposits/s: {dps:,.0f}/s — {verdict(dps >= 500)}")
    print(f"Targets at scale {top}:\n")
    for c in checks:
        print(f"- {c}")
