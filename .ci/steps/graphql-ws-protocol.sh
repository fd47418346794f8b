#!/usr/bin/env bash
# Subscriptions over WebSocket (graphql-transport-ws): the graphql-ws client library subscribes,
# receives an event and completes; raw connections check the protocol's close codes.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/ops/server.sh
mptf_npm graphql-ws@6 graphql@16 ws@8

mptf_start MPTF_WS_INIT_TIMEOUT_SECS=1
node .ci/ops/graphql-ws-protocol.mjs "$MPTF_URL" "$(mptf_token ADMIN)"
