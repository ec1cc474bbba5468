-- Decision latency for the governance health (issue 45): each API process counts how long `execute` took to answer,
-- per org and minute, in a fixed histogram (bucket upper bounds in packages/db/src/health/decision-latency.ts), and
-- adds what it counted since its last write every few seconds, so any process (another API process behind the load
-- balancer, the console) reads every process's figures. One row per org, minute and process; rows older than a day
-- are removed by the processes that write them.
CREATE TABLE "decision_latency" (
  "org_id" TEXT NOT NULL REFERENCES "orgs"("id") ON DELETE CASCADE,
  "minute" TIMESTAMPTZ(3) NOT NULL,
  -- The process that measured them (host, pid and a random suffix).
  "instance" TEXT NOT NULL,
  -- Answers per bucket, in the buckets' order.
  "counts" INTEGER[],
  PRIMARY KEY ("org_id", "minute", "instance")
);
CREATE INDEX "decision_latency_minute_idx" ON "decision_latency" ("minute");
