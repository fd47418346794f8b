#!/usr/bin/env bash
# The served schema explains itself and breaks no client:
#  1. graphql-schema-linter's description rules on schema.graphql: every type, field, argument,
#     input field and enum value has a description (any gap fails the step);
#  2. graphql-inspector compares the previous commit's schema.graphql with this one and fails on
#     a breaking change (a removal or retyping); removing a field, input field or enum value that
#     was already deprecated is allowed (inspector's suppressRemovalOfDeprecatedField rule).
# The tools are pinned by .ci/schema-tools/package-lock.json and installed into a cache outside
# the repository ($MPTF_SCHEMA_TOOLS, by default ~/.cache/mptf-schema-tools), so the step runs on
# a clean clone and installs nothing into the work tree.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v npm >/dev/null 2>&1; then
  echo "installing Node.js and npm"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

tools="${MPTF_SCHEMA_TOOLS:-${HOME:-/root}/.cache/mptf-schema-tools}"
mkdir -p "$tools"
# Reinstall only when the pinned versions changed (or the cache is incomplete).
if ! cmp -s .ci/schema-tools/package-lock.json "$tools/package-lock.json" \
  || [ ! -x "$tools/node_modules/.bin/graphql-schema-linter" ] \
  || [ ! -x "$tools/node_modules/.bin/graphql-inspector" ]; then
  echo "installing the pinned schema tools into $tools"
  cp .ci/schema-tools/package.json .ci/schema-tools/package-lock.json "$tools/"
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1) \
    || (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error)
fi
bin="$tools/node_modules/.bin"

# 1. Descriptions: only the five description rules, none of the linter's ordering or naming rules.
rules=types-have-descriptions,fields-have-descriptions,arguments-have-descriptions
rules+=,input-object-values-have-descriptions,enum-values-have-descriptions
report="$(mktemp)"
trap 'rm -f "$report" "${previous:-}"' EXIT
if "$bin/graphql-schema-linter" --rules "$rules" --format compact schema.graphql >"$report" 2>&1; then
  echo "schema descriptions: 0 gaps"
else
  cat "$report"
  gaps="$(grep -c 'is missing a description' "$report" || true)"
  if [ "$gaps" -gt 0 ]; then
    echo "schema descriptions: $gaps gaps; describe them with /// doc comments (or" \
      "#[graphql(desc = \"...\")] on arguments) and run cargo run -- schema > schema.graphql"
  else
    echo "schema descriptions: graphql-schema-linter could not check schema.graphql"
  fi
  exit 1
fi

# 2. Breaking changes against the previous commit's schema.
if ! git rev-parse -q --verify 'HEAD~1^{commit}' >/dev/null \
  && [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = true ]; then
  git fetch -q --deepen=1 2>/dev/null || true
fi
if ! git rev-parse -q --verify 'HEAD~1^{commit}' >/dev/null; then
  echo "schema changes: no parent commit to compare with; skipped"
  exit 0
fi
previous="$(mktemp --suffix=.graphql)"
if ! git show 'HEAD~1:schema.graphql' >"$previous" 2>/dev/null; then
  echo "schema changes: the parent commit has no schema.graphql; skipped"
  exit 0
fi
# Inspector logs every change (descriptions too); show the breaking and dangerous ones.
if "$bin/graphql-inspector" diff "$previous" schema.graphql --rule suppressRemovalOfDeprecatedField \
  >"$report" 2>&1; then
  grep -E '⚠|Detected' "$report" || true
  echo "schema changes: nothing breaking since HEAD~1"
else
  grep -E '✖|⚠|\[error\]|Detected' "$report" || cat "$report"
  echo "schema changes: breaking changes since HEAD~1 (deprecate with @deprecated first, remove later)"
  exit 1
fi
