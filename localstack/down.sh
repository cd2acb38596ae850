#!/usr/bin/env bash
# Stop everything localstack/up.sh started (by pid files; the project-local PostgreSQL with pg_ctl).
# A PostgreSQL given through PG_HOST/PG_PORT is never touched. Idempotent. Data stays in .local/
# (pg, mongo, seaweedfs); LocalStack, DynamoDB Local and moto keep their state in memory only.
#
#   bash localstack/down.sh
set -euo pipefail
# shellcheck source=localstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
take_lock
load_config --recorded
# shellcheck source=localstack/components.sh
source "$LOCALSTACK_DIR/components.sh"

stopped=0
stop_one() { # stop_one LABEL NAME [GRACE_S]
  if bg_running "$2"; then
    local t0
    t0="$(now)"
    printf 'Stopping %s (pid %s) ... ' "$1" "$(bg_pid "$2")"
    bg_stop "$2" "${3:-15}"
    printf 'ok (%s)\n' "$(elapsed_since "$t0")"
    stopped=$((stopped + 1))
  else
    rm -f "$(pid_file "$2")"
  fi
}

# Consumers first, servers last.
if bg_running podman || bg_running sam-forward; then
  bash "$LOCALSTACK_DIR/sam-local.sh" stop && echo "Stopped the podman API service and the port forwarder (sam-local.sh)"
  stopped=$((stopped + 1))
fi
stop_one "the local cloud (local-cloud serve and its function processes)" local-cloud
stop_one "moto" moto 5
stop_one "DynamoDB Local" dynamodb-local 5
stop_one "LocalStack" localstack 5
stop_one "SeaweedFS" seaweedfs
stop_one "SecantusDB" mongo
if pg_local_running; then
  t0="$(now)"
  printf 'Stopping PostgreSQL (project-local cluster) ... '
  stop_postgres
  printf 'ok (%s)\n' "$(elapsed_since "$t0")"
  stopped=$((stopped + 1))
fi
if ((stopped == 0)); then
  log "Nothing was running."
else
  log "Local cloud stopped ($stopped components). Logs stay in .local/logs/."
fi
