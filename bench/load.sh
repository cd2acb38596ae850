#!/usr/bin/env bash
# Load test through the local HTTP API (local-cloud serve, the functions' debug binaries) with
# wrk on 127.0.0.1: the main read and write routes, one after the other, each for SECONDS with
# CONNECTIONS connections. Fails on any error: a socket error, a timeout or a non-2xx answer. For
# the write route it also checks that nothing accepted was lost: the tenant's row count grows by
# exactly the number of 2xx answers (plus at most one request per connection that wrk cut off at
# the end, whose answer it never counted).
#
#   bash localstack/up.sh                          # the local cloud must be up
#   bash bench/load.sh [seconds=10] [connections=8]
#
# Prints a markdown table (route, requests, req/s, p50, p99, max, errors) and writes the raw
# figures to .local/bench/load.jsonl.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SECONDS_PER_ROUTE="${1:-10}"
CONNECTIONS="${2:-8}"
OUT=.local/bench
mkdir -p "$OUT"
RESULTS="$OUT/load.jsonl"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if ! command -v wrk >/dev/null; then
  echo "Installing wrk (Debian package) ..." >&2
  if ((EUID == 0)); then apt-get install -y -qq wrk >/dev/null; else sudo apt-get install -y -qq wrk >/dev/null; fi
fi

bench_caller load

# One Lua script per route: the request, and a `done` hook that prints wrk's figures as JSON.
write_script() { # name method body
  local name="$1" method="$2" body="$3"
  cat >"$WORK/$name.lua" <<LUA
wrk.method = "$method"
wrk.headers["authorization"] = "Bearer $TOKEN"
wrk.headers["x-tenant-id"] = "$TENANT"
wrk.headers["content-type"] = "application/json"
wrk.body = [[$body]]
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
LUA
}

count_rows() {
  psql -X -At -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DATABASE" \
    -c "SELECT count(*) FROM tenant_${TENANT//-/_}.records" 2>/dev/null || echo "?"
}

# route label | method | path | body | the check after it
ROUTES=(
  "GET /api/data?limit=20|GET|/api/data?limit=20|"
  "POST /api/data|POST|/api/data|{\"data\":{\"title\":\"load\",\"tags\":[\"a\",\"b\"],\"n\":42}}"
  "GET /profile|GET|/profile|"
  "GET /last-connection|GET|/last-connection?username=$USERNAME|"
  "GET /images?limit=20|GET|/images?limit=20|"
)

# Warm every function once so that the first seconds do not measure cold starts.
for route in "${ROUTES[@]}"; do
  IFS='|' read -r _ method path body <<<"$route"
  curl -s -o /dev/null -X "$method" "$GATEWAY_URL$path" -H "authorization: Bearer $TOKEN" \
    -H "x-tenant-id: $TENANT" -H 'content-type: application/json' ${body:+-d "$body"} || true
done

: >"$RESULTS"
failed=0
i=0
for route in "${ROUTES[@]}"; do
  IFS='|' read -r label method path body <<<"$route"
  i=$((i + 1))
  write_script "r$i" "$method" "$body"
  before="$(count_rows)"
  line="$(wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_ROUTE}s" --timeout 10s -s "$WORK/r$i.lua" "$GATEWAY_URL$path" | grep '^{' | tail -n1)"
  after="$(count_rows)"
  python3 - "$label" "$line" "$before" "$after" "$CONNECTIONS" "$method" >>"$RESULTS" <<'PY'
import json, sys
label, line, before, after, connections, method = sys.argv[1:]
r = json.loads(line)
r["route"] = label
r["errors"] = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
r["perSecond"] = r["requests"] / (r["durationUs"] / 1e6)
if method == "POST":
    accepted = r["requests"] - r["status"]
    grown = int(after) - int(before)
    r["accepted"], r["stored"] = accepted, grown
    # wrk stops with requests in flight: they may be stored without their answer being counted.
    r["lost"] = max(0, accepted - grown)
    r["unaccounted"] = grown - accepted > int(connections)
print(json.dumps(r))
PY
  tail -n1 "$RESULTS" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
sys.exit(1 if r["errors"] or r.get("lost") or r.get("unaccounted") else 0)' || failed=1
done

python3 - "$RESULTS" "$SECONDS_PER_ROUTE" "$CONNECTIONS" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(f"\n{sys.argv[2]} s per route, {sys.argv[3]} connections, wrk on 127.0.0.1 through the local gateway\n")
print("| route | requests | req/s | p50 | p99 | max | errors | writes stored |")
print("|---|---:|---:|---:|---:|---:|---:|---|")
for r in rows:
    stored = f"{r['stored']} of {r['accepted']} accepted" if "stored" in r else ""
    print(f"| `{r['route']}` | {r['requests']} | {r['perSecond']:.0f} | {r['p50Us']/1000:.1f} ms | {r['p99Us']/1000:.1f} ms | "
          f"{r['maxUs']/1000:.1f} ms | {r['errors']} | {stored} |")
PY
if ((failed)); then echo "load.sh: FAILED (errors or lost writes above)" >&2; exit 1; fi
echo "load.sh: passed (no errors, no lost writes)" >&2
