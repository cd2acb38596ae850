#!/usr/bin/env bash
# Benchmark of the tenant data functions through the local Runtime API (fn-bench), against the
# local cloud: a tenant and a member are created, the member logs in through the gateway, and
# GET /api/data (20 records a page) and POST /api/data are sent with that token. Each warm request
# does the whole access check: token from the memory cache, tenant config from the memory cache,
# one atomic rate-counter update in DynamoDB, then the query on the tenant's own pool.
#
#   bash localstack/up.sh                      # the local cloud must be up
#   bash bench/tenants.sh [profile=release|dev]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PROFILE="${1:-release}"

RELEASE=()
[[ $PROFILE == release ]] && RELEASE=(--release)
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

bench_caller bench

python3 - "$WORK" "$TOKEN" "$TENANT" <<'PY'
import json, sys
work, token, tenant = sys.argv[1:]
for name, out in (("tenant-data-get", "get"), ("tenant-data-create", "create")):
    event = json.load(open(f"events/{name}.json"))
    event["headers"]["authorization"] = f"Bearer {token}"
    event["headers"]["x-tenant-id"] = tenant
    if out == "get":
        event["rawQueryString"] = "limit=20"
        event["queryStringParameters"] = {"limit": "20"}
    else:
        event["body"] = json.dumps({"data": {"title": "benchmark", "tags": ["a", "b"], "n": 42}})
    json.dump(event, open(f"{work}/{out}.json", "w"))
PY

cargo build --release -q -p runtime-api --bin fn-bench
BENCH=target/release/fn-bench
echo "== $PROFILE build, tenant $TENANT" >&2
"$BENCH" tenant-data-create "${RELEASE[@]}" --event "$WORK/create.json" --requests 300 --warmup 20 | tee "$WORK/r.jsonl" >/dev/null
"$BENCH" tenant-data-get "${RELEASE[@]}" --event "$WORK/get.json" --requests 300 --warmup 20 | tee -a "$WORK/r.jsonl" >/dev/null
echo >&2
python3 - "$WORK/r.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| function | request | init p50 | warm p50 | warm p99 | max | req/s | statuses | peak RSS |")
print("|---|---|---:|---:|---:|---:|---:|---|---:|")
for label, r in zip(["POST /api/data", "GET /api/data?limit=20"], rows):
    print(f"| {r['function']} | `{label}` | {r['initMsP50']:.1f} ms | {r['warmMsP50']:.2f} ms | {r['warmMsP99']:.2f} ms | "
          f"{r['warmMsMax']:.2f} ms | {r['perSecond']:.0f} | {r['statuses']} | {r['peakRssMiB']:.1f} MiB |")
PY
