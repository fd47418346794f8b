#!/usr/bin/env bash
# Rebuilds vendor/async-graphql from the crates.io release and re-applies our patch.
# Usage: vendor/refresh-async-graphql.sh [VERSION]   (default: the version in vendor/async-graphql)
# For an upgrade: run with the new version, fix the patch if it no longer applies, run `cargo test`,
# and drop the patch (and the [patch.crates-io] lines in Cargo.toml) once upstream has the fixes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="${1:-$(sed -n 's/^version = "\(.*\)"/\1/p' "$here/async-graphql/Cargo.toml" | head -n1)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# `cargo vendor` fetches through the configured registry, the one source this project trusts.
mkdir -p "$work/p/src" && touch "$work/p/src/lib.rs"
cat > "$work/p/Cargo.toml" <<TOML
[package]
name = "fetch"
version = "0.0.0"
edition = "2021"
[dependencies]
async-graphql = "=$version"
TOML
(cd "$work/p" && cargo vendor --quiet --versioned-dirs "$work/v" >/dev/null)
src="$work/v/async-graphql-$version"
rm -rf "$here/async-graphql"
mkdir -p "$here/async-graphql"
cp -a "$src/src" "$src/LICENSE-APACHE" "$src/LICENSE-MIT" "$here/async-graphql/"
# The copy carries the library only: drop test, bench and example targets and dev-dependencies.
python3 - "$src/Cargo.toml" "$here/async-graphql/Cargo.toml" <<'PY'
import sys
out, skip = [], False
for line in open(sys.argv[1]).read().splitlines():
    if line.startswith('['):
        skip = line.strip() in ('[[test]]', '[[bench]]', '[[example]]') or line.startswith('[dev-dependencies')
    if not skip:
        out.append(line)
open(sys.argv[2], 'w').write("\n".join(out) + "\n")
PY
(cd "$here/async-graphql" && patch -p1 --quiet < "$here/async-graphql.patch")
echo "vendor/async-graphql is async-graphql $version with vendor/async-graphql.patch applied"
