# shellcheck shell=bash
# Start / wait / stop for each component of the local cloud. Sourced by up.sh, down.sh and ctl.sh
# after lib.sh and load_config. Each start_* only launches; each wait_* returns 0 when the
# component answers (1 = timeout, 2 = the process died).

DYNAMODB_DIR="$LOCAL_DIR/npm/node_modules/amplify-dynamodb-simulator/emulator"
PG_DATA="$LOCAL_DIR/pg/data"
PG_SOCK="$LOCAL_DIR/pg/sock"

# ============================================================================ PostgreSQL
# The project-local cluster: .local/pg/data, 127.0.0.1:$LOCAL_PG_PORT, unix socket in .local/pg/sock,
# trust auth, superuser `postgres`, database `app`. Started with pg_ctl (it daemonises and keeps
# its own pid file, .local/pg/data/postmaster.pid), as the `postgres` user when we are root.

pg_local_running() {
  local bin
  bin="$(pg_bindir)" || return 1
  [[ -f "$PG_DATA/postmaster.pid" ]] || return 1
  (cd / && as_pg_user "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1)
}

pg_init() {
  local bin
  bin="$(pg_bindir)" || die "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin); run localstack/install.sh"
  if [[ $EUID -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
    die "running as root but there is no 'postgres' user to own the cluster; run localstack/install.sh"
  fi
  mkdir -p "$LOCAL_DIR/pg" "$PG_SOCK"
  touch "$(log_file postgres)"
  if [[ $EUID -eq 0 ]]; then
    chown postgres: "$LOCAL_DIR/pg" "$PG_SOCK" "$(log_file postgres)"
  fi
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    rm -rf "$PG_DATA"
    (cd "$LOCAL_DIR/pg" && as_pg_user "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust \
      --encoding=UTF8 --no-locale --no-instructions) >>"$(log_file postgres)" 2>&1 ||
      { show_log_tail "$(log_file postgres)"; return 1; }
  fi
}

start_postgres() {
  local bin
  bin="$(pg_bindir)" || die "PostgreSQL server binaries not found"
  pg_init || return 1
  # fsync off: a throw-away development cluster; a clean stop (pg_ctl -m fast) still loses nothing.
  (cd "$LOCAL_DIR/pg" && as_pg_user "$bin/pg_ctl" -D "$PG_DATA" -l "$(log_file postgres)" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $LOCAL_PG_PORT -k '$PG_SOCK' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start) >/dev/null 2>&1 9>&- || { show_log_tail "$(log_file postgres)"; return 1; }
}

wait_postgres() {
  local bin
  bin="$(pg_bindir)"
  wait_until "${1:-60}" "" "$bin/pg_isready" -q -h 127.0.0.1 -p "$LOCAL_PG_PORT" -U postgres || return 1
  # The application database.
  if [[ "$("$bin/psql" -h 127.0.0.1 -p "$LOCAL_PG_PORT" -U postgres -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'app'")" != 1 ]]; then
    "$bin/psql" -q -h 127.0.0.1 -p "$LOCAL_PG_PORT" -U postgres -d postgres -c 'CREATE DATABASE app' >/dev/null
  fi
}

stop_postgres() {
  local bin
  bin="$(pg_bindir)" || return 0
  pg_local_running || return 0
  (cd / && as_pg_user "$bin/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop) >/dev/null
}

# ============================================================================ SecantusDB (MongoDB wire)
# Default mode: it presents itself as the one-node replica set "secantus" advertising
# 127.0.0.1:<port>, so the Rust driver works with or without directConnection=true and
# transactions work. MONGO_URI uses directConnection=true anyway (no topology discovery).

start_mongo() {
  mkdir -p "$LOCAL_DIR/mongo"
  bg_start mongo secantusd-py --host 127.0.0.1 --port "$LOCAL_MONGO_PORT" \
    --storage-path "$LOCAL_DIR/mongo" --cache-size 256M
}
wait_mongo() { wait_for_port 127.0.0.1 "$LOCAL_MONGO_PORT" "${1:-60}" mongo; }
stop_mongo() { bg_stop mongo; }

# ============================================================================ SeaweedFS (S3, MinIO stand-in)
# `weed mini` = master + volume + filer + S3 in one process. Credentials test/test (checked).
# Besides S3 on $LOCAL_S3_PORT it binds 127.0.0.1:9333 (master), 9340 (volume), 8888 (filer) and
# their gRPC ports (+10000). Iceberg/Lance catalogs, WebDAV, admin UI and telemetry are off.

start_s3() {
  mkdir -p "$LOCAL_DIR/seaweedfs"
  bg_start seaweedfs env AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
    weed mini -dir="$LOCAL_DIR/seaweedfs" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -s3.port="$LOCAL_S3_PORT" -admin.ui=false -webdav=false -master.telemetry=false \
    -s3.port.iceberg=0 -s3.port.lance=0
}
s3_answers() { # a signed ListBuckets succeeds
  curl -fsS -o /dev/null --max-time 3 --aws-sigv4 "aws:amz:us-east-1:s3" --user test:test \
    "http://127.0.0.1:$LOCAL_S3_PORT/"
}
wait_s3() {
  wait_for_port 127.0.0.1 "$LOCAL_S3_PORT" "${1:-60}" seaweedfs || return $?
  wait_until "${1:-60}" seaweedfs s3_answers
}
stop_s3() { bg_stop seaweedfs; }

# ============================================================================ AWS emulator
# LOCAL_AWS=localstack: LocalStack (SQS, S3) on $LOCAL_LOCALSTACK_PORT + DynamoDB Local on $LOCAL_DYNAMODB_PORT
# LOCAL_AWS=moto:       moto_server on $LOCAL_MOTO_PORT (SQS, S3 and DynamoDB)

aws_endpoint() { echo "$LOCAL_AWS_ENDPOINT_URL"; }
dynamodb_endpoint() { echo "$LOCAL_DYNAMODB_ENDPOINT_URL"; }

start_localstack() {
  local py="$LOCAL_DIR/venv-localstack/bin/python"
  [[ -x $py ]] || die "LocalStack is not installed ($py); run localstack/install.sh"
  mkdir -p "$LOCAL_DIR/localstack"
  # OVERRIDE_IN_DOCKER=0: this machine has /.dockerenv; without it LocalStack writes to /var/lib, /etc, /usr/lib.
  # GATEWAY_SERVER=hypercorn: the default (twisted) server ignores the host of GATEWAY_LISTEN and binds
  # 0.0.0.0 (localstack/runtime/server/twisted.py: "TODO: interface = host?"); hypercorn binds 127.0.0.1.
  # DNS_ADDRESS=0: no DNS server (it would try port 53 and fails offline anyway).
  bg_start localstack env OVERRIDE_IN_DOCKER=0 FILESYSTEM_ROOT="$LOCAL_DIR/localstack" \
    GATEWAY_LISTEN="127.0.0.1:$LOCAL_LOCALSTACK_PORT" LOCALSTACK_HOST="127.0.0.1:$LOCAL_LOCALSTACK_PORT" \
    GATEWAY_SERVER=hypercorn DNS_ADDRESS=0 \
    SERVICES=sqs,s3,dynamodb DISABLE_EVENTS=1 SQS_ENDPOINT_STRATEGY=path \
    "$py" -m localstack.runtime.main
}
localstack_answers() {
  curl -fsS --max-time 3 "http://127.0.0.1:$LOCAL_LOCALSTACK_PORT/_localstack/health" | grep -q '"sqs"'
}
wait_localstack() {
  wait_for_port 127.0.0.1 "$LOCAL_LOCALSTACK_PORT" "${1:-90}" localstack || return $?
  wait_until "${1:-90}" localstack localstack_answers
}

# DynamoDB Local has no bind-address option (Jetty on all interfaces). DynamoDBLocalLoopback.java
# builds the same server through DynamoDB Local's own ServerRunner and binds its connector to
# 127.0.0.1 before starting it. Compiled once into .local/dynamodb-loopback (needs javac).
dynamodb_launcher() {
  local src="$LOCALSTACK_DIR/DynamoDBLocalLoopback.java" out="$LOCAL_DIR/dynamodb-loopback"
  if [[ ! -f "$out/DynamoDBLocalLoopback.class" || "$src" -nt "$out/DynamoDBLocalLoopback.class" ]]; then
    command -v javac >/dev/null || die "javac not found (needed to bind DynamoDB Local to 127.0.0.1); run localstack/install.sh"
    mkdir -p "$out"
    javac -d "$out" "$src" || die "could not compile $src"
  fi
  echo "$out"
}
start_dynamodb() {
  [[ -f "$DYNAMODB_DIR/DynamoDBLocal.jar" ]] || die "DynamoDB Local is not installed ($DYNAMODB_DIR); run localstack/install.sh"
  local cls
  cls="$(dynamodb_launcher)" || return 1
  # cwd .local/dynamodb: it writes dynamodb-local-metadata.json into its working directory.
  # DDB_LOCAL_TELEMETRY=0 is the opt-out its start-up telemetry checks (the launcher skips the rest).
  mkdir -p "$LOCAL_DIR/dynamodb"
  (cd "$LOCAL_DIR/dynamodb" && bg_start dynamodb-local env DDB_LOCAL_TELEMETRY=0 \
    java -Xms64m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Djava.library.path="$DYNAMODB_DIR/DynamoDBLocal_lib" \
    -cp "$cls:$DYNAMODB_DIR/DynamoDBLocal.jar" DynamoDBLocalLoopback \
    -inMemory -sharedDb -disableTelemetry -port "$LOCAL_DYNAMODB_PORT")
}
wait_dynamodb() { wait_for_port 127.0.0.1 "$LOCAL_DYNAMODB_PORT" "${1:-60}" dynamodb-local; }

start_moto() { bg_start moto moto_server -H 127.0.0.1 -p "$LOCAL_MOTO_PORT"; }
moto_answers() { curl -fsS -o /dev/null --max-time 3 "http://127.0.0.1:$LOCAL_MOTO_PORT/moto-api/"; }
wait_moto() {
  wait_for_port 127.0.0.1 "$LOCAL_MOTO_PORT" "${1:-60}" moto || return $?
  wait_until "${1:-60}" moto moto_answers
}

# ctl.sh's "aws": every process of the selected emulator.
aws_names() {
  if [[ $LOCAL_AWS == moto ]]; then echo moto; else echo "localstack dynamodb-local"; fi
}
start_aws() {
  if [[ $LOCAL_AWS == moto ]]; then start_moto; else start_localstack && start_dynamodb; fi
}
wait_aws() {
  if [[ $LOCAL_AWS == moto ]]; then wait_moto "$@"; else wait_localstack "$@" && wait_dynamodb "$@"; fi
}
# All three keep their state in memory only, so a short grace period is enough (LocalStack can
# take >15 s to finish its shutdown while clients hold long-polling connections).
stop_aws() {
  bg_stop moto 5
  bg_stop dynamodb-local 5
  bg_stop localstack 5
}

# ============================================================================ The local cloud (tools/local-cloud)
# One process reads template.yaml with localstack/parameters.toml when it starts and serves the
# HTTP API (LOCAL_GATEWAY_PORT), the Invoke API (LOCAL_INVOKE_PORT), the SQS event-source mappings
# and the schedules over execution environments of target/debug/<function>. The same binary
# provisions the template's resources and writes .local/stack.env.

target_dir() {
  local dir="${CARGO_TARGET_DIR:-$ROOT_DIR/target}"
  [[ $dir == /* ]] || dir="$ROOT_DIR/$dir"
  echo "$dir"
}
local_cloud_bin() { echo "$(target_dir)/debug/local-cloud"; }

# local_cloud ARGS... - run the tool on this repository.
local_cloud() {
  local bin
  bin="$(local_cloud_bin)"
  [[ -x $bin ]] || die "$bin is not built (cargo build -p local-cloud)"
  "$bin" --root "$ROOT_DIR" "$@"
}

# provision - the template's queues, tables and buckets; the report goes to stdout and
# .local/logs/provision.log.
provision() {
  local_cloud provision 2>&1 | tee -a "$(log_file provision)"
  return "${PIPESTATUS[0]}"
}

start_local_cloud() {
  local bin
  bin="$(local_cloud_bin)"
  [[ -x $bin ]] || die "$bin is not built (cargo build --workspace --bins)"
  (cd "$ROOT_DIR" && bg_start local-cloud "$bin" --root "$ROOT_DIR" serve)
}
local_cloud_answers() { # the gateway answers (404 JSON for an unknown route) and the Invoke API listens
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$LOCAL_GATEWAY_PORT/")"
  [[ $code != 000 ]] && port_open 127.0.0.1 "$LOCAL_INVOKE_PORT"
}
wait_local_cloud() {
  wait_for_port 127.0.0.1 "$LOCAL_GATEWAY_PORT" "${1:-60}" local-cloud || return $?
  wait_until "${1:-60}" local-cloud local_cloud_answers
}
# Function processes run in the local cloud's process group: bg_stop stops them too.
stop_local_cloud() { bg_stop local-cloud; }

# True when the workspace has a bin target NAME. Dies when the workspace does not resolve, so a
# broken workspace never reads as "no such binary". (Not `workspace_bins | grep -q`: grep exits at
# the first match, the writer gets SIGPIPE, and with pipefail the match would read as failure.)
workspace_has_bin() {
  local bins
  bins="$(workspace_bins)" || die "cargo metadata failed: cannot list the workspace's binaries"
  grep -qx -- "$1" <<<"$bins"
}
