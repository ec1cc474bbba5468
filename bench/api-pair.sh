#!/usr/bin/env bash
# A short paired measurement of one API process, for comparing two checkouts of this repository on one
# host in one session (interleave them: before, after, before, after). Needs the local PostgreSQL and
# Redis, wrk, and `npm ci` done in the checkout.
#   bench/api-pair.sh <checkout dir> <label>
# Prints "<label> execute Requests/sec: N | check Requests/sec: N" (wrk -c128 10 s on POST /v1/actions,
# wrk -c64 8 s on POST /v1/actions/check, after a 3 s warm-up), then drops its database.
set -euo pipefail
API_BENCH_PORT=4955
# shellcheck source=bench/api-one.sh
source "$(dirname "$0")/api-one.sh" "$1"
wrk -t2 -c32 -d3s -s "$work/post.lua" http://127.0.0.1:4955/v1/actions >/dev/null
execute=$(wrk -t2 -c128 -d10s -s "$work/post.lua" http://127.0.0.1:4955/v1/actions | grep Requests/sec)
check=$(wrk -t2 -c64 -d8s -s "$work/post.lua" http://127.0.0.1:4955/v1/actions/check | grep Requests/sec)
echo "$2 execute $execute | check $check"
api_one_stop
