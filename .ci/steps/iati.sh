#!/usr/bin/env bash
# The IATI export (docs/iati.md) is valid against the standard's own schema (vendor/iati-2.03):
# the demo portfolio over HTTP (as ADMIN, as a PUNO and anonymously) and through
# `mptf export iati`, and a synthetic portfolio through `mptf export iati` (with and without
# per-donor amounts). Any schema error fails the step.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/ops/server.sh

if ! command -v xmllint >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libxml2-utils >/dev/null
fi
XSD=vendor/iati-2.03/iati-activities-schema.xsd
MPTF_BIN="${CARGO_TARGET_DIR:-target}/debug/mptf"
# An explicit identifier for the reporting organization: the export never makes one up.
export MPTF_IATI_PUBLISHER_REF="CI-EXAMPLE-PUBLISHER"

validate() {
  local file="$1" programmes
  xmllint --noout --schema "$XSD" "$file"
  programmes="$(grep -c 'hierarchy="2"' "$file" || true)"
  echo "$(basename "$file"): valid, 1 fund activity and $programmes programme activities"
  if [ -n "${2:-}" ] && [ "$programmes" -lt "$2" ]; then
    echo "expected at least $2 programme activities in $file"; exit 1
  fi
}

# The demo portfolio, over HTTP.
mptf_start MPTF_SEED_DEMO=true
curl -fsS -H "Authorization: Bearer $(mptf_token ADMIN)" "$MPTF_URL/iati/activities.xml" -o "$MPTF_TMP/demo-admin.xml"
curl -fsS -H "Authorization: Bearer $(mptf_token PUNO --org IOM)" "$MPTF_URL/iati/activities.xml" -o "$MPTF_TMP/demo-puno.xml"
curl -fsS "$MPTF_URL/iati/activities.xml" -o "$MPTF_TMP/demo-anonymous.xml"
mptf_stop
validate "$MPTF_TMP/demo-admin.xml" 1
validate "$MPTF_TMP/demo-puno.xml" 1
validate "$MPTF_TMP/demo-anonymous.xml"

# The same database through the command line, with per-donor amounts.
MPTF_IATI_PUBLISH_DONOR_AMOUNTS=true "$MPTF_BIN" export iati "$MPTF_TMP/demo-cli.xml"
validate "$MPTF_TMP/demo-cli.xml" 1

# A synthetic portfolio (scale 1: 12 donors, 113 concept notes, 12 joint programmes).
export MPTF_DATABASE_URL="sqlite://$MPTF_TMP/synthetic.sqlite?mode=rwc"
"$MPTF_BIN" seed synthetic --scale 1 >/dev/null
"$MPTF_BIN" export iati "$MPTF_TMP/synthetic.xml"
MPTF_IATI_PUBLISH_DONOR_AMOUNTS=true "$MPTF_BIN" export iati "$MPTF_TMP/synthetic-donors.xml"
validate "$MPTF_TMP/synthetic.xml" 12
validate "$MPTF_TMP/synthetic-donors.xml" 12
