#!/usr/bin/env bash
# CPU time the API process spends per request, for comparing two checkouts on a busy host: throughput
# moves with whatever else the cores are doing, the API's own CPU seconds per answered request much
# less. Same setup as bench/api-pair.sh (local PostgreSQL and Redis, wrk, `npm ci` done in the checkout).
#   bench/api-cpu.sh <checkout dir> <label>
# Prints "<label> execute µs/req: N (R req) | check µs/req: N (R req)" (wrk -c32 10 s each, after a 3 s warm-up).
set -euo pipefail
API_BENCH_PORT=4956
# shellcheck source=bench/api-one.sh
source "$(dirname "$0")/api-one.sh" "$1"
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
api_one_stop
