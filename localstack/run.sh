#!/usr/bin/env bash
# THE RUN COMMAND: install what is missing, bring the local cloud up, print where everything is,
# then follow the logs. Ctrl-C stops it all. After `cargo build`, the next request to a function
# runs the new binary (no restart).
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
bash "$LOCALSTACK_DIR/up.sh" "$@"

load_config --recorded
# shellcheck source=localstack/components.sh
source "$LOCALSTACK_DIR/components.sh"
# shellcheck disable=SC1091
source "$LOCAL_DIR/stack.env"
G="http://127.0.0.1:$LOCAL_GATEWAY_PORT"

echo
echo "HTTP API (local-cloud serve; the routes of template.yaml):"
local_cloud routes | sed "s|^\([A-Z]*\) *|  \1\t$G|"
cat <<EOT

  API docs:       $G/api/auth/api-docs   (Swagger UI; the document: $G/api/auth/api-docs/openapi.json)
  Invoke API:     $INVOKE_URL/2015-03-31/functions/<FunctionName>/invocations
                  target/debug/local-cloud invoke <function> --data-file events/<function>.json
  Functions:      target/debug/local-cloud env <function>   (its environment, from template.yaml)
  SAM:            bash localstack/sam-local.sh invoke <function>   (sam build + sam local invoke through podman)

Services:
  PostgreSQL      postgres://$PG_USER@$PG_HOST:$PG_PORT/$PG_DATABASE
  MongoDB wire    $MONGO_URI  (SecantusDB, database $MONGO_DATABASE)
  AWS emulator    $AWS_ENDPOINT_URL ($LOCAL_AWS)   DynamoDB: $AWS_ENDPOINT_URL_DYNAMODB
  Image store     $IMAGES_S3_ENDPOINT (SeaweedFS, test/test); public objects: $IMAGES_S3_ENDPOINT/$IMAGES_BUCKET/images/<key>
  Queues          $AUTH_EVENTS_QUEUE_URL
                  $USER_EVENTS_QUEUE_URL   (DLQs: \$AUTH_EVENTS_DLQ_URL, \$USER_EVENTS_DLQ_URL)
  Environment     .local/stack.env      Logs: .local/logs/      Fault injection: bash localstack/ctl.sh stop|start <component>

Create a first user:
  set -a; source .local/stack.env; set +a
  cargo run -p admin -- create-user --username alice --password 'choose-a-password'
Then:
  curl -s -X POST $G/login -H 'content-type: application/json' -d '{"username":"alice","password":"choose-a-password"}'

Following the logs: local-cloud and .local/logs/functions/<function>.log (Ctrl-C stops everything) ...
EOT

tail -n 0 -F "$(log_file local-cloud)" "$LOG_DIR"/functions/*.log &
TAIL_PID=$!
wait "$TAIL_PID"
