#!/usr/bin/env bash
# CPU time the API process spends per request, for comparing two checkouts on a busy host: throughput
# moves with whatever else the cores are doing, the API's own CPU seconds per answered request much
# less. Same setup as bench/api-pair.sh (local PostgreSQL and Redis, wrk, `npm ci` done in the checkout).
#   bench/api-cpu.sh <checkout dir> <label>
# Prints "<label> execute µs/req: N (R req) | check µs/req: N (R req)" (wrk -c32 10 s each, after a 3 s warm-up).
set -euo pipefail
cd "$1"
work=$(mktemp -d)
db="gh_cpu_$RANDOM$RANDOM"
psql -q -h 127.0.0.1 -U postgres -d test -c "CREATE DATABASE $db" >/dev/null
export DATABASE_URL="postgresql://postgres@127.0.0.1:5432/$db"
npx tsx packages/db/src/cli/migrate.ts >/dev/null 2>&1
key=$(npx tsx bench/setup-org.ts 2>/dev/null | tail -1 | python3 -c "import json,sys;print(json.load(sys.stdin)['agentKey'])")
REDIS_URL=redis://127.0.0.1:6379 API_PORT=4956 API_HOST=127.0.0.1 LOG_LEVEL=warn GATEHOUSE_MASTER_KEY=$(openssl rand -base64 32) \
  node --import tsx apps/api/src/main.ts >"$work/api.log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do curl -s http://127.0.0.1:4956/healthz >/dev/null && break; sleep 0.5; done
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"actionType":"svc1.read","metadata":{"size":10,"env":"dev"}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $key"
LUA
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
measure() {
  local before after requests
  before=$(ticks)
  requests=$(wrk -t1 -c32 -d10s -s "$work/post.lua" "http://127.0.0.1:4956$1" | awk '/requests in/ {print $1}')
  after=$(ticks)
  echo "$(( (after - before) * 1000000 / hz / requests )) µs/req ($requests req)"
}
wrk -t1 -c32 -d3s -s "$work/post.lua" http://127.0.0.1:4956/v1/actions >/dev/null
execute=$(measure /v1/actions)
check=$(measure /v1/actions/check)
echo "$2 execute $execute | check $check"
kill "$pid"
wait "$pid" 2>/dev/null || true
psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE $db WITH (FORCE)" >/dev/null
rm -rf "$work"
