#!/usr/bin/env bash
# Bring the local cloud up in the background and return when it is ready. Idempotent: a running
# component is left alone. See docs/local-cloud.md.
#
#   bash localstack/up.sh [--reload] [--no-functions]
#     --reload        cargo lambda watch rebuilds and restarts functions when the code changes
#     --no-functions  only the servers, provisioning and .local/stack.env (no build, gateway, migrations)
#
# Settings (environment): LOCAL_AWS=localstack|moto (default localstack); PG_HOST/PG_PORT (+PG_USER,
# PG_PASSWORD, PG_DATABASE) to use a PostgreSQL that already listens instead of the project-local one;
# LOCAL_PG_MODE=local forces the project-local cluster; LOCAL_*_PORT to move a port (see lib.sh);
# LOCAL_SERVERS=external: the servers run elsewhere on the same ports (localstack/docker-compose.yml),
# this script only waits for them, provisions, writes .local/stack.env and runs the functions.
set -euo pipefail
# shellcheck source=localstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WITH_FUNCTIONS=1
for arg in "$@"; do
  case "$arg" in
    --reload) export LOCAL_WATCH_RELOAD=1 ;;
    --no-functions) WITH_FUNCTIONS=0 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) die "unknown argument: $arg" ;;
  esac
done

take_lock
T_START="$(now)"

# ----------------------------------------------------------------------------- settings
REQ_AWS="${LOCAL_AWS:-localstack}"
load_config # from the environment / defaults (not from the recorded config)
# shellcheck source=localstack/components.sh
source "$LOCALSTACK_DIR/components.sh"

ALL_NAMES=(mongo seaweedfs localstack dynamodb-local moto gateway event-source)
stack_running() {
  local n
  for n in "${ALL_NAMES[@]}"; do bg_running "$n" && return 0; done
  pg_local_running
}

# PostgreSQL: the user's (PG_HOST/PG_PORT, listening) or the project-local cluster.
LOCAL_PG_MODE="${LOCAL_PG_MODE:-}"
if [[ $LOCAL_SERVERS == external ]]; then
  # docker-compose.yml publishes PostgreSQL on the same port as the project-local cluster.
  LOCAL_PG_MODE=external
  PG_HOST="${PG_HOST:-127.0.0.1}" PG_PORT="${PG_PORT:-$LOCAL_PG_PORT}" PG_PASSWORD="${PG_PASSWORD:-postgres}"
  wait_until 120 "" port_open "$PG_HOST" "$PG_PORT" || die "LOCAL_SERVERS=external: nothing listens on $PG_HOST:$PG_PORT"
fi
if [[ -z $LOCAL_PG_MODE ]]; then
  LOCAL_PG_MODE=local
  if [[ -n ${PG_HOST:-} || -n ${PG_PORT:-} ]]; then
    pg_h="${PG_HOST:-127.0.0.1}" pg_p="${PG_PORT:-5432}"
    if [[ $pg_p == "$LOCAL_PG_PORT" && ($pg_h == 127.0.0.1 || $pg_h == localhost) ]]; then
      LOCAL_PG_MODE=local # that is our own cluster (a shell that sourced .local/stack.env)
    elif port_open "$pg_h" "$pg_p"; then
      LOCAL_PG_MODE=external
    else
      warn "PG_HOST/PG_PORT = $pg_h:$pg_p does not answer; using the project-local PostgreSQL on 127.0.0.1:$LOCAL_PG_PORT"
    fi
  fi
fi
case $LOCAL_PG_MODE in
  local) PG_H=127.0.0.1 PG_P="$LOCAL_PG_PORT" PG_U=postgres PG_PW=postgres PG_DB=app ;;
  external)
    PG_H="${PG_HOST:-127.0.0.1}" PG_P="${PG_PORT:-5432}" PG_U="${PG_USER:-postgres}"
    PG_PW="${PG_PASSWORD:-}" PG_DB="${PG_DATABASE:-app}"
    port_open "$PG_H" "$PG_P" || die "LOCAL_PG_MODE=external but nothing listens on $PG_H:$PG_P"
    ;;
  *) die "LOCAL_PG_MODE must be local or external" ;;
esac

# A running stack keeps the settings it was started with.
if stack_running && [[ -f $RUN_DIR/config.env ]]; then
  prev_aws="$(sed -n 's/^LOCAL_AWS=//p' "$RUN_DIR/config.env")"
  prev_pg="$(sed -n 's/^LOCAL_PG_MODE=//p' "$RUN_DIR/config.env")"
  prev_servers="$(sed -n 's/^LOCAL_SERVERS=//p' "$RUN_DIR/config.env")"
  if [[ $prev_aws != "$REQ_AWS" || ${prev_pg:-local} != "$LOCAL_PG_MODE" || ${prev_servers:-local} != "$LOCAL_SERVERS" ]]; then
    die "the stack is running with LOCAL_AWS=$prev_aws, PostgreSQL ${prev_pg:-local}, servers ${prev_servers:-local}; you asked for LOCAL_AWS=$REQ_AWS, PostgreSQL $LOCAL_PG_MODE, servers $LOCAL_SERVERS. Run 'bash localstack/down.sh' first."
  fi
  prev_reload="$(sed -n 's/^LOCAL_WATCH_RELOAD=//p' "$RUN_DIR/config.env")"
  if bg_running gateway && [[ ${prev_reload:-0} != "$LOCAL_WATCH_RELOAD" ]]; then
    log "note: the running gateway keeps LOCAL_WATCH_RELOAD=${prev_reload:-0}"
    LOCAL_WATCH_RELOAD="${prev_reload:-0}"
  fi
fi
save_config

# ----------------------------------------------------------------------------- launch servers
# Every server not running yet is launched first, then each is waited for in its own step.

# refuse_foreign_port PORT NAME - die if something that is not ours already listens there.
refuse_foreign_port() {
  if port_open 127.0.0.1 "$1"; then
    local owner
    owner="$(port_owner "$1")"
    die "port $1 (for $2) is already in use${owner:+ by pid $owner ($(ps -o comm= -p "$owner" 2>/dev/null))}, not by this project's stack. Stop it or set LOCAL_*_PORT (see localstack/lib.sh)."
  fi
}

declare -A LAUNCHED_AT=() ALREADY=()
launch() { # launch NAME START_FN PORT
  local name="$1" fn="$2" port="$3"
  if [[ $LOCAL_SERVERS == external ]]; then
    ALREADY[$name]="provided externally (LOCAL_SERVERS=external)"
    return 0
  fi
  if bg_running "$name"; then
    ALREADY[$name]="already running (pid $(bg_pid "$name"))"
    return 0
  fi
  refuse_foreign_port "$port" "$name"
  LAUNCHED_AT[$name]="$(now)"
  "$fn"
}

if [[ $LOCAL_AWS == localstack ]]; then
  launch localstack start_localstack "$LOCAL_LOCALSTACK_PORT"
  launch dynamodb-local start_dynamodb "$LOCAL_DYNAMODB_PORT"
else
  launch moto start_moto "$LOCAL_MOTO_PORT"
fi
launch mongo start_mongo "$LOCAL_MONGO_PORT"
launch seaweedfs start_s3 "$LOCAL_S3_PORT"

# ----------------------------------------------------------------------------- steps
N=10
[[ $LOCAL_AWS == localstack ]] && N=$((N + 1))
((WITH_FUNCTIONS)) || N=$((N - 4))
steps_init "$N"

# wait_step NAME WAIT_FN - finish the step of a launched (or already running) server.
wait_step() {
  local name="$1" fn="$2" rc=0
  if [[ $LOCAL_SERVERS == external ]]; then
    "$fn" 120 || step_fail "$name (LOCAL_SERVERS=external) does not answer"
    step_ok "${ALREADY[$name]}"
    return 0
  fi
  if [[ -n ${ALREADY[$name]:-} ]]; then
    # Left alone, but it must still answer.
    "$fn" 10 || { step_fail "$name is running (pid $(bg_pid "$name")) but does not answer; see $(log_file "$name")"; }
    step_skip "${ALREADY[$name]}"
    return 0
  fi
  step_started_at "${LAUNCHED_AT[$name]}"
  "$fn" || rc=$?
  if ((rc != 0)); then
    printf 'FAILED\n'
    show_log_tail "$(log_file "$name")"
    ((rc == 2)) && die "$name exited during start-up (log: $(log_file "$name"))"
    die "$name did not become ready in time (log: $(log_file "$name"))"
  fi
  step_ok
}

VERB=Starting
[[ $LOCAL_SERVERS == external ]] && VERB="Waiting for"

# 1. PostgreSQL
if [[ $LOCAL_PG_MODE == external ]]; then
  step "PostgreSQL: using the one at $PG_H:$PG_P ($([[ $LOCAL_SERVERS == external ]] && echo LOCAL_SERVERS=external || echo PG_HOST/PG_PORT))"
  if command -v psql >/dev/null && [[ $PG_DB != postgres ]]; then
    if [[ "$(PGPASSWORD="$PG_PW" psql -h "$PG_H" -p "$PG_P" -U "$PG_U" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" 2>/dev/null)" != 1 ]]; then
      PGPASSWORD="$PG_PW" psql -q -h "$PG_H" -p "$PG_P" -U "$PG_U" -d postgres -c "CREATE DATABASE \"$PG_DB\"" >/dev/null 2>&1 ||
        warn "could not create database $PG_DB on $PG_H:$PG_P"
    fi
  fi
  step_ok "(not managed by these scripts)"
else
  step "Starting PostgreSQL (project-local cluster .local/pg) on 127.0.0.1:$LOCAL_PG_PORT"
  if pg_local_running; then
    wait_postgres 10 || step_fail "the project-local PostgreSQL runs but does not answer; see $(log_file postgres)"
    step_skip "already running (pid $(head -n1 "$PG_DATA/postmaster.pid"))"
  else
    refuse_foreign_port "$LOCAL_PG_PORT" postgres
    start_postgres || step_fail "PostgreSQL did not start (log: $(log_file postgres))"
    wait_postgres || step_fail "PostgreSQL did not answer (log: $(log_file postgres))"
    step_ok
  fi
fi

# 2. SecantusDB
step "$VERB SecantusDB (MongoDB wire) on 127.0.0.1:$LOCAL_MONGO_PORT"
wait_step mongo wait_mongo

# 3. SeaweedFS
step "$VERB SeaweedFS (S3 image store) on 127.0.0.1:$LOCAL_S3_PORT"
wait_step seaweedfs wait_s3

# 4-5. AWS emulator
if [[ $LOCAL_AWS == localstack ]]; then
  step "$VERB LocalStack (SQS, S3) on 127.0.0.1:$LOCAL_LOCALSTACK_PORT"
  wait_step localstack wait_localstack
  step "$VERB DynamoDB Local on 127.0.0.1:$LOCAL_DYNAMODB_PORT"
  wait_step dynamodb-local wait_dynamodb
else
  step "$VERB moto (SQS, S3, DynamoDB) on 127.0.0.1:$LOCAL_MOTO_PORT"
  wait_step moto wait_moto
fi

# 6. Provisioning
step "Provisioning queues, table and buckets (localstack/provision.py)"
PROVISION_OUT="$RUN_DIR/provision.env"
if ! provision_report="$(provision "$PROVISION_OUT")"; then
  printf 'FAILED\n%s\n' "$provision_report"
  die "provisioning failed (log: $(log_file provision))"
fi
step_ok
printf '%s\n' "$provision_report"

# 7. .local/stack.env
step "Writing .local/stack.env"
if [[ ! -s $LOCAL_DIR/jwt-secret ]]; then
  (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$LOCAL_DIR/jwt-secret")
fi
# The introspection client (POST /auth/introspect, HTTP Basic) of the local tenant service: 32 hex, kept.
if [[ ! -s $LOCAL_DIR/introspection-secret ]]; then
  (umask 077 && head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$LOCAL_DIR/introspection-secret")
fi
get_prov() { sed -n "s/^$1=//p" "$PROVISION_OUT"; }
# KEY=VALUE; a value with characters beyond [A-Za-z0-9_./:@,+-] is double-quoted (cargo lambda's
# env-file parser rejects an unquoted '=' inside a value; bash `source` and dotenv parsers unquote it).
kv() {
  if [[ $2 =~ ^[A-Za-z0-9_./:@,+-]*$ ]]; then
    printf '%s=%s\n' "$1" "$2"
  else
    [[ $2 != *[\"\\\$\`]* ]] || die "stack.env: value of $1 contains a quote, backslash, \$ or backtick"
    printf '%s="%s"\n' "$1" "$2"
  fi
}
{
  echo "# Generated by localstack/up.sh - do not edit (rewritten on every run)."
  echo "# Used as 'cargo lambda watch --env-file' and sourced by localstack/test.sh."
  kv PG_HOST "$PG_H"
  kv PG_PORT "$PG_P"
  kv PG_DATABASE "$PG_DB"
  kv PG_USER "$PG_U"
  kv PG_PASSWORD "$PG_PW"
  kv MONGO_URI "mongodb://127.0.0.1:$LOCAL_MONGO_PORT/?directConnection=true"
  kv MONGO_DATABASE "sessions"
  kv JWT_SECRET "$(cat "$LOCAL_DIR/jwt-secret")"
  kv JWT_ISSUER "rust-lambda-local"
  kv JWT_AUDIENCE "rust-lambda-api"
  kv INTROSPECTION_CLIENTS "tenant-service:$(cat "$LOCAL_DIR/introspection-secret")"
  kv AUTH_EVENTS_QUEUE_URL "$(get_prov AUTH_EVENTS_QUEUE_URL)"
  kv USER_EVENTS_QUEUE_URL "$(get_prov USER_EVENTS_QUEUE_URL)"
  kv AUTH_EVENTS_DLQ_URL "$(get_prov AUTH_EVENTS_DLQ_URL)"
  kv USER_EVENTS_DLQ_URL "$(get_prov USER_EVENTS_DLQ_URL)"
  kv SESSION_EVENTS_QUEUE_URL "$(get_prov SESSION_EVENTS_QUEUE_URL)"
  kv SESSION_EVENTS_DLQ_URL "$(get_prov SESSION_EVENTS_DLQ_URL)"
  kv TOKENS_TABLE "auth-tokens"
  kv TENANT_CACHE_TABLE "tenant-cache"
  kv AUTH_SERVICE_URL "http://127.0.0.1:$LOCAL_GATEWAY_PORT" # the tenant service introspects tokens through the gateway
  kv TOKEN_INTROSPECTION_ENDPOINT "/auth/introspect"
  kv INTROSPECTION_TIMEOUT_MS "10000" # the local gateway starts a function on its first call (cargo run): seconds, not ms
  kv INTROSPECTION_CLIENT_ID "tenant-service"
  kv INTROSPECTION_CLIENT_SECRET "$(cat "$LOCAL_DIR/introspection-secret")"
  kv IMAGES_BUCKET "images"
  kv IMAGES_S3_ENDPOINT "http://127.0.0.1:$LOCAL_S3_PORT"
  kv IMAGES_OBJECT_ACL "public-read" # stored by both local stores; the bucket policy is what SeaweedFS enforces
  kv AWS_REGION "us-east-1"
  kv AWS_ACCESS_KEY_ID "test"
  kv AWS_SECRET_ACCESS_KEY "test"
  kv AWS_ENDPOINT_URL "$(aws_endpoint)"
  kv AWS_ENDPOINT_URL_DYNAMODB "$(dynamodb_endpoint)"
  kv SOAP_LOOKUP_ALLOWED_ORIGIN "http://127.0.0.1:8080" # the one CORS origin of GET /user/soap
  kv CORS_ORIGIN "http://127.0.0.1:8080" # seed 004's CORS_ORIGIN: the one browser origin of /api/v1
  kv RUST_LOG "info"
  kv GATEWAY_URL "http://127.0.0.1:$LOCAL_GATEWAY_PORT"
  kv LOCAL_AWS "$LOCAL_AWS"
  kv STACK_CTL "$LOCALSTACK_DIR/ctl.sh"
} >"$LOCAL_DIR/stack.env.tmp"
for k in AUTH_EVENTS_QUEUE_URL USER_EVENTS_QUEUE_URL AUTH_EVENTS_DLQ_URL USER_EVENTS_DLQ_URL SESSION_EVENTS_QUEUE_URL; do
  grep -q "^$k=." "$LOCAL_DIR/stack.env.tmp" || step_fail "provisioning did not report $k"
done
mv "$LOCAL_DIR/stack.env.tmp" "$LOCAL_DIR/stack.env"
step_ok

# 8-11. Functions
# restart_if_stale NAME - restart a running process whose binaries were rebuilt after it started.
bins_newer_than_pidfile() {
  local dir
  dir="$(target_dir)/debug"
  [[ -d $dir ]] || return 1
  [[ -n "$(find "$dir" -maxdepth 1 -type f -perm -u+x -newer "$(pid_file "$1")" -print -quit)" ]]
}

if ((WITH_FUNCTIONS)); then
  if ! have_function_crates; then
    for what in "Building the functions" "Starting the function gateway (cargo lambda watch)" \
                "Applying database migrations (db-migrate)" "Starting the SQS event-source mapping"; do
      step "$what"
      step_skip "skipped: no function crates yet (functions/*/Cargo.toml)"
    done
  else
    step "Building the functions (cargo build --workspace --bins)"
    step_note "cargo output follows (also in .local/logs/build.log)"
    if ! (cd "$ROOT_DIR" && cargo build --workspace --bins 2>&1 | tee "$(log_file build)"; exit "${PIPESTATUS[0]}"); then
      die "cargo build failed (log: $(log_file build))"
    fi
    printf '      build ok (%s)\n' "$(elapsed_since "$STEP_T0")"

    step "Starting the function gateway (cargo lambda watch) on 127.0.0.1:$LOCAL_GATEWAY_PORT"
    if bg_running gateway && [[ $LOCAL_WATCH_RELOAD != 1 ]] && bins_newer_than_pidfile gateway; then
      stop_gateway
      step_note "restarting it: function binaries were rebuilt since it started"
    fi
    if bg_running gateway; then
      wait_gateway 10 || step_fail "the gateway runs but does not answer; see $(log_file gateway)"
      step_skip "already running (pid $(bg_pid gateway))"
    else
      refuse_foreign_port "$LOCAL_GATEWAY_PORT" gateway
      start_gateway
      rc=0; wait_gateway || rc=$?
      if ((rc != 0)); then printf 'FAILED\n'; show_log_tail "$(log_file gateway)"; die "cargo lambda watch did not come up"; fi
      step_ok "$([[ $LOCAL_WATCH_RELOAD == 1 ]] && echo 'reload on code changes' || echo 'no reload')"
    fi

    step "Applying database migrations (cargo lambda invoke db-migrate)"
    if workspace_has_bin db-migrate; then
      if ! out="$(cd "$ROOT_DIR" && cargo lambda invoke db-migrate --data-ascii '{}' \
          --invoke-address 127.0.0.1 --invoke-port "$LOCAL_GATEWAY_PORT" 2>&1)"; then
        printf 'FAILED\n%s\n' "$out"
        show_log_tail "$(log_file gateway)"
        die "db-migrate failed"
      fi
      printf '%s\n' "$out" >>"$(log_file migrations)"
      step_ok "${out:0:160}"
    else
      step_skip "skipped: the workspace has no db-migrate binary yet"
    fi

    step "Starting the SQS event-source mapping (sqs-event-source)"
    if workspace_has_bin sqs-event-source; then
      if bg_running event-source && bins_newer_than_pidfile event-source; then
        stop_event_source
        step_note "restarting it: rebuilt since it started"
      fi
      if bg_running event-source; then
        step_skip "already running (pid $(bg_pid event-source))"
      else
        start_event_source
        rc=0; wait_event_source || rc=$?
        if ((rc != 0)); then printf 'FAILED\n'; show_log_tail "$(log_file event-source)"; die "sqs-event-source exited"; fi
        step_ok
      fi
    else
      step_skip "skipped: the workspace has no sqs-event-source binary yet"
    fi
  fi
fi

# ----------------------------------------------------------------------------- summary
printf '\nLocal cloud ready in %s (LOCAL_AWS=%s). Environment: .local/stack.env\n' "$(elapsed_since "$T_START")" "$LOCAL_AWS"
row() { printf '  %-16s %-28s %8s %8s\n' "$1" "$2" "${3:-external}" "${4:--}"; }
row component address pid "RSS MB"
if [[ $LOCAL_PG_MODE == local ]]; then
  pgpid="$(head -n1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)"
  row postgres "127.0.0.1:$LOCAL_PG_PORT" "$pgpid" "$(pid_tree_rss_mb "$pgpid")"
else
  row postgres "$PG_H:$PG_P" external -
fi
row mongo "127.0.0.1:$LOCAL_MONGO_PORT" "$(bg_pid mongo)" "$(bg_rss_mb mongo)"
row seaweedfs "127.0.0.1:$LOCAL_S3_PORT" "$(bg_pid seaweedfs)" "$(bg_rss_mb seaweedfs)"
if [[ $LOCAL_AWS == localstack ]]; then
  row localstack "127.0.0.1:$LOCAL_LOCALSTACK_PORT" "$(bg_pid localstack)" "$(bg_rss_mb localstack)"
  row dynamodb-local "127.0.0.1:$LOCAL_DYNAMODB_PORT" "$(bg_pid dynamodb-local)" "$(bg_rss_mb dynamodb-local)"
else
  row moto "127.0.0.1:$LOCAL_MOTO_PORT" "$(bg_pid moto)" "$(bg_rss_mb moto)"
fi
bg_running gateway && row gateway "127.0.0.1:$LOCAL_GATEWAY_PORT" "$(bg_pid gateway)" "$(bg_rss_mb gateway)"
bg_running event-source && row event-source "-" "$(bg_pid event-source)" "$(bg_rss_mb event-source)"
exit 0
