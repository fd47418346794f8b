#!/usr/bin/env bash
# GraphQL over HTTP compliance: the graphql-http audit suite against the built server, as shipped
# (development profile) and locked down (production, GET enabled, an ADMIN token for the
# audits that use introspection). Fails on any error, warning or notice.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/ops/server.sh
mptf_npm graphql-http@1 graphql@16

echo "development profile:"
mptf_start
node .ci/ops/graphql-http-audit.mjs "$MPTF_URL/graphql"
mptf_stop

echo "production profile (MPTF_GRAPHQL_GET=true):"
mptf_start MPTF_PROFILE=production MPTF_GRAPHQL_GET=true
node .ci/ops/graphql-http-audit.mjs "$MPTF_URL/graphql" "$(MPTF_PROFILE=production mptf_token ADMIN)"
mptf_stop
