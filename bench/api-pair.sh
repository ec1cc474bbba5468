#!/usr/bin/env bash
# A short paired measurement of one API process, for comparing two checkouts of this repository on one
# host in one session (interleave them: before, after, before, after). Needs the local PostgreSQL and
# Redis, wrk, and `npm ci` done in the checkout.
#   bench/api-pair.sh <checkout dir> <label>
# Prints "<label> execute Requests/sec: N | check Requests/sec: N" (wrk -c128 10 s on POST /v1/actions,
# wrk -c64 8 s on POST /v1/actions/check, after a 3 s warm-up), then drops its database.
set -euo pipefail
cd "$1"
work=$(mktemp -d)
db="gh_pair_$RANDOM$RANDOM"
psql -q -h 127.0.0.1 -U postgres -d test -c "CREATE DATABASE $db" >/dev/null
export DATABASE_URL="postgresql://postgres@127.0.0.1:5432/$db"
npx tsx packages/db/src/cli/migrate.ts >/dev/null 2>&1
key=$(npx tsx bench/setup-org.ts 2>/dev/null | tail -1 | python3 -c "import json,sys;print(json.load(sys.stdin)['agentKey'])")
REDIS_URL=redis://127.0.0.1:6379 API_PORT=4955 API_HOST=127.0.0.1 LOG_LEVEL=warn GATEHOUSE_MASTER_KEY=$(openssl rand -base64 32) \
  node --import tsx apps/api/src/main.ts >"$work/api.log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do curl -s http://127.0.0.1:4955/healthz >/dev/null && break; sleep 0.5; done
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"actionType":"svc1.read","metadata":{"size":10,"env":"dev"}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $key"
LUA
wrk -t2 -c32 -d3s -s "$work/post.lua" http://127.0.0.1:4955/v1/actions >/dev/null
execute=$(wrk -t2 -c128 -d10s -s "$work/post.lua" http://127.0.0.1:4955/v1/actions | grep Requests/sec)
check=$(wrk -t2 -c64 -d8s -s "$work/post.lua" http://127.0.0.1:4955/v1/actions/check | grep Requests/sec)
echo "$2 execute $execute | check $check"
kill "$pid"
wait "$pid" 2>/dev/null || true
psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE $db WITH (FORCE)" >/dev/null
rm -rf "$work"
