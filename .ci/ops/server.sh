# Sourced by the .ci/steps scripts that need the built server: starts target/debug/mptf on a free
# port over a temporary SQLite database, and stops it (SIGTERM) when the step exits.
# After `mptf_start [VAR=value ...]`: MPTF_URL, MPTF_PID, MPTF_TMP and mptf_token ROLE.

MPTF_SECRET="ci-secret-that-is-at-least-32-bytes-long"
MPTF_TMP="$(mktemp -d)"
export MPTF_JWT_SECRET="$MPTF_SECRET" MPTF_DATABASE_URL="sqlite://$MPTF_TMP/mptf.sqlite?mode=rwc"

mptf_free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

mptf_start() {
  cargo build --quiet --bin mptf
  local port
  port="$(mptf_free_port)"
  env MPTF_LISTEN="127.0.0.1:$port" MPTF_SEED_DEMO=false MPTF_LOG_FORMAT=json "$@" \
    "${CARGO_TARGET_DIR:-target}/debug/mptf" serve >"$MPTF_TMP/server.log" 2>&1 &
  MPTF_PID=$!
  MPTF_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do
    curl -fsS "$MPTF_URL/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$MPTF_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "the server did not start:"; tail -n 20 "$MPTF_TMP/server.log"
  return 1
}

mptf_stop() {
  if [ -n "${MPTF_PID:-}" ] && kill -0 "$MPTF_PID" 2>/dev/null; then
    kill -TERM "$MPTF_PID"
    wait "$MPTF_PID" || true
  fi
  MPTF_PID=
}

# A bearer token signed with the server's secret.
mptf_token() {
  "${CARGO_TARGET_DIR:-target}/debug/mptf" token --role "$1" "${@:2}"
}

mptf_cleanup() {
  mptf_stop
  rm -rf "$MPTF_TMP"
}
trap mptf_cleanup EXIT

# npm packages for the checks, into a temporary folder.
mptf_npm() {
  MPTF_NODE_MODULES="$MPTF_TMP/npm"
  npm install --prefix "$MPTF_NODE_MODULES" --no-audit --no-fund --loglevel=error "$@" >/dev/null
  export NODE_PATH="$MPTF_NODE_MODULES/node_modules"
}
