#!/usr/bin/env bash
# The JSON API against its own OpenAPI document, with schemathesis: start the server
# binary on a free loopback port with a fresh database (and an instructor signed in),
# let schemathesis generate requests from /api/v1/openapi.json, and fail on any 5xx or
# any answer the document does not describe (status, content type, headers, body
# schema). Bounded: SCHEMA_EXAMPLES cases per operation and phase (default 100), with a
# fixed SCHEMA_SEED (default 1) so that a failure can be replayed.
#
# Usage: .ci/schema_test.sh [BINARY] (default target/release/oauthlab, as `make build`
# makes it; a debug build works too); schemathesis is looked for in target/venv
# (`make test-schema` installs it there).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${1:-target/release/oauthlab}
ST=${SCHEMATHESIS:-target/venv/bin/schemathesis}
EXAMPLES=${SCHEMA_EXAMPLES:-100}
SEED=${SCHEMA_SEED:-1}
[ -x "$BIN" ] || { echo "schema test: no server binary at $BIN" >&2; exit 1; }
[ -x "$ST" ] || { echo "schema test: no schemathesis at $ST (run make test-schema)" >&2; exit 1; }
BIN=$(realpath "$BIN")
ST=$(realpath "$ST")

TMP=$(mktemp -d)
PID=
stop() {
    if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap stop EXIT

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
DB="sqlite:$TMP/lab.db"
# A rate limit the run never reaches: the limiter has tests of its own.
env -u OAUTHLAB_PUBLIC_URL -u OAUTHLAB_TRUSTED_PROXY \
    "$BIN" serve --addr "127.0.0.1:$PORT" --database "$DB" --rate-limit 1000000 >"$TMP/server.log" 2>&1 &
PID=$!

for _ in $(seq 1 200); do
    curl -fs -o /dev/null "$BASE/api/v1/openapi.json" && break
    kill -0 "$PID" 2>/dev/null || { cat "$TMP/server.log" >&2; echo "schema test: the server ended" >&2; exit 1; }
    sleep 0.1
done
curl -fs -o /dev/null "$BASE/api/v1/openapi.json" || { echo "schema test: the server did not answer" >&2; exit 1; }

# An instructor signed in, so that the instructor endpoints are reached past the 401.
PASSWORD="schema test password"
printf '%s\n' "$PASSWORD" | "$BIN" instructor add schema@example.org --database "$DB" >/dev/null
curl -fs -o /dev/null -c "$TMP/jar" -H 'content-type: application/json' \
    -d "{\"email\": \"schema@example.org\", \"password\": \"$PASSWORD\"}" "$BASE/api/v1/instructor/login"
COOKIE=$(awk '$6 == "oauthlab_instructor" || $6 == "oauthlab_session" { printf "%s%s=%s", sep, $6, $7; sep = "; " }' "$TMP/jar")
case "$COOKIE" in *oauthlab_instructor=*) ;; *) echo "schema test: the instructor could not sign in" >&2; exit 1 ;; esac

CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance
# One worker: hypothesis reads its strategies' source with Python's ast module, which
# is not safe in threads on every Python 3 ("AST constructor recursion depth mismatch").
# Run from the temporary folder, where schemathesis keeps its cache.
run() {
    (cd "$TMP" && "$ST" run "$BASE/api/v1/openapi.json" --checks "$CHECKS" --max-examples "$EXAMPLES" \
        --seed "$SEED" --workers 1 --generation-database none --no-color "$@")
}
# Everything but the logout, signed in; then the logout, which ends the session.
run -H "Cookie: $COOKIE" --exclude-operation-id instructorLogout
run -H "Cookie: $COOKIE" --include-operation-id instructorLogout

if grep -q panicked "$TMP/server.log"; then
    grep -A5 panicked "$TMP/server.log" >&2
    echo "schema test: the server panicked" >&2
    exit 1
fi
echo "schema test: every answer as documented, no 5xx"
