#!/usr/bin/env bash
# Every function's cold start, package size, warm latency and memory, as a table in
# docs/performance.md (between the functions-table markers).
#
#   bash localstack/up.sh                          # the local cloud: the functions' dependencies
#   bash bench/functions.sh [function ...]         # every function by default
#
# For each function:
#   package  `cargo lambda build --release --output-format zip` in functions/<name>/, as sam build
#            builds it (the crate's own features, glibc 2.26 via zig): zip and binary size;
#   init     median time from process start to the first Runtime API `next`, over STARTS cold starts
#            against a minimal local Runtime API (fn-bench): what the function itself adds to a cold start;
#   warm     p50/p99 and throughput of REQUESTS invocations with its events/<name>.json against the
#            local cloud, one after another in one process as Lambda sends them; bearer tokens are
#            replaced by a real one (a bench user of a bench tenant), except in the logout events;
#   memory   peak RSS (VmHWM) of that warm process.
# STARTS (20), REQUESTS (200; 10 for the PBKDF2 functions) tune a run; BUILD_JOBS (2) builds that many
# packages at once; SKIP_BUILD=1 measures the packages already in target/lambda/<name>/ (a binary
# without its zip, e.g. from `bash localstack/sam-local.sh build`, is zipped as cargo-lambda does);
# SKIP_BUILD=auto builds only the functions that have no package there yet.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export PATH="$PWD/.local/venv-tools/bin:$PATH" # cargo-lambda, zig

STARTS="${STARTS:-20}"
REQUESTS="${REQUESTS:-200}"
TABLE="${TABLE:-docs/performance.md}"
OUT=.local/bench
mkdir -p "$OUT"
RESULTS="$OUT/functions.jsonl"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if (($# > 0)); then FUNCTIONS=("$@"); else mapfile -t FUNCTIONS < <(ls functions); fi

cargo build --release -q -p runtime-api --bin fn-bench
BENCH=target/release/fn-bench
: >"$RESULTS.tmp"

# ---- packages: built first, in BUILD_JOBS lanes (default 2) of their own target directories, since
# one fat-LTO link (codegen-units = 1) keeps one core busy and cargo locks a target directory.
# Functions with the same `shared` features go to the same lane: that feature set of `shared` is
# then compiled once, and each of its functions costs only its link.
build_lane() {
  local lane="$1"; shift
  local dir="$PWD/target/bench-lane-$lane"
  for fn in "$@"; do
    local t0=$SECONDS
    (cd "functions/$fn" && CARGO_TARGET_DIR="$dir" cargo lambda build --release --target x86_64-unknown-linux-gnu.2.26 --output-format zip -q) >&2
    mkdir -p "target/lambda/$fn" && cp "$dir/lambda/$fn/bootstrap.zip" "target/lambda/$fn/bootstrap.zip"
    echo "$fn: built in $((SECONDS - t0)) s (lane $lane)" >&2
  done
}
TO_BUILD=()
for fn in "${FUNCTIONS[@]}"; do
  case "${SKIP_BUILD:-0}" in
    1) ;;
    auto) [[ -f target/lambda/$fn/bootstrap.zip ]] || TO_BUILD+=("$fn") ;;
    *) TO_BUILD+=("$fn") ;;
  esac
done
if ((${#TO_BUILD[@]} > 0)); then
  BUILD_JOBS="${BUILD_JOBS:-2}"
  build_t0=$SECONDS
  pids=()
  mapfile -t LANES < <(python3 - "$BUILD_JOBS" "${TO_BUILD[@]}" <<'PY'
import re, sys
jobs, functions = int(sys.argv[1]), sys.argv[2:]
groups = {}
for name in functions:
    manifest = open(f"functions/{name}/Cargo.toml").read()
    features = re.search(r'^shared\s*=.*$', manifest, re.M)
    groups.setdefault(features.group(0) if features else "", []).append(name)
# Largest groups first, each to the lane with the least work (a link per function, plus one
# compile of `shared` per feature set, counted as one more link).
lanes = [[] for _ in range(jobs)]
cost = [0] * jobs
for group in sorted(groups.values(), key=len, reverse=True):
    lane = cost.index(min(cost))
    lanes[lane] += group
    cost[lane] += len(group) + 1
for lane in lanes:
    print(" ".join(lane))
PY
)
  for ((lane = 0; lane < ${#LANES[@]}; lane++)); do
    read -r -a lane_functions <<<"${LANES[lane]}"
    ((${#lane_functions[@]} == 0)) || { build_lane "$lane" "${lane_functions[@]}" & pids+=($!); }
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  echo "built ${#TO_BUILD[@]} packages in $((SECONDS - build_t0)) s ($BUILD_JOBS lanes)" >&2
fi

# After the build: the token is fresh for the whole measurement (JWT_TTL_SECONDS, 1 h by default).
# ---- a real caller: a tenant, a user of it, a token from the login route
bench_caller bench

python3 - "$WORK" "$TOKEN" "$TENANT" "${FUNCTIONS[@]}" <<'PY'
import json, sys
work, token, tenant, *functions = sys.argv[1:]
for name in functions:
    event = json.load(open(f"events/{name}.json"))
    headers = event.get("headers") or {}
    if not name.endswith("logout") and headers.get("authorization", "").startswith("Bearer "):
        headers["authorization"] = f"Bearer {token}"
    if "x-tenant-id" in headers:
        headers["x-tenant-id"] = tenant
    json.dump(event, open(f"{work}/{name}.json", "w"))
PY

for fn in "${FUNCTIONS[@]}"; do
  zip="target/lambda/$fn/bootstrap.zip"
  if [[ ! -f $zip ]]; then
    [[ -x target/lambda/$fn/bootstrap ]] || { echo "$fn: no package in target/lambda/$fn (run without SKIP_BUILD=1)" >&2; exit 1; }
    # The binary an earlier cargo-lambda build left (e.g. sam-local.sh build), zipped as cargo-lambda does.
    python3 -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
    info = zipfile.ZipInfo("bootstrap"); info.external_attr = 0o755 << 16; info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, open(sys.argv[1], "rb").read())' "target/lambda/$fn/bootstrap" "$zip"
  fi
  rm -rf "$WORK/$fn.bin" && mkdir -p "$WORK/$fn.bin"
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$zip" "$WORK/$fn.bin"
  chmod +x "$WORK/$fn.bin/bootstrap"
  n="$REQUESTS"
  case "$fn" in login | api-login | v1-auth-login | api-register | register-soap) n=10 ;; esac
  "$BENCH" "$fn" --binary "$WORK/$fn.bin/bootstrap" --event "$WORK/$fn.json" \
    --starts "$STARTS" --requests "$n" --warmup 5 --env RATE_LIMIT_MAX=100000000 --log "$OUT/$fn.log" |
    python3 -c '
import json, os, sys
r = json.loads(sys.stdin.read())
r["zipBytes"] = os.path.getsize(sys.argv[1])
print(json.dumps(r))' "$zip" >>"$RESULTS.tmp"
done
mv "$RESULTS.tmp" "$RESULTS"

# TABLE=none keeps the table as it is (e.g. a run over a few functions); the figures stay in $RESULTS.
if [[ $TABLE != none ]]; then
  python3 bench/functions_table.py "$RESULTS" "$TABLE"
  echo "table written to $TABLE ($(wc -l <"$RESULTS") functions)" >&2
else
  echo "figures in $RESULTS ($(wc -l <"$RESULTS") functions); table not written (TABLE=none)" >&2
fi
