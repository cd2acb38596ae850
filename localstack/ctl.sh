#!/usr/bin/env bash
# Stop / start one component of the running local cloud, e.g. for fault-injection tests.
# `start` returns when the component answers again.
#
#   bash localstack/ctl.sh stop|start|restart postgres|mongo|aws|s3|local-cloud
#   bash localstack/ctl.sh status
#
#   postgres      the project-local cluster (pg_ctl -m fast, as the postgres user); refuses a PG_HOST one
#   mongo         SecantusDB (data kept in .local/mongo)
#   aws           LocalStack + DynamoDB Local, or moto (LOCAL_AWS of the running stack). Their state is in
#                 memory: `start` provisions again (local-cloud provision), so the queues, tables and
#                 buckets exist again (same URLs), but messages and items are gone.
#   s3            SeaweedFS (data kept in .local/seaweedfs)
#   local-cloud   local-cloud serve: the HTTP API, the Invoke API, the SQS event sources, the
#                 schedules and every function process (`gateway` is another name for it)
# The environment of the tests has STACK_CTL=<this file>: "bash $STACK_CTL stop postgres".
set -euo pipefail
# shellcheck source=localstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,15p' "$0" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
action="$1"
component="${2:-}"

take_lock
load_config --recorded
# shellcheck source=localstack/components.sh
source "$LOCALSTACK_DIR/components.sh"

status() {
  local n
  printf '%-14s %-8s %s\n' component state pid
  if [[ $LOCAL_PG_MODE == external ]]; then
    printf '%-14s %-8s %s\n' postgres external -
  elif pg_local_running; then
    printf '%-14s %-8s %s\n' postgres running "$(head -n1 "$PG_DATA/postmaster.pid")"
  else
    printf '%-14s %-8s %s\n' postgres stopped -
  fi
  for n in mongo seaweedfs localstack dynamodb-local moto local-cloud; do
    if bg_running "$n"; then
      printf '%-14s %-8s %s\n' "$n" running "$(bg_pid "$n")"
    else
      printf '%-14s %-8s %s\n' "$n" stopped -
    fi
  done
}

if [[ $action == status ]]; then
  status
  exit 0
fi
[[ -n $component ]] || usage
[[ $component == gateway ]] && component=local-cloud

is_running() {
  case "$component" in
    postgres) pg_local_running ;;
    mongo) bg_running mongo ;;
    s3) bg_running seaweedfs ;;
    aws) local n; for n in $(aws_names); do bg_running "$n" || return 1; done ;;
    local-cloud) bg_running local-cloud ;;
  esac
}

do_stop() {
  case "$component" in
    postgres) stop_postgres ;;
    mongo) stop_mongo ;;
    s3) stop_s3 ;;
    aws) stop_aws ;;
    local-cloud) stop_local_cloud ;;
  esac
}

# Start and wait; a failure shows the component's log.
do_start() {
  local rc=0 name
  case "$component" in
    postgres) { start_postgres && wait_postgres; } || rc=$? ; name=postgres ;;
    mongo) { start_mongo && wait_mongo; } || rc=$? ; name=mongo ;;
    s3) { start_s3 && wait_s3; } || rc=$? ; name=seaweedfs ;;
    aws)
      # A half-running emulator (one of two processes) is restarted whole.
      stop_aws
      { start_aws && wait_aws && provision >/dev/null; } || rc=$?
      name="$(aws_names)"
      ;;
    local-cloud) { start_local_cloud && wait_local_cloud; } || rc=$? ; name=local-cloud ;;
  esac
  if ((rc != 0)); then
    local n
    for n in $name; do show_log_tail "$(log_file "$n")"; done
    die "$component did not come back"
  fi
}

if [[ $LOCAL_SERVERS == external && $component =~ ^(postgres|mongo|aws|s3)$ ]]; then
  die "the servers run outside these scripts (LOCAL_SERVERS=external, e.g. docker compose): use docker compose stop/start"
fi
case "$component" in
  postgres)
    [[ $LOCAL_PG_MODE != external ]] || die "the stack uses an external PostgreSQL (PG_HOST/PG_PORT); ctl.sh only manages the project-local cluster"
    ;;
  mongo|aws|s3|local-cloud) ;;
  *) usage ;;
esac

t0="$(now)"
case "$action" in
  stop)
    if is_running; then do_stop; log "$component stopped ($(elapsed_since "$t0"))"; else log "$component was not running"; fi
    ;;
  start)
    if is_running; then log "$component already running"; else do_start; log "$component started and ready ($(elapsed_since "$t0"))"; fi
    ;;
  restart)
    do_stop
    do_start
    log "$component restarted and ready ($(elapsed_since "$t0"))"
    ;;
  *) usage ;;
esac
