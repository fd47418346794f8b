#!/usr/bin/env bash
# Pages in a real browser: Debian's Chromium, headless, with no route to anything but the server
# (see .ci/pages/browser.mjs), opens GraphiQL on the demo portfolio and runs a query from its
# editor, then every dashboard page, signed in as the committee and as a donor, checking the
# figures in the DOM against the API's answer (.ci/pages/dashboard.mjs). Screenshots go to
# target/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/ops/server.sh

echo "vendored browser files match vendor/graphiql/SHA256SUMS:"
(cd vendor/graphiql && sha256sum --check --strict SHA256SUMS)

if ! [ -x /usr/bin/chromium ]; then
  echo "installing Chromium (Debian)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
/usr/bin/chromium --version 2>/dev/null || true

# playwright-core only drives the installed Chromium (it downloads no browser); kept in a cache
# outside the repository so later runs skip the install.
PAGES_NPM="${MPTF_PAGES_NPM:-${XDG_CACHE_HOME:-$HOME/.cache}/mptf-pages}"
PLAYWRIGHT=1.65.1
if [ "$(node -p "try{require('$PAGES_NPM/node_modules/playwright-core/package.json').version}catch{''}")" != "$PLAYWRIGHT" ]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$PAGES_NPM" --no-audit --no-fund \
    --loglevel=error "playwright-core@$PLAYWRIGHT" >/dev/null
fi
export NODE_PATH="$PAGES_NPM/node_modules"

# Screenshots beside the build (target/screenshots/ by default).
export MPTF_SCREENSHOTS="${CARGO_TARGET_DIR:-target}/screenshots"
mptf_start MPTF_SEED_DEMO=true
node .ci/pages/graphiql.mjs "$MPTF_URL"
# The dashboard: every page, anonymous, as the committee and as a donor, figures against the API.
node .ci/pages/dashboard.mjs "$MPTF_URL"
