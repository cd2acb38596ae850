#!/usr/bin/env bash
# Bring the local cloud up in the background and return when it is ready. Idempotent: a running
# component is left alone. See docs/local-cloud.md.
#
#   bash localstack/up.sh [--no-functions]
#     --no-functions  only the servers, provisioning and .local/stack.env (no function build, no
#                     local-cloud serve, no migrations)
#
# The local cloud itself is tools/local-cloud: it reads template.yaml with localstack/parameters.toml
# (provisioning, .local/stack.env, and `local-cloud serve`: the HTTP API, the Invoke API, the SQS
# event sources and the schedules). A rebuilt function binary is picked up by the next request;
# a changed template or parameter file restarts `local-cloud serve` on the next up.sh.
#
# Settings (environment): LOCAL_AWS=localstack|moto (default localstack); PG_HOST/PG_PORT (+PG_USER,
# PG_PASSWORD, PG_DATABASE) to use a PostgreSQL that already listens instead of the project-local one;
# LOCAL_PG_MODE=local forces the project-local cluster; LOCAL_*_PORT to move a port (see lib.sh);
# LOCAL_SERVERS=external: the servers run elsewhere on the same ports (localstack/docker-compose.yml),
# this script only waits for them, provisions, writes .local/stack.env and runs the functions.
# Speed-ups (docs/local-cloud.md): LOCAL_QUEUE_VISIBILITY_TIMEOUT=5, LOCAL_SCHEDULE_RATE_SECONDS=5.
set -euo pipefail
# shellcheck source=localstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WITH_FUNCTIONS=1
for arg in "$@"; do
  case "$arg" in
    --no-functions) WITH_FUNCTIONS=0 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
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

ALL_NAMES=(mongo seaweedfs localstack dynamodb-local moto local-cloud)
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
# What localstack/parameters.toml gives the template's Pg* parameters.
LOCAL_PG_HOST="$PG_H" LOCAL_PG_PORT="$PG_P" LOCAL_PG_USER="$PG_U" LOCAL_PG_PASSWORD="$PG_PW" LOCAL_PG_DATABASE="$PG_DB"
export LOCAL_PG_HOST LOCAL_PG_PORT LOCAL_PG_USER LOCAL_PG_PASSWORD LOCAL_PG_DATABASE

# A running stack keeps the settings it was started with.
if stack_running && [[ -f $RUN_DIR/config.env ]]; then
  prev_aws="$(sed -n 's/^LOCAL_AWS=//p' "$RUN_DIR/config.env")"
  prev_pg="$(sed -n 's/^LOCAL_PG_MODE=//p' "$RUN_DIR/config.env")"
  prev_servers="$(sed -n 's/^LOCAL_SERVERS=//p' "$RUN_DIR/config.env")"
  if [[ $prev_aws != "$REQ_AWS" || ${prev_pg:-local} != "$LOCAL_PG_MODE" || ${prev_servers:-local} != "$LOCAL_SERVERS" ]]; then
    die "the stack is running with LOCAL_AWS=$prev_aws, PostgreSQL ${prev_pg:-local}, servers ${prev_servers:-local}; you asked for LOCAL_AWS=$REQ_AWS, PostgreSQL $LOCAL_PG_MODE, servers $LOCAL_SERVERS. Run 'bash localstack/down.sh' first."
  fi
fi
# The settings local-cloud serve started with, to restart it when they change.
PREV_CONFIG="$(cat "$RUN_DIR/config.env" 2>/dev/null || true)"
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
((WITH_FUNCTIONS)) || N=$((N - 2))
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

# 6. Build: the local cloud's own tool, and with it every function (so no request waits for a compile).
if ((WITH_FUNCTIONS)) && have_function_crates; then
  step "Building the functions and the local cloud (cargo build --workspace --bins)"
  BUILD=(cargo build --workspace --bins)
else
  step "Building the local cloud (cargo build -p local-cloud)"
  BUILD=(cargo build -p local-cloud --bin local-cloud)
fi
step_note "cargo output follows (also in .local/logs/build.log)"
if ! (cd "$ROOT_DIR" && "${BUILD[@]}" 2>&1 | tee "$(log_file build)"; exit "${PIPESTATUS[0]}"); then
  die "cargo build failed (log: $(log_file build))"
fi
printf '      build ok (%s)\n' "$(elapsed_since "$STEP_T0")"

# 7. The template with the parameter file: every parameter, intrinsic, route, mapping and schedule.
step "Reading template.yaml with localstack/parameters.toml (local-cloud check)"
# The secrets the parameter file takes from .local/: random, generated once and kept.
for secret in jwt-secret:32 introspection-secret:16; do
  file="$LOCAL_DIR/${secret%%:*}"
  [[ -s $file ]] || (umask 077 && head -c "${secret##*:}" /dev/urandom | od -An -tx1 | tr -d ' \n' >"$file")
done
if ! check_report="$(local_cloud check 2>&1)"; then
  printf 'FAILED\n%s\n' "$check_report"
  exit 1
fi
step_ok "${check_report#ok: }"

# 8. Provisioning
step "Provisioning the template's queues, tables and buckets (local-cloud provision)"
if ! provision_report="$(provision)"; then
  printf 'FAILED\n%s\n' "$provision_report"
  die "provisioning failed (log: $(log_file provision))"
fi
step_ok
printf '%s\n' "$provision_report"

# 9. .local/stack.env
step "Writing .local/stack.env (local-cloud stack-env)"
local_cloud stack-env --output "$LOCAL_DIR/stack.env" --set "LOCAL_AWS=$LOCAL_AWS" --set "STACK_CTL=$LOCALSTACK_DIR/ctl.sh" ||
  step_fail "could not write .local/stack.env"
step_ok

# 10-11. The local cloud and the migrations
# True when the running local-cloud serve predates its binary, the template, the parameter file,
# or was started with other settings: it reads all of them once, when it starts.
local_cloud_stale() {
  local pidfile
  pidfile="$(pid_file local-cloud)"
  [[ "$(local_cloud_bin)" -nt $pidfile || $ROOT_DIR/template.yaml -nt $pidfile || $LOCALSTACK_DIR/parameters.toml -nt $pidfile ]] ||
    [[ $PREV_CONFIG != "$(cat "$RUN_DIR/config.env")" ]]
}

if ((WITH_FUNCTIONS)); then
  if ! have_function_crates; then
    for what in "Starting the local cloud (local-cloud serve)" "Applying database migrations (db-migrate)"; do
      step "$what"
      step_skip "skipped: no function crates yet (functions/*/Cargo.toml)"
    done
  else
    step "Starting the local cloud (local-cloud serve): HTTP API on 127.0.0.1:$LOCAL_GATEWAY_PORT, Invoke API on 127.0.0.1:$LOCAL_INVOKE_PORT"
    if bg_running local-cloud && local_cloud_stale; then
      stop_local_cloud
      step_note "restarting it: the template, the parameter file, its binary or the settings changed since it started"
    fi
    if bg_running local-cloud; then
      wait_local_cloud 10 || step_fail "local-cloud runs but does not answer; see $(log_file local-cloud)"
      step_skip "already running (pid $(bg_pid local-cloud)); rebuilt functions are picked up by their next request"
    else
      refuse_foreign_port "$LOCAL_GATEWAY_PORT" local-cloud
      refuse_foreign_port "$LOCAL_INVOKE_PORT" local-cloud
      start_local_cloud
      rc=0; wait_local_cloud || rc=$?
      if ((rc != 0)); then printf 'FAILED\n'; show_log_tail "$(log_file local-cloud)"; die "local-cloud serve did not come up"; fi
      step_ok
    fi

    step "Applying database migrations (local-cloud invoke db-migrate)"
    if workspace_has_bin db-migrate; then
      if ! out="$(local_cloud invoke db-migrate 2>&1)"; then
        printf 'FAILED\n%s\n' "$out"
        show_log_tail "$LOG_DIR/functions/db-migrate.log"
        die "db-migrate failed"
      fi
      printf '%s\n' "$out" >>"$(log_file migrations)"
      step_ok "${out:0:160}"
    else
      step_skip "skipped: the workspace has no db-migrate binary yet"
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
bg_running local-cloud && row local-cloud "127.0.0.1:$LOCAL_GATEWAY_PORT,$LOCAL_INVOKE_PORT" "$(bg_pid local-cloud)" "$(bg_rss_mb local-cloud)"
exit 0
