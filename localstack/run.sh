#!/usr/bin/env bash
# THE RUN COMMAND: install what is missing, bring the local cloud up with the functions reloading
# on code changes, print where everything is, then follow the function logs. Ctrl-C stops it all.
#
#   bash localstack/run.sh            (LOCAL_AWS=moto bash localstack/run.sh for moto)
set -euo pipefail
# shellcheck source=localstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

stopping=0
cleanup() {
  ((stopping)) && return
  stopping=1
  trap - INT TERM EXIT
  [[ -n ${TAIL_PID:-} ]] && kill "$TAIL_PID" 2>/dev/null
  printf '\nStopping the local cloud ...\n'
  bash "$LOCALSTACK_DIR/down.sh"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bash "$LOCALSTACK_DIR/install.sh"
echo
bash "$LOCALSTACK_DIR/up.sh" --reload "$@"

load_config --recorded
# shellcheck disable=SC1091
source "$LOCAL_DIR/stack.env"
G="http://127.0.0.1:$LOCAL_GATEWAY_PORT"

echo
echo "HTTP API (cargo lambda watch; routes from [workspace.metadata.lambda.watch.router] in Cargo.toml):"
python3 - "$ROOT_DIR/Cargo.toml" "$G" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as fh:
    doc = tomllib.load(fh)
router = doc.get("workspace", {}).get("metadata", {}).get("lambda", {}).get("watch", {}).get("router", {})
for path, targets in router.items():
    for t in targets if isinstance(targets, list) else [targets]:
        print(f"  {t.get('method', 'ANY'):<7} {sys.argv[2]}{path:<38} -> {t['function']}")
if not router:
    print("  (no routes configured)")
PY
cat <<EOT

  API docs:       $G/api/auth/api-docs   (Swagger UI; the document: $G/api/auth/api-docs/openapi.json)
  Function URLs:  $G/lambda-url/<function>/<path>   (any function, any method)
  Invoke API:     cargo lambda invoke <function> --data-file events/<x>.json --invoke-address 127.0.0.1 --invoke-port $LOCAL_GATEWAY_PORT
  SAM:            bash localstack/sam-local.sh invoke <function>   (sam build + sam local invoke through podman)

Services:
  PostgreSQL      postgres://$PG_USER@$PG_HOST:$PG_PORT/$PG_DATABASE
  MongoDB wire    $MONGO_URI  (SecantusDB, database $MONGO_DATABASE)
  AWS emulator    $AWS_ENDPOINT_URL ($LOCAL_AWS)   DynamoDB: $AWS_ENDPOINT_URL_DYNAMODB
  Image store     $IMAGES_S3_ENDPOINT (SeaweedFS, test/test); public objects: $IMAGES_S3_ENDPOINT/$IMAGES_BUCKET/images/<key>
  Queues          $AUTH_EVENTS_QUEUE_URL
                  $USER_EVENTS_QUEUE_URL
  Environment     .local/stack.env      Logs: .local/logs/      Fault injection: bash localstack/ctl.sh stop|start <component>

Create a first user:
  set -a; source .local/stack.env; set +a
  cargo run -p admin -- create-user --username alice --password 'choose-a-password'
Then:
  curl -s -X POST $G/login -H 'content-type: application/json' -d '{"username":"alice","password":"choose-a-password"}'

Following the function logs (Ctrl-C stops everything) ...
EOT

logs=("$(log_file gateway)")
bg_running event-source && logs+=("$(log_file event-source)")
tail -n 0 -F "${logs[@]}" &
TAIL_PID=$!
wait "$TAIL_PID"
