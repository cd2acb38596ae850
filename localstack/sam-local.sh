#!/usr/bin/env bash
# `sam build` and `sam local invoke` without Docker. Debian's podman (+ runc) serves the Docker API
# on a project-local socket, with its configuration and image storage under .local/podman; a small
# image made here from the host's glibc and busybox stands in for
# public.ecr.aws/lambda/provided:al2023-x86_64, because no registry is reachable (so every invoke
# passes --skip-pull-image). The functions run inside it on podman's bridge and reach the local
# cloud of localstack/up.sh through localstack/host-forward.py, which relays the cloud's ports from
# the bridge's gateway address to 127.0.0.1.
#
#   bash localstack/sam-local.sh setup              podman/runc/busybox (apt, once), base image, API socket
#   bash localstack/sam-local.sh build [fn ...]     sam build of the named functions, or of the whole template
#   bash localstack/sam-local.sh invoke fn [event]  sam local invoke fn -e events/<fn>.json (builds it if needed)
#   bash localstack/sam-local.sh check              what CI runs: build and invoke an HTTP and a queue function
#   bash localstack/sam-local.sh stop               stop the podman API service
#
# `fn` is a function's name (its binary: api-health, user-audit, ...) or its logical id.
# SAM_BUILD_MODE=debug builds unoptimised binaries (faster builds); the default is release, as deployed.
# Building one function writes .local/sam/build/<fn>/; the whole template .local/sam/build/all/.
#
# `invoke` needs the local cloud (bash localstack/run.sh, or up.sh). A function gets the environment
# the local cloud gives it: `local-cloud sam` writes SAM's --env-vars file (each function's template
# variables, resolved from template.yaml with localstack/parameters.toml) and --parameter-overrides
# (the same parameter values, NoEcho ones left out), 127.0.0.1 replaced by podman's bridge gateway.
set -euo pipefail
# shellcheck source=localstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SAM="$LOCAL_DIR/venv-sam/bin/sam"
PODMAN_DIR="$LOCAL_DIR/podman"
PODMAN_SOCK="$RUN_DIR/podman.sock"
BASE_IMAGE="public.ecr.aws/lambda/provided:al2023-x86_64"
SAM_DIR="$LOCAL_DIR/sam"
export CONTAINERS_CONF="$PODMAN_DIR/containers.conf"
export CONTAINERS_STORAGE_CONF="$PODMAN_DIR/storage.conf"
export DOCKER_HOST="unix://$PODMAN_SOCK"
export SAM_CLI_TELEMETRY=0

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }

# ----------------------------------------------------------------------------- setup

install_packages() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)
  # The image needs a static busybox (Debian's busybox-static; plain busybox is dynamic).
  [[ -x /bin/busybox && $(ldd /bin/busybox 2>&1 || true) == *"not a dynamic"* ]] || missing+=(busybox-static)
  if ((${#missing[@]} == 0)); then
    step_skip "already installed ($(podman --version))"
    return
  fi
  local sudo=()
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || die "need root (or sudo) to apt-get install ${missing[*]}"
    sudo=(sudo)
  fi
  step_note "apt-get install ${missing[*]}"
  {
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  } >"$(log_file install-podman)" 2>&1 || { show_log_tail "$(log_file install-podman)"; step_fail "apt-get failed"; }
  step_ok
}

write_podman_config() {
  mkdir -p "$PODMAN_DIR"
  # runc rather than crun, and ulimits a sandbox without CAP_SYS_RESOURCE accepts
  # (docs/local-cloud.md of the team: podman's defaults fail on these machines).
  cat >"$CONTAINERS_CONF.tmp" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]
[engine]
runtime = "runc"
EOF
  cat >"$CONTAINERS_STORAGE_CONF.tmp" <<EOF
[storage]
driver = "overlay"
graphroot = "$PODMAN_DIR/storage"
runroot = "$PODMAN_DIR/runroot"
EOF
  mv "$CONTAINERS_CONF.tmp" "$CONTAINERS_CONF"
  mv "$CONTAINERS_STORAGE_CONF.tmp" "$CONTAINERS_STORAGE_CONF"
}

# The stand-in for Lambda's provided.al2023 image: what a cargo-lambda binary needs (glibc's loader
# and libraries, CA certificates) plus busybox for a shell. SAM adds its runtime emulator on top.
make_base_image() {
  if podman image exists "$BASE_IMAGE" 2>/dev/null; then
    step_skip "exists"
    return
  fi
  local root lib
  root="$(mktemp -d)"
  mkdir -p "$root"/{bin,lib64,lib/x86_64-linux-gnu,var/task,var/runtime,opt,tmp,etc/ssl/certs}
  cp /bin/busybox "$root/bin/busybox"
  for a in sh ls cat env; do ln -s busybox "$root/bin/$a"; done
  cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
  for lib in libc.so.6 libm.so.6 libgcc_s.so.1 libdl.so.2 libpthread.so.0 librt.so.1; do
    cp -L "/lib/x86_64-linux-gnu/$lib" "$root/lib/x86_64-linux-gnu/"
  done
  cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
  tar -C "$root" -c . | podman import -q - "$BASE_IMAGE" >"$(log_file podman-import)" 2>&1 ||
    { show_log_tail "$(log_file podman-import)"; rm -rf "$root"; step_fail "podman import failed"; }
  rm -rf "$root"
  step_ok "$(podman image inspect --format '{{.Size}}' "$BASE_IMAGE" | awk '{ printf "%.1f MB", $1 / 1e6 }')"
}

start_service() {
  if bg_running podman && port_socket_ok; then
    step_skip "running ($PODMAN_SOCK)"
    return
  fi
  rm -f "$PODMAN_SOCK"
  bg_start podman podman system service --time=0 "unix://$PODMAN_SOCK"
  wait_until 30 podman port_socket_ok || { show_log_tail "$(log_file podman)"; step_fail "the podman API did not come up"; }
  step_ok "$PODMAN_SOCK"
}

port_socket_ok() {
  [[ -S $PODMAN_SOCK ]] && curl -fsS --max-time 2 --unix-socket "$PODMAN_SOCK" http://d/_ping >/dev/null 2>&1
}

cmd_setup() {
  steps_init 4
  step "Writing .local/podman configuration"; write_podman_config; step_ok
  step "Installing podman, runc, busybox-static"; install_packages
  step "Making the base image $BASE_IMAGE"; make_base_image
  step "Starting the podman API service"; start_service
}

cmd_stop() {
  bg_stop sam-forward 5
  bg_stop podman
  rm -f "$PODMAN_SOCK"
  # The overlay driver leaves its storage mounted; unmounted, .local/ can be deleted.
  if mountpoint -q "$PODMAN_DIR/storage/overlay" 2>/dev/null; then umount "$PODMAN_DIR/storage/overlay" 2>/dev/null || true; fi
}

# ----------------------------------------------------------------------------- functions

# logical_id NAME - the template's logical id of a function given by name (its Binary) or logical id.
logical_id() {
  awk -v want="$1" '
    /^  [A-Za-z0-9]+:$/ { id = substr($1, 1, length($1) - 1) }
    id == want && /Type: AWS::Serverless::Function/ { print id; exit }
    /^        Binary: / && $2 == want { print id; exit }
  ' "$ROOT_DIR/template.yaml"
}

# binary_name LOGICAL_ID - the function's name (events/<name>.json).
binary_name() {
  awk -v want="$1" '
    /^  [A-Za-z0-9]+:$/ { id = substr($1, 1, length($1) - 1) }
    id == want && /^        Binary: / { print $2; exit }
  ' "$ROOT_DIR/template.yaml"
}

resolve() {
  local id
  id="$(logical_id "$1")"
  [[ -n $id ]] || die "no function '$1' in template.yaml (use its name, e.g. api-health, or its logical id)"
  echo "$id"
}

# build_dir LOGICAL_ID - the build that holds this function: its own, else the whole template's.
build_dir_of() {
  local name="$1"
  if [[ -f $SAM_DIR/build/$name/template.yaml ]]; then
    echo "$SAM_DIR/build/$name"
  elif [[ -f $SAM_DIR/build/all/template.yaml ]]; then
    echo "$SAM_DIR/build/all"
  fi
}

sam_build() { # sam_build BUILD_DIR [LOGICAL_ID]
  local dir="$1" t
  shift
  t="$(now)"
  mkdir -p "$dir"
  log "== sam build ${1:-(whole template)} -> ${dir#"$ROOT_DIR"/} (mode: ${SAM_BUILD_MODE:-release})"
  (cd "$ROOT_DIR" && "$SAM" build "$@" --template template.yaml --build-dir "$dir" --cache-dir "$SAM_DIR/cache") \
    >"$(log_file "sam-build")" 2>&1 || { show_log_tail "$(log_file sam-build)" 40; die "sam build failed"; }
  log "   built in $(elapsed_since "$t")"
}

cmd_build() {
  [[ -x $SAM ]] || bash "$LOCALSTACK_DIR/install.sh"
  if (($# == 0)); then
    sam_build "$SAM_DIR/build/all"
    return
  fi
  local fn id
  for fn in "$@"; do
    id="$(resolve "$fn")"
    sam_build "$SAM_DIR/build/$(binary_name "$id")" "$id"
  done
}

# The address containers reach the host at: the gateway of podman's default bridge.
bridge_gateway() {
  podman network inspect podman --format '{{range .Subnets}}{{.Gateway}}{{end}}' 2>/dev/null | head -n 1
}

# Containers cannot reach 127.0.0.1 of the host; host-forward.py relays the local cloud's ports
# from the bridge gateway to 127.0.0.1, and the settings below name the gateway instead.
start_forwarder() { # start_forwarder GATEWAY PORT...
  local gateway="$1" want
  shift
  want="$gateway $*"
  if bg_running sam-forward && [[ $(cat "$RUN_DIR/sam-forward.ports" 2>/dev/null) == "$want" ]]; then
    return
  fi
  bg_stop sam-forward 5 2>/dev/null || true
  bg_start sam-forward "$LOCAL_DIR/venv-sam/bin/python" "$LOCALSTACK_DIR/host-forward.py" "$gateway" "$@"
  echo "$want" >"$RUN_DIR/sam-forward.ports"
  wait_until 10 sam-forward grep -q '^forwarding' "$(log_file sam-forward)" ||
    { show_log_tail "$(log_file sam-forward)"; die "host-forward.py did not start"; }
}

# SAM's --env-vars and --parameter-overrides from the stack, as a container reaches the host; the
# relay forwards the loopback ports the functions use.
write_invoke_settings() {
  [[ -f $LOCAL_DIR/stack.env ]] || die "no .local/stack.env: start the local cloud first (bash localstack/run.sh or up.sh)"
  set -a
  # shellcheck disable=SC1091
  source "$LOCAL_DIR/stack.env"
  set +a
  local gateway ports
  gateway="$(bridge_gateway)"
  [[ -n $gateway ]] || die "cannot read the gateway of podman's network 'podman' (podman network inspect podman)"
  load_config --recorded
  # shellcheck source=localstack/components.sh
  source "$LOCALSTACK_DIR/components.sh"
  ports="$(local_cloud sam --host-address "$gateway" --env-vars "$SAM_DIR/env-vars.json" \
    --parameter-overrides "$SAM_DIR/parameter-overrides.txt")" || die "local-cloud sam failed"
  # shellcheck disable=SC2086
  start_forwarder "$gateway" $ports
  mapfile -t PARAMETER_OVERRIDES <"$SAM_DIR/parameter-overrides.txt"
}

# invoke NAME_OR_ID [EVENT_FILE] - prints the function's answer on stdout, its logs on stderr.
cmd_invoke() {
  (($# >= 1)) || usage 1
  local id name event dir
  id="$(resolve "$1")"
  name="$(binary_name "$id")"
  event="${2:-$ROOT_DIR/events/$name.json}"
  [[ -f $event ]] || die "no event file $event"
  port_socket_ok || cmd_setup >&2
  dir="$(build_dir_of "$name")"
  if [[ -z $dir ]]; then
    cmd_build "$name" >&2
    dir="$SAM_DIR/build/$name"
  fi
  mkdir -p "$SAM_DIR"
  write_invoke_settings
  (cd "$ROOT_DIR" && "$SAM" local invoke "$id" \
    --template "$dir/template.yaml" \
    --event "$event" \
    --env-vars "$SAM_DIR/env-vars.json" \
    --parameter-overrides "${PARAMETER_OVERRIDES[@]}" \
    --skip-pull-image \
    --region "${AWS_REGION:-us-east-1}")
}

# ----------------------------------------------------------------------------- check (CI)

# expect_json WHAT JSON PYTHON_CONDITION - the condition sees the answer as `r`.
expect_json() {
  local what="$1" answer="$2" cond="$3"
  if "$LOCAL_DIR/venv-sam/bin/python" -c '
import json, sys
r = json.loads(sys.argv[1])
sys.exit(0 if eval(sys.argv[2]) else 1)' "$answer" "$cond" 2>/dev/null; then
    log "   ok: $what"
  else
    log "   FAILED: $what"
    log "   answer: $answer"
    CHECK_FAILED=1
  fi
}

# The last line of stdout that is a JSON object: SAM prints the function's answer last.
answer_of() { grep -E '^\{' "$1" | tail -n 1; }

cmd_check() {
  local t0 out
  t0="$(now)"
  CHECK_FAILED=0
  cmd_setup
  # One HTTP function that talks to PostgreSQL and DynamoDB, one SQS consumer that writes to
  # MongoDB: together they cover the build, the image, the host network and every kind of setting.
  cmd_build api-health user-audit
  out="$SAM_DIR/check.out"

  log "== sam local invoke ApiHealthFunction -e events/api-health.json"
  cmd_invoke api-health >"$out" 2>"$(log_file sam-invoke)" || true
  expect_json "GET /api/health answers 200 with PostgreSQL and DynamoDB up" "$(answer_of "$out")" \
    'r["statusCode"] == 200 and json.loads(r["body"])["checks"]["postgres"]["status"] == "up" and json.loads(r["body"])["checks"]["dynamodb"]["status"] == "up"'

  log "== sam local invoke UserAuditFunction -e events/user-audit.json"
  cmd_invoke user-audit >"$out" 2>>"$(log_file sam-invoke)" || true
  expect_json "both user events are stored (no batch item failures)" "$(answer_of "$out")" \
    'r == {"batchItemFailures": []}'

  # A poison message next to a good one: only the poison one is reported, so SQS retries and then
  # dead-letters it while the good one is deleted.
  "$LOCAL_DIR/venv-sam/bin/python" - "$ROOT_DIR/events/user-audit.json" >"$SAM_DIR/poison.json" <<'PY'
import json, sys
event = json.load(open(sys.argv[1]))
event["Records"][1]["messageId"] = "poison-0000"
event["Records"][1]["body"] = "{not json"
print(json.dumps(event))
PY
  log "== sam local invoke UserAuditFunction -e <one good record, one poison record>"
  cmd_invoke user-audit "$SAM_DIR/poison.json" >"$out" 2>>"$(log_file sam-invoke)" || true
  expect_json "only the poison record is reported" "$(answer_of "$out")" \
    'r == {"batchItemFailures": [{"itemIdentifier": "poison-0000"}]}'

  # The relay listens on the bridge address with the local cloud's ports; SeaweedFS refuses to
  # start again (a fault test, ctl.sh restart) while any address holds its port.
  bg_stop sam-forward 5

  if ((CHECK_FAILED)); then
    show_log_tail "$(log_file sam-invoke)" 40
    log "sam-local check: FAILED in $(elapsed_since "$t0")"
    return 1
  fi
  log "sam-local check: passed in $(elapsed_since "$t0")"
}

case "${1:-}" in
  setup) cmd_setup ;;
  build) shift; cmd_build "$@" ;;
  invoke) shift; cmd_invoke "$@" ;;
  check) cmd_check ;;
  stop) cmd_stop ;;
  -h | --help | help) usage 0 ;;
  *) usage 1 ;;
esac
