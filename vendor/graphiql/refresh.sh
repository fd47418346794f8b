#!/usr/bin/env bash
# Re-downloads GraphiQL's prebuilt browser files from the npm registry (each package's own
# tarball, which npm checks against the registry's integrity hash), copies the files the server
# embeds and their licenses here, and rewrites VERSIONS and SHA256SUMS. To move to other releases,
# change the versions below, run this script, then the tests (tests/api/graphiql.rs) and the
# browser check (.ci/steps/pages.sh).
#
# GraphiQL 4.1.x is the newest line that still ships a UMD build (a plain <script> that needs no
# bundler); 5.x is ESM-only. It runs on React 18, whose UMD production builds are the last React
# ships (19 has none).
set -euo pipefail
cd "$(dirname "$0")"

GRAPHIQL=4.1.2
REACT=18.3.1

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" >/dev/null)
for tarball in "graphiql-$GRAPHIQL" "react-$REACT" "react-dom-$REACT"; do
  package="${tarball%-*}"
  mkdir -p "$tmp/$package"
  tar -xzf "$tmp/$tarball.tgz" -C "$tmp/$package"
done

# The files as published, unmodified.
cp "$tmp/graphiql/package/graphiql.min.js" "$tmp/graphiql/package/graphiql.min.css" .
cp "$tmp/react/package/umd/react.production.min.js" .
cp "$tmp/react-dom/package/umd/react-dom.production.min.js" .
cp "$tmp/graphiql/package/LICENSE" LICENSE.graphiql
cp "$tmp/react/package/LICENSE" LICENSE.react
cp "$tmp/react-dom/package/LICENSE" LICENSE.react-dom

{
  echo "# package version license npm-integrity (written by refresh.sh)"
  for spec in "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT"; do
    printf '%s %s %s %s\n' "${spec%@*}" "${spec##*@}" \
      "$(npm view "$spec" license)" "$(npm view "$spec" dist.integrity)"
  done
} > VERSIONS

sha256sum graphiql.min.js graphiql.min.css react.production.min.js react-dom.production.min.js \
  LICENSE.graphiql LICENSE.react LICENSE.react-dom > SHA256SUMS
cat VERSIONS SHA256SUMS
