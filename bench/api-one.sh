# Sourced by bench/api-pair.sh and bench/api-cpu.sh (not run on its own): in checkout $1, a throwaway
# database with the benchmark org, one API process on $API_BENCH_PORT, and $work/post.lua for wrk.
# Sets: work, db, key, pid. `api_one_stop` stops the API and drops the database.
cd "$1"
work=$(mktemp -d)
db="gh_bench_$RANDOM$RANDOM"
psql -q -h 127.0.0.1 -U postgres -d test -c "CREATE DATABASE $db" >/dev/null
export DATABASE_URL="postgresql://postgres@127.0.0.1:5432/$db"
npx tsx packages/db/src/cli/migrate.ts >/dev/null 2>&1
key=$(npx tsx bench/setup-org.ts 2>/dev/null | tail -1 | python3 -c "import json,sys;print(json.load(sys.stdin)['agentKey'])")
REDIS_URL=redis://127.0.0.1:6379 API_PORT=$API_BENCH_PORT API_HOST=127.0.0.1 LOG_LEVEL=warn GATEHOUSE_MASTER_KEY=$(openssl rand -base64 32) \
  node --import tsx apps/api/src/main.ts >"$work/api.log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do curl -s "http://127.0.0.1:$API_BENCH_PORT/healthz" >/dev/null && break; sleep 0.5; done
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"actionType":"svc1.read","metadata":{"size":10,"env":"dev"}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $key"
LUA

api_one_stop() {
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE $db WITH (FORCE)" >/dev/null
  rm -rf "$work"
}
