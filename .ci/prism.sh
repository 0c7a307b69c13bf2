#!/usr/bin/env bash
# Prism (@stoplight/prism-cli, from npm, run with npx under Node) as a validating proxy in front of a live
# app: the route property and contract tests send their requests over HTTP through it, and every
# response Prism finds outside the OpenAPI document (an undeclared status, a body off its schema, a wrong
# content type) fails the test, so CI fails. `deno task lint:api:prism` runs it; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

PRISM_VERSION=5.16.0
PRISM_PORT=${PRISM_PORT:-4010}
UPSTREAM_PORT=${UPSTREAM_PORT:-4011}
# The test files whose requests go through Prism.
FILES=(tests/http/prism_test.ts tests/http/property_test.ts tests/http/routes/property_test.ts)

out=$(mktemp -d)
prism_pid=""
cleanup() {
  # Prism runs in a process group of its own (npx, a shell, node): end all of it.
  if [ -n "$prism_pid" ]; then kill -- "-$prism_pid" 2>/dev/null || true; fi
  rm -rf "$out"
}
trap cleanup EXIT

deno run -A http/openapi_write.ts "$out/openapi.json"

echo "prism ${PRISM_VERSION}: proxy on 127.0.0.1:${PRISM_PORT} in front of 127.0.0.1:${UPSTREAM_PORT}"
# Its log stays off: Prism's log printer re-parses each line with jsonrepair and crashes the whole proxy
# on some it cannot repair (lines quoting hostile request bodies). The tests read Prism's findings from
# the `sl-violations` header of each answer instead.
setsid npx -y "@stoplight/prism-cli@${PRISM_VERSION}" proxy "$out/openapi.json" \
  "http://127.0.0.1:${UPSTREAM_PORT}" -h 127.0.0.1 -p "$PRISM_PORT" --verboseLevel silent >"$out/prism.log" 2>&1 &
prism_pid=$!

# Prism reads the document and installs itself on first use: wait until it listens (up to 5 minutes).
listening() { (exec 3<>"/dev/tcp/127.0.0.1/${PRISM_PORT}") 2>/dev/null; }
for _ in $(seq 1 300); do
  if listening; then break; fi
  if ! kill -0 "$prism_pid" 2>/dev/null; then
    echo "prism exited before listening:" >&2
    tail -20 "$out/prism.log" >&2
    exit 1
  fi
  sleep 1
done
listening || {
  echo "prism did not start" >&2
  exit 1
}

rc=0
TROUPE_PRISM_URL="http://127.0.0.1:${PRISM_PORT}" TROUPE_PRISM_UPSTREAM_PORT="$UPSTREAM_PORT" \
  deno test -A "${FILES[@]}" || rc=$?
if ! kill -0 "$prism_pid" 2>/dev/null; then
  echo "prism died during the run:" >&2
  tail -20 "$out/prism.log" >&2
  rc=1
fi
if [ "$rc" -ne 0 ]; then
  echo "prism's output (last 40 lines):" >&2
  tail -40 "$out/prism.log" >&2
fi
exit "$rc"
