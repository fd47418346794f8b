#!/usr/bin/env python3
"""Compares schema.graphql with the workplace's contract (../shared/contract-check.py).

Fails when an item of the contract is missing that `.ci/contract-pending.txt` does not list (a
regression), and when a listed item is present (the list must shrink as the work lands, so it
never hides a gap). The pending list is the part of the contract an open issue still has to
build: today the fund's books (issue 13).
"""
import pathlib
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parent.parent
checker = root.parent / "shared" / "contract-check.py"
if not checker.exists():
    print(f"contract check skipped: {checker} is not here (a clone outside the workplace)")
    sys.exit(0)

run = subprocess.run(
    [sys.executable, str(checker), str(root / "schema.graphql")],
    capture_output=True,
    text=True,
)
print(run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr)
missing = {
    line.removeprefix("missing: ").strip()
    for line in run.stdout.splitlines()
    if line.startswith("missing: ")
}
if run.returncode not in (0, 1) or (run.returncode == 1 and not missing):
    print(run.stdout, run.stderr)
    sys.exit("the contract check itself failed")

pending_file = root / ".ci" / "contract-pending.txt"
pending = {
    line.strip()
    for line in pending_file.read_text().splitlines()
    if line.strip() and not line.startswith("#")
}
regressions = sorted(missing - pending)
landed = sorted(pending - missing)
for item in regressions:
    print(f"missing from the schema and not pending: {item}")
for item in landed:
    print(f"present now, remove from .ci/contract-pending.txt: {item}")
if regressions or landed:
    sys.exit(1)
print(f"contract: every item present but the {len(pending)} pending ones")
