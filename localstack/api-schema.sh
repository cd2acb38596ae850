#!/usr/bin/env bash
# Schema-driven tests of the served API: schemathesis (pinned, in .local/venv-schemathesis) runs
# every operation of docs/openapi.json against the running local cloud (http://127.0.0.1:9000),
# with positive and negative data, and checks each answer: no 5xx, a documented status, a
# documented Content-Type, a body and headers that match the declared schema (and the other
# schemathesis checks listed in localstack/schemathesis/schemathesis.toml).
#
#   bash localstack/api-schema.sh [--long] [extra schemathesis run args]
#     (default)  bounded, as CI runs it: 8 examples per operation and phase (4 for the logins; see
#                schemathesis.toml), seed API_SCHEMA_SEED (1), so a run is repeatable
#     --long     100 examples per operation and phase (API_SCHEMA_EXAMPLES overrides either)
#   e.g. bash localstack/api-schema.sh --include-tag chat-sessions --phases fuzzing
#
# The local cloud must be running (bash localstack/up.sh). This script creates what the
# authenticated operations need, new on every run: a tenant (with a rate limit the run cannot
# reach) and a member of it for the tenant routes, a user for `DELETE /api/v1/users/{id}` to
# delete; localstack/schemathesis/hooks.py creates and logs in the callers (see there, also for
# the chat rate limit). Reports (NDJSON, JUnit) go to .local/api-schema/<time>/. Prints a summary
# (operations, test cases, requests, failures per check) and exits non-zero on any failure or error.
set -euo pipefail
# shellcheck source=localstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SCHEMATHESIS_SPEC='schemathesis==4.32.5'
VENV="$LOCAL_DIR/venv-schemathesis"
CONF_DIR="$LOCALSTACK_DIR/schemathesis"

LONG=0
if [[ ${1:-} == --long ]]; then LONG=1; shift; fi
if [[ ${1:-} == -h || ${1:-} == --help ]]; then sed -n '2,19p' "$0"; exit 0; fi
EXTRA=("$@")
EXAMPLES="${API_SCHEMA_EXAMPLES:-$( ((LONG)) && echo 100 || echo)}" # empty: schemathesis.toml's
SEED="${API_SCHEMA_SEED:-1}"

T0="$(now)"
steps_init 4
cd "$ROOT_DIR"

# ----------------------------------------------------------------------------- 1. schemathesis
# Python >= 3.13 when there is one (pyenv's, or on PATH): 3.11 and 3.12 can fail a request of
# schemathesis' worker threads with "SystemError: AST constructor recursion depth mismatch".
venv_python() {
  local v p
  if command -v pyenv >/dev/null; then
    for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[3-9])(\.[0-9]+)?$' | sort -rV); do
      p="$(pyenv prefix "$v" 2>/dev/null)/bin/python${v%.*}"
      [[ -x $p ]] && { echo "$p"; return 0; }
    done
  fi
  for p in python3.14 python3.13 python3; do
    command -v "$p" >/dev/null && { command -v "$p"; return 0; }
  done
  return 1
}
step "Installing $SCHEMATHESIS_SPEC into .local/venv-schemathesis"
PY="$(venv_python)" || step_fail "no python3 found"
PY_VERSION="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [[ -x $VENV/bin/python ]] && "$VENV/bin/python" -c '
import sys, importlib.metadata as md
sys.exit(md.version("schemathesis") != sys.argv[1] or "%d.%d" % sys.version_info[:2] != sys.argv[2])' \
  "${SCHEMATHESIS_SPEC#*==}" "$PY_VERSION" 2>/dev/null; then
  step_skip "already installed (Python $PY_VERSION)"
else
  rm -rf "$VENV"
  "$PY" -m venv "$VENV" || step_fail "$PY -m venv failed (apt-get install python3-venv)"
  PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 "$VENV/bin/pip" install -q "$SCHEMATHESIS_SPEC" ||
    step_fail "pip install $SCHEMATHESIS_SPEC failed"
  step_ok "Python $PY_VERSION"
fi

# ----------------------------------------------------------------------------- 2. the stack
step "Checking the local cloud"
[[ -f $LOCAL_DIR/stack.env ]] || step_fail "no .local/stack.env: start the local cloud (bash localstack/up.sh)"
set -a
# shellcheck disable=SC1091
source "$LOCAL_DIR/stack.env"
set +a
BASE_URL="${GATEWAY_URL:-http://127.0.0.1:9000}"
code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$BASE_URL/api/health" || true)"
[[ $code == 200 ]] || step_fail "GET $BASE_URL/api/health answered '$code', not 200: is the local cloud up and healthy?"
# Every health route: a dependency that is down (another test stopping it, say) would show up
# below as 503s of the routes that need it. Give one that is coming back a minute and a half.
deadline=$((SECONDS + 90))
while :; do
  down=()
  for route in /auth/health /connected/health /sessions/health /user-soap/health /user-search/health /tenants/health; do
    c="$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$BASE_URL$route" || true)"
    [[ $c == 200 ]] || down+=("$route=$c")
  done
  ((${#down[@]} == 0 || SECONDS >= deadline)) && break
  sleep 3
done
if ((${#down[@]})); then step_fail "not every dependency is up (${down[*]}): 503s would follow"; fi
step_ok "$BASE_URL"

# ----------------------------------------------------------------------------- 3. callers
step "Creating a tenant, its member and a user to delete"
ADMIN_BIN="$ROOT_DIR/target/debug/admin"
if [[ ! -x $ADMIN_BIN ]]; then
  step_note "building the admin tool (cargo build -p admin)"
  cargo build -q -p admin || step_fail "cargo build -p admin failed"
fi
# One prefix per run: names never collide with an earlier run's (a-z0-9, as tenant ids must be).
PREFIX="as$(date +%s%N | cut -c5-13)"
API_SCHEMA_PASSWORD="$(python3 -c 'import secrets; print("As-" + secrets.token_urlsafe(18))')"
export API_SCHEMA_PASSWORD
admin() { PBKDF2_ITERATIONS=10000 ADMIN_PASSWORD="$API_SCHEMA_PASSWORD" "$ADMIN_BIN" "$@"; }
# Tenant routes count every call of the member against the tenant's limit: make it unreachable.
admin create-tenant "$PREFIX" --name "API schema tests" --rate-limit 100000000 --rate-window 60 >/dev/null ||
  step_fail "admin create-tenant failed"
admin create-user --username "$PREFIX-member" --tenant "$PREFIX" >/dev/null || step_fail "admin create-user (member) failed"
victim="$(admin create-user --username "$PREFIX-victim")" || step_fail "admin create-user (victim) failed"
[[ $victim =~ with\ id\ ([0-9]+) ]] || step_fail "no id in: $victim"
export API_SCHEMA_BASE_URL="$BASE_URL" API_SCHEMA_ADMIN_BIN="$ADMIN_BIN" API_SCHEMA_PREFIX="$PREFIX" \
  API_SCHEMA_TENANT="$PREFIX" API_SCHEMA_TENANT_USER="$PREFIX-member" API_SCHEMA_VICTIM_ID="${BASH_REMATCH[1]}"
# The introspection route's client credentials come from stack.env (INTROSPECTION_CLIENT_ID/SECRET).
[[ -n ${INTROSPECTION_CLIENT_ID:-} && -n ${INTROSPECTION_CLIENT_SECRET:-} ]] ||
  step_fail "stack.env has no INTROSPECTION_CLIENT_ID / INTROSPECTION_CLIENT_SECRET"
step_ok "tenant $PREFIX"

# ----------------------------------------------------------------------------- 4. schemathesis
MODE="$( ((LONG)) && echo long || echo bounded)"
REPORT_DIR="$LOCAL_DIR/api-schema/$(date -u +%Y%m%dT%H%M%SZ)-$MODE"
mkdir -p "$REPORT_DIR"
step "schemathesis: ${EXAMPLES:-8} examples per operation, seed $SEED ($MODE)"
step_note "reports in ${REPORT_DIR#"$ROOT_DIR"/}"
CONFIG="$CONF_DIR/schemathesis.toml"
if ((LONG)); then # without the settings that only keep the bounded run short
  CONFIG="$REPORT_DIR/schemathesis.toml"
  sed '/# bounded only$/d' "$CONF_DIR/schemathesis.toml" >"$CONFIG"
fi
ARGS=(--url "$BASE_URL" --seed "$SEED")
[[ -z $EXAMPLES ]] || ARGS+=(--max-examples "$EXAMPLES")
rc=0
"$VENV/bin/schemathesis" --config-file "$CONFIG" run docs/openapi.json "${ARGS[@]}" \
  --report ndjson,junit --report-dir "$REPORT_DIR" "${EXTRA[@]}" || rc=$?

echo
"$VENV/bin/python" "$CONF_DIR/summary.py" "$REPORT_DIR" || rc=$((rc ? rc : 1))
log "api-schema.sh: $([[ $rc == 0 ]] && echo PASSED || echo "FAILED (exit $rc)") in $(elapsed_since "$T0")"
exit "$rc"
