#!/usr/bin/env bash
# Benchmark of GET /last-connection, warm, through the local cloud's HTTP API (local-cloud serve),
# against the local PostgreSQL and MongoDB. Reports p50/p99/max latency and the function's max RSS.
#
#   bash localstack/up.sh            # the local cloud must be up
#   bash bench/last-connection.sh [requests=500] [profile=release|dev]
#
# The release profile is served by a second `local-cloud serve --profile release` on 127.0.0.1:9100
# (Invoke API 9101, no event sources or schedules), so the numbers are those of the optimised binary
# that ships; the first build of it takes minutes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REQUESTS="${1:-500}"
PROFILE="${2:-release}"
[[ -f .local/stack.env ]] || { echo "run 'bash localstack/up.sh' first" >&2; exit 1; }
set -a; source .local/stack.env; set +a
export PATH="$PWD/.local/venv-tools/bin:$PATH"

PORT="$(sed -n 's|^GATEWAY_URL=http://127.0.0.1:||p' .local/stack.env)"
WATCH_PID=""
cleanup() { [[ -n $WATCH_PID ]] && kill "$WATCH_PID" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
if [[ $PROFILE == release ]]; then
  PORT=9100
  echo "building last-connection (release) ..."
  cargo build --release --bin last-connection >/dev/null 2>&1
  LOCAL_GATEWAY_PORT="$PORT" LOCAL_INVOKE_PORT=9101 target/debug/local-cloud serve --profile release \
    --no-event-sources --no-schedules >/tmp/bench-local-cloud.log 2>&1 &
  WATCH_PID=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.2; done
fi

# A user with a recorded session, made through the real routes.
USERNAME="bench-$(date +%s)"
curl -sf -X POST "$GATEWAY_URL/api/auth/register" -H 'content-type: application/json' \
  -d "{\"username\":\"$USERNAME\",\"email\":\"$USERNAME@example.com\",\"password\":\"correct horse battery staple\"}" >/dev/null
curl -sf -X POST "$GATEWAY_URL/login" -H 'content-type: application/json' \
  -d "{\"username\":\"$USERNAME\",\"password\":\"correct horse battery staple\"}" >/dev/null
for _ in $(seq 1 50); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/last-connection?username=$USERNAME") == 200 ]] && break
  sleep 0.2
done

python3 - "$PORT" "$USERNAME" "$REQUESTS" "$PROFILE" <<'PY'
import http.client, statistics, subprocess, sys, time
port, username, n, profile = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
def once():
    t = time.perf_counter()
    conn.request("GET", f"/last-connection?username={username}")
    r = conn.getresponse(); r.read()
    return (time.perf_counter() - t) * 1000, r.status
for _ in range(20):  # warm-up: connections in the pools, indexes ensured
    once()
lat, errors = [], 0
start = time.perf_counter()
for _ in range(n):
    ms, status = once()
    lat.append(ms)
    errors += status != 200
elapsed = time.perf_counter() - start
lat.sort()
pct = lambda p: lat[min(len(lat) - 1, int(round(p / 100 * len(lat))) - 1)]
pids = subprocess.run(["pgrep", "-f", f"target/{profile}/last-connection"], capture_output=True, text=True).stdout.split()
rss = []
for pid in pids:
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                rss.append(int(line.split()[1]) / 1024)
    except OSError:
        pass
print(f"GET /last-connection, {profile} build, {n} sequential warm requests through the Runtime API")
print(f"| p50 | p99 | max | mean | throughput | errors | function max RSS |")
print(f"|---:|---:|---:|---:|---:|---:|---:|")
print(f"| {pct(50):.2f} ms | {pct(99):.2f} ms | {lat[-1]:.2f} ms | {statistics.mean(lat):.2f} ms | {n/elapsed:.0f} req/s | {errors} | {max(rss) if rss else float('nan'):.1f} MB |")
PY
