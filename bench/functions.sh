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
# STARTS (20), REQUESTS (200; 10 for the PBKDF2 functions) tune a run; SKIP_BUILD=1 measures the
# binaries already in target/lambda/<name>/ (e.g. from `bash localstack/sam-local.sh build`) instead
# of building them, zipping them the way cargo-lambda does.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export PATH="$PWD/.local/venv-tools/bin:$PATH" # cargo-lambda, zig

STARTS="${STARTS:-20}"
REQUESTS="${REQUESTS:-200}"
OUT=.local/bench
mkdir -p "$OUT"
RESULTS="$OUT/functions.jsonl"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if (($# > 0)); then FUNCTIONS=("$@"); else mapfile -t FUNCTIONS < <(ls functions); fi

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

cargo build --release -q -p runtime-api --bin fn-bench
BENCH=target/release/fn-bench
: >"$RESULTS.tmp"

for fn in "${FUNCTIONS[@]}"; do
  zip="target/lambda/$fn/bootstrap.zip"
  if [[ ${SKIP_BUILD:-0} == 1 && -x target/lambda/$fn/bootstrap ]]; then
    # The binary a earlier cargo-lambda build left (e.g. sam-local.sh build), zipped as cargo-lambda does.
    python3 -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
    info = zipfile.ZipInfo("bootstrap"); info.external_attr = 0o755 << 16; info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, open(sys.argv[1], "rb").read())' "target/lambda/$fn/bootstrap" "$zip"
  else
    t0=$SECONDS
    (cd "functions/$fn" && cargo lambda build --release --target x86_64-unknown-linux-gnu.2.26 --output-format zip -q) >&2
    echo "$fn: built in $((SECONDS - t0)) s" >&2
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

python3 bench/functions_table.py "$RESULTS" docs/performance.md
echo "table written to docs/performance.md ($(wc -l <"$RESULTS") functions)" >&2
