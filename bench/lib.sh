#!/usr/bin/env bash
# Shared by the benchmark and load scripts: the local cloud's settings and a real caller.
#
#   source bench/lib.sh
#   bench_caller <prefix>   # sets TENANT, USERNAME, PASSWORD, TOKEN
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -f .local/stack.env ]] || { echo "run 'bash localstack/up.sh' first" >&2; exit 1; }
set -a; source .local/stack.env; set +a

# A tenant with a rate limit no benchmark reaches (this measures the work, not the limiter's
# refusals), a user of that tenant, and an access token from the login route.
bench_caller() {
  local prefix="$1"
  TENANT="$prefix$(date +%s%N | cut -c1-13)"
  USERNAME="$TENANT-user"
  PASSWORD="bench-password-$(date +%s%N)"
  cargo run -q -p admin -- create-tenant "$TENANT" --name "Benchmark" --rate-limit 100000000 --rate-window 60 >&2
  ADMIN_PASSWORD="$PASSWORD" cargo run -q -p admin -- create-user --username "$USERNAME" --tenant "$TENANT" >&2
  TOKEN="$(curl -sf -X POST "$GATEWAY_URL/api/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$USERNAME\",\"password\":\"$PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
  [[ -n $TOKEN ]] || { echo "bench_caller: no token for $USERNAME" >&2; return 1; }
}
