# shellcheck shell=bash
# Helpers sourced by the localstack/*.sh scripts: paths, step logging, port waits and
# background processes with pid files. Nothing here starts anything by itself.
#
# Conventions
#   - everything the project installs or writes at run time lives in $LOCAL_DIR (.local/, gitignored)
#   - a background process <name> has its pid in .local/run/<name>.pid and its log in .local/logs/<name>.log;
#     it runs in its own session/process group, so stopping it stops its children too
#   - every server listens on 127.0.0.1 only

LOCALSTACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(cd "$LOCALSTACK_DIR/.." && pwd)"
LOCAL_DIR="$ROOT_DIR/.local"
RUN_DIR="$LOCAL_DIR/run"
LOG_DIR="$LOCAL_DIR/logs"
export ROOT_DIR LOCAL_DIR

# cargo-lambda and zig (python -m ziglang, for sam build), weed, moto_server, secantusd-py live here.
case ":$PATH:" in
  *":$LOCAL_DIR/venv-tools/bin:"*) ;;
  *) export PATH="$LOCAL_DIR/venv-tools/bin:$PATH" ;;
esac

mkdir -p "$RUN_DIR" "$LOG_DIR"

# ---------------------------------------------------------------------------------------------
# Settings (environment overrides; up.sh records the effective values in .local/run/config.env
# and ctl.sh / down.sh read them back with `load_config --recorded`, so they act on what up.sh started).

load_config() {
  if [[ ${1:-} == --recorded && -f "$RUN_DIR/config.env" ]]; then
    # Exported: the local-cloud processes started from here read them.
    set -a
    # shellcheck disable=SC1091
    source "$RUN_DIR/config.env"
    set +a
  fi
  LOCAL_AWS="${LOCAL_AWS:-localstack}"
  LOCAL_PG_PORT="${LOCAL_PG_PORT:-55432}"
  LOCAL_MONGO_PORT="${LOCAL_MONGO_PORT:-27017}"
  LOCAL_S3_PORT="${LOCAL_S3_PORT:-8333}"
  LOCAL_LOCALSTACK_PORT="${LOCAL_LOCALSTACK_PORT:-4566}"
  LOCAL_DYNAMODB_PORT="${LOCAL_DYNAMODB_PORT:-8000}"
  LOCAL_MOTO_PORT="${LOCAL_MOTO_PORT:-5000}"
  LOCAL_GATEWAY_PORT="${LOCAL_GATEWAY_PORT:-9000}"
  LOCAL_INVOKE_PORT="${LOCAL_INVOKE_PORT:-9001}"
  LOCAL_PG_MODE="${LOCAL_PG_MODE:-}"
  # Local speed-ups (docs/local-cloud.md); empty = as the template says.
  LOCAL_QUEUE_VISIBILITY_TIMEOUT="${LOCAL_QUEUE_VISIBILITY_TIMEOUT:-}"
  LOCAL_SCHEDULE_RATE_SECONDS="${LOCAL_SCHEDULE_RATE_SECONDS:-}"
  LOCAL_SERVERS="${LOCAL_SERVERS:-local}"
  case "$LOCAL_SERVERS" in
    local|external) ;;
    *) die "LOCAL_SERVERS must be 'local' or 'external' (got '$LOCAL_SERVERS')" ;;
  esac
  case "$LOCAL_AWS" in
    localstack|moto) ;;
    *) die "LOCAL_AWS must be 'localstack' or 'moto' (got '$LOCAL_AWS')" ;;
  esac
  # Where the emulator serves; localstack/parameters.toml reads these.
  if [[ $LOCAL_AWS == moto ]]; then
    LOCAL_AWS_ENDPOINT_URL="http://127.0.0.1:$LOCAL_MOTO_PORT"
    LOCAL_DYNAMODB_ENDPOINT_URL="http://127.0.0.1:$LOCAL_MOTO_PORT"
  else
    LOCAL_AWS_ENDPOINT_URL="http://127.0.0.1:$LOCAL_LOCALSTACK_PORT"
    LOCAL_DYNAMODB_ENDPOINT_URL="http://127.0.0.1:$LOCAL_DYNAMODB_PORT"
  fi
  export LOCAL_AWS LOCAL_AWS_ENDPOINT_URL LOCAL_DYNAMODB_ENDPOINT_URL LOCAL_GATEWAY_PORT LOCAL_INVOKE_PORT \
    LOCAL_MONGO_PORT LOCAL_S3_PORT LOCAL_QUEUE_VISIBILITY_TIMEOUT LOCAL_SCHEDULE_RATE_SECONDS
}

save_config() {
  local f="$RUN_DIR/config.env"
  {
    echo "# written by localstack/up.sh: the settings the running stack was started with"
    local v
    # LOCAL_PG_*: the stack's PostgreSQL (the project-local cluster or PG_HOST/PG_PORT's), and
    # the endpoints: what localstack/parameters.toml expands (tools/local-cloud reads this file too).
    for v in LOCAL_AWS LOCAL_PG_PORT LOCAL_MONGO_PORT LOCAL_S3_PORT LOCAL_LOCALSTACK_PORT \
             LOCAL_DYNAMODB_PORT LOCAL_MOTO_PORT LOCAL_GATEWAY_PORT LOCAL_INVOKE_PORT LOCAL_PG_MODE LOCAL_SERVERS \
             LOCAL_PG_HOST LOCAL_PG_USER LOCAL_PG_PASSWORD LOCAL_PG_DATABASE \
             LOCAL_AWS_ENDPOINT_URL LOCAL_DYNAMODB_ENDPOINT_URL LOCAL_QUEUE_VISIBILITY_TIMEOUT LOCAL_SCHEDULE_RATE_SECONDS; do
      printf '%s=%q\n' "$v" "${!v:-}"
    done
  } >"$f.tmp"
  mv "$f.tmp" "$f"
}

# ---------------------------------------------------------------------------------------------
# Output

if [[ -t 1 && -z "${NO_COLOR:-}" ]]; then
  C_OK=$'\e[32m' C_WARN=$'\e[33m' C_ERR=$'\e[31m' C_DIM=$'\e[2m' C_OFF=$'\e[0m'
else
  C_OK='' C_WARN='' C_ERR='' C_DIM='' C_OFF=''
fi

log()  { printf '%s\n' "$*"; }
warn() { printf '%swarning:%s %s\n' "$C_WARN" "$C_OFF" "$*" >&2; }
die()  { printf '%serror:%s %s\n' "$C_ERR" "$C_OFF" "$*" >&2; exit 1; }

now() { date +%s.%N; }
elapsed_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# Numbered steps: steps_init 9; step "Starting X on 127.0.0.1:1" ; ...work... ; step_ok | step_skip "why" | step_fail "why"
STEP_I=0
STEP_N=0
STEP_T0=0
STEP_OPEN=0
steps_init() { STEP_I=0; STEP_N="$1"; }
step() {
  STEP_I=$((STEP_I + 1))
  STEP_T0="$(now)"
  STEP_OPEN=1
  printf '[%d/%d] %s ... ' "$STEP_I" "$STEP_N" "$*"
}
# Use instead of now() as the step's start when the work began earlier (parallel launches).
step_started_at() { STEP_T0="$1"; }
step_ok()   { printf '%sok%s (%s)%s\n' "$C_OK" "$C_OFF" "$(elapsed_since "$STEP_T0")" "${1:+ $1}"; STEP_OPEN=0; }
step_skip() { printf '%s%s%s\n' "$C_DIM" "$*" "$C_OFF"; STEP_OPEN=0; }
step_fail() { printf '%sFAILED%s (%s)\n' "$C_ERR" "$C_OFF" "$(elapsed_since "$STEP_T0")"; STEP_OPEN=0; [[ $# -gt 0 ]] && die "$*"; exit 1; }
# Print something in the middle of a step without breaking the line layout.
step_note() { if [[ $STEP_OPEN == 1 ]]; then printf '\n'; STEP_OPEN=0; fi; printf '      %s\n' "$*"; }

# Show the end of a log file (on failures).
show_log_tail() {
  local f="$1" n="${2:-25}"
  [[ -s "$f" ]] || return 0
  printf '%s--- last %d lines of %s ---%s\n' "$C_DIM" "$n" "${f#"$ROOT_DIR"/}" "$C_OFF" >&2
  tail -n "$n" "$f" >&2
  printf '%s---%s\n' "$C_DIM" "$C_OFF" >&2
}

# ---------------------------------------------------------------------------------------------
# Ports and HTTP

port_open() { # host port
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# wait_for_port HOST PORT TIMEOUT_S [NAME] - NAME: a background process whose death aborts the wait.
wait_for_port() {
  local host="$1" port="$2" timeout="${3:-60}" name="${4:-}"
  local deadline=$((SECONDS + timeout))
  while ! port_open "$host" "$port"; do
    if bg_died "$name"; then
      return 2
    fi
    if ((SECONDS >= deadline)); then
      return 1
    fi
    sleep 0.2
  done
}

# wait_until TIMEOUT_S NAME CMD... - retry CMD until it succeeds; NAME as for wait_for_port.
wait_until() {
  local timeout="$1" name="$2"
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if bg_died "$name"; then
      return 2
    fi
    if ((SECONDS >= deadline)); then
      return 1
    fi
    sleep 0.3
  done
}

# The pid of the process listening on a TCP port (empty when none / not visible).
port_owner() {
  ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n1
}

# ---------------------------------------------------------------------------------------------
# Background processes

pid_file() { printf '%s/%s.pid' "$RUN_DIR" "$1"; }
log_file() { printf '%s/%s.log' "$LOG_DIR" "$1"; }

bg_pid() {
  local f
  f="$(pid_file "$1")"
  [[ -s "$f" ]] && cat "$f"
}

# True when the process recorded in .local/run/<name>.pid is alive.
bg_running() {
  local pid
  pid="$(bg_pid "$1")" || return 1
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

# True when NAME was started by us (pid file) and is gone. Unknown names (empty, or a server
# provided externally) never count as dead.
bg_died() {
  [[ -n ${1:-} && -f "$(pid_file "$1")" ]] && ! bg_running "$1"
}

# bg_start NAME CMD... - start CMD in its own session (setsid: pid == process group id),
# stdin from /dev/null, stdout+stderr appended to .local/logs/NAME.log, pid in .local/run/NAME.pid.
# Environment: pass it with `env VAR=value CMD...`.
bg_start() {
  local name="$1"
  shift
  local log
  log="$(log_file "$name")"
  printf '\n===== %s starting: %s\n' "$(date -Is)" "$*" >>"$log"
  # A non-interactive shell's background job is not a group leader, so setsid does not fork
  # and $! is the pid of the new session leader.
  # fd 9 is the stack lock (take_lock): a daemon must not keep holding it.
  setsid "$@" </dev/null >>"$log" 2>&1 9>&- &
  echo "$!" >"$(pid_file "$name")"
}

# All descendants of a pid (children first, grandchildren after).
descendants() {
  local kids k
  kids="$(ps -o pid= --ppid "$1" 2>/dev/null)" || true
  for k in $kids; do
    echo "$k"
    descendants "$k"
  done
}

# bg_stop NAME [TIMEOUT_S] - TERM the process group (and any descendant that left it), then KILL.
bg_stop() {
  local name="$1" timeout="${2:-15}"
  local pid pids p
  pid="$(bg_pid "$name")" || { rm -f "$(pid_file "$name")"; return 0; }
  if ! kill -0 "$pid" 2>/dev/null; then
    rm -f "$(pid_file "$name")"
    return 0
  fi
  pids="$pid $(descendants "$pid" | tr '\n' ' ')"
  kill -TERM -- "-$pid" 2>/dev/null || true
  for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    local alive=0
    for p in $pids; do
      if kill -0 "$p" 2>/dev/null && [[ "$(ps -o stat= -p "$p" 2>/dev/null)" != Z* ]]; then alive=1; fi
    done
    ((alive)) || break
    sleep 0.2
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
  rm -f "$(pid_file "$name")"
  printf '===== %s stopped\n' "$(date -Is)" >>"$(log_file "$name")"
}

# Resident memory of a process and all its descendants, in MB.
pid_tree_rss_mb() {
  local p total=0 r
  [[ -n ${1:-} ]] || { echo "-"; return; }
  for p in $1 $(descendants "$1"); do
    r="$(ps -o rss= -p "$p" 2>/dev/null | tr -d ' ')"
    total=$((total + ${r:-0}))
  done
  echo "$((total / 1024))"
}
bg_rss_mb() { pid_tree_rss_mb "$(bg_pid "$1")"; }

# ---------------------------------------------------------------------------------------------
# Misc

# Highest PostgreSQL server version installed from Debian packages.
pg_bindir() {
  local d
  d="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
  [[ -x "$d/initdb" ]] && echo "$d"
}

# Run a command as the owner of the project-local PostgreSQL cluster: as root, the `postgres`
# user (PostgreSQL refuses to run as root); otherwise the current user.
as_pg_user() {
  if [[ $EUID -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Bin targets of the workspace (one name per line); fails if the workspace does not resolve.
workspace_bins() {
  local meta
  meta="$(cd "$ROOT_DIR" && cargo metadata --no-deps --format-version 1 2>/dev/null)" || return 1
  python3 -c 'import json, sys
for p in json.load(sys.stdin)["packages"]:
    for t in p["targets"]:
        if "bin" in t["kind"]:
            print(t["name"])' <<<"$meta"
}

# True when any function crate exists yet (functions/*/Cargo.toml).
have_function_crates() {
  compgen -G "$ROOT_DIR/functions/*/Cargo.toml" >/dev/null
}

# Serialise up/down/ctl so two of them never race on the same pid files.
take_lock() {
  exec 9>"$RUN_DIR/stack.lock"
  if ! flock -w "${1:-600}" 9; then
    die "another localstack/*.sh run holds $RUN_DIR/stack.lock"
  fi
}
