#!/usr/bin/env bash
# Lints the OpenAPI document with third-party tools from npm: Spectral (the spectral:oas rules,
# no warnings allowed) and Redocly (no errors allowed). `deno task lint:api` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

SPECTRAL_VERSION=6.16.3
REDOCLY_VERSION=2.77.0

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
deno run -A http/openapi_write.ts "$out/openapi.json"

echo "spectral ${SPECTRAL_VERSION} (spectral:oas, .ci/spectral.yaml)"
npx -y "@stoplight/spectral-cli@${SPECTRAL_VERSION}" lint --fail-severity=warn \
  -r .ci/spectral.yaml "$out/openapi.json"

echo "redocly ${REDOCLY_VERSION} (recommended rules)"
# Redocly exits non-zero on errors; warnings are printed. Its Node.js banner is dropped.
rc=0
report=$(npx -y "@redocly/cli@${REDOCLY_VERSION}" lint --format=summary "$out/openapi.json" 2>&1) || rc=$?
grep -v '[║╔╚]' <<<"$report" | grep -v '^\s*$' || true
exit "$rc"
