import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_SESSION_TIMEOUTS, migrate } from "@gatehouse/db/migrate";
import { createTestOrg, freePort, type PgBouncer, startPgBouncer, testDatabaseUrl, type TestOrg } from "@gatehouse/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gatehouse, GatehouseAdmin } from "../../../../packages/sdk/src/index.ts";
import { stopApp } from "../helpers";
import { spawnApi, type ApiProcess } from "../spawn-api";
import { cutHost, healHost, makeHosts, removeHosts, type NetHost } from "./hosts";
import { sleep, stopApi } from "./services";

/**
 * Faults (g) and (h), issue 43: one API host cut off from PostgreSQL, or from Redis, under load. Three API processes,
 * each a host of its own (a network namespace with its own address, faults/hosts.ts), reach PostgreSQL and Redis at
 * their gateway address, where HAProxy forwards to the real ones. A cut drops every packet between the host and the
 * service on the host's side (iptables in its namespace: silence, not a refusal; its open connections get no answer).
 * - PostgreSQL cut for 30 s: the other hosts go on deciding with their p99 within 2× of before; the cut host answers
 *   503 within its timeouts and serves again within 5 s of the heal, by itself.
 * - 10% of the packets on its PostgreSQL path dropped for 15 s: every answer there is a 200 or a 503 within its
 *   timeouts, never a 500; the other hosts decide on (slower: the lossy host holds the org's log head longer).
 * - Redis cut for 20 s: the other hosts go on deciding with their p99 within 2× of the same load's before the cut or
 *   after the heal, whichever is slower; every host goes on deciding what needs no counting; on the cut host a rate condition fails
 *   closed (503, never an allow); approvals decided on any host wake gates parked on any other within the waiters'
 *   database poll (5 s with Redis configured, docs/architecture.md), the cut host's included; after the heal it counts
 *   again within 5 s.
 * Run twice (partition.test.ts, partition-pgbouncer.test.ts): the hosts' PostgreSQL path going straight to PostgreSQL,
 * then to a PgBouncer in transaction mode in front of it. Needs root, iproute2, iptables and HAProxy (`.ci/run`
 * installs them).
 */
const HOSTS = 3;
const PER_HOST = 4;
const BEFORE_MS = 10_000;
const WARM_UP_MS = 4_000;
const CUT_MS = 30_000;
const REDIS_CUT_MS = 20_000;
const LOSS_MS = 15_000;
/** After the Redis cut's heal: how long the load goes on, for a second look at the others without the fault. */
const AFTER_MS = 6_000;
/** The share of packets dropped on the lossy path. */
const LOSS = Number(process.env.GATEHOUSE_TEST_LOSS ?? 0.1);
/** The waiters' database poll with Redis configured (approval-waiters.ts): a gate whose signal was lost wakes within it. */
const WAITER_POLL_MS = 5_000;
const PG_PORT = 5432;
const REDIS_PORT = 6379;
/** The cut host's bounds (the API's database timeouts): a call there ends within about these, as a 503. */
const TIMEOUTS = { DATABASE_CONNECT_TIMEOUT_MS: "1000", DATABASE_STATEMENT_TIMEOUT_MS: "2000", DATABASE_QUERY_TIMEOUT_MS: "3000" };
/**
 * A call on the cut host answers within DATABASE_CONNECT_TIMEOUT_MS + 3 × DATABASE_QUERY_TIMEOUT_MS: it waits on the
 * database at most three times in a row — its key's lookup, the reads its decision needs (made together), and the org's
 * batch it joined — each bounded by the connect or the query timeout. The items queued behind a batch that found the
 * database silent fail with it (group-commit.ts), rather than each waiting for a batch of its own.
 */
const ANSWER_WITHIN_MS = Number(TIMEOUTS.DATABASE_CONNECT_TIMEOUT_MS) + 3 * Number(TIMEOUTS.DATABASE_QUERY_TIMEOUT_MS);

/** The scenario; `via`: how each host's path reaches PostgreSQL (directly, or through PgBouncer). One per test file. */
export function partitionScenario(via: "direct" | "pgbouncer"): void {
  let org: TestOrg;
  let bouncer: PgBouncer | undefined;
  let haproxy: ChildProcess;
  let dir: string;
  let hosts: NetHost[] = [];
  const apis: ApiProcess[] = [];

  beforeAll(async () => {
    // .ci/run installs it; without it the test says so instead of failing on a spawn nobody awaits.
    if (!existsSync("/usr/sbin/haproxy")) throw new Error("haproxy is not installed at /usr/sbin/haproxy (apt-get install haproxy)");
    hosts = makeHosts(HOSTS);
    const database = new URL(testDatabaseUrl());
    const redis = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
    // Through PgBouncer: one PgBouncer in transaction mode in front of PostgreSQL, each host's path to it its own.
    // The timeouts are then the database's defaults, set as `DATABASE_POOL_MODE=transaction npm run db:migrate` sets them.
    if (via === "pgbouncer") await migrate({ url: database.toString(), sessionDefaults: DEFAULT_SESSION_TIMEOUTS });
    bouncer = via === "pgbouncer" ? await startPgBouncer({ databaseUrl: database.toString(), port: await freePort(), poolSize: 20, maxClients: 500 }) : undefined;
    const target = bouncer ? new URL(bouncer.url) : database;
    dir = mkdtempSync(join(tmpdir(), "gatehouse-partition-"));
    // Each host's PostgreSQL and Redis: HAProxy at its gateway address, forwarding to the real ones.
    writeFileSync(
      join(dir, "haproxy.cfg"),
      [
        "global",
        "  maxconn 2000",
        "defaults",
        "  mode tcp",
        "  timeout connect 1s",
        "  timeout client 120s",
        "  timeout server 120s",
        ...hosts.flatMap((host) => [
          `listen postgres-${host.index}`,
          `  bind ${host.gateway}:${PG_PORT}`,
          `  server postgres ${target.hostname}:${target.port || 5432}`,
          `listen redis-${host.index}`,
          `  bind ${host.gateway}:${REDIS_PORT}`,
          `  server redis ${redis.hostname}:${redis.port || 6379}`,
        ]),
        "",
      ].join("\n"),
    );
    haproxy = spawn("/usr/sbin/haproxy", ["-db", "-f", join(dir, "haproxy.cfg")], { stdio: "ignore" });
    // A spawn that fails is seen by the hosts' health checks below; no unhandled error event.
    haproxy.on("error", (error) => console.error("[partition] haproxy:", error.message));
    org = await createTestOrg({
      label: "partition",
      policies: [
        { name: "allow-pr", actions: ["pr.*"], effect: "allow" },
        // Counted in Redis: on a host cut off from it, this fails closed.
        { name: "api-calls-counted", actions: ["api.call"], when: { rate: { over: 1_000_000, windowSeconds: 60, per: "agent" } }, effect: "deny" },
        { name: "allow-api", actions: ["api.call"], effect: "allow" },
        { name: "deploys-reviewed", actions: ["deploy.*"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 600 } },
      ],
    });
    for (const host of hosts) {
      const url = new URL(target);
      url.hostname = host.gateway;
      url.port = String(PG_PORT);
      const env = {
        DATABASE_URL: url.toString(),
        REDIS_URL: Object.assign(new URL(redis), { hostname: host.gateway, port: String(REDIS_PORT) }).toString(),
        ...TIMEOUTS,
        ...(bouncer ? { DATABASE_POOL_MODE: "transaction" } : {}),
      };
      apis.push(await spawnApi(env, [], undefined, { ns: host.ns, address: host.address }));
    }
    // The burst's many calls must not open the agent's circuit breaker: the test measures decisions.
    const settings = await fetch(`${apis[1]?.url}/v1/admin/settings`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${org.adminKey.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ circuitBreaker: { failureThreshold: 10_000 } }),
    });
    expect(settings.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    for (const host of hosts) healHost(host);
    await Promise.all(apis.map((api) => stopApi(api)));
    haproxy?.kill("SIGTERM");
    await bouncer?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    removeHosts();
    await stopApp(undefined);
  });

  interface Sample {
    host: number;
    at: number;
    ms: number;
    status: number;
    code?: string;
    retryAfter?: string | null;
  }

  async function decide(host: number, actionType = "pr.open"): Promise<Sample> {
    const at = Date.now();
    try {
      const response = await fetch(`${apis[host]?.url}/v1/actions`, {
        method: "POST",
        headers: { authorization: `Bearer ${org.agent.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ actionType, eventId: randomUUID(), metadata: { call: randomUUID() } }),
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await response.json()) as { error?: { code: string } };
      return { host, at, ms: Date.now() - at, status: response.status, retryAfter: response.headers.get("retry-after"), ...(body.error ? { code: body.error.code } : {}) };
    } catch {
      return { host, at, ms: Date.now() - at, status: 0 };
    }
  }

  const quantile = (q: number) => (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  };
  const p50 = quantile(0.5);
  const p99 = quantile(0.99);

  describe(`one API host cut off from PostgreSQL for 30 s under load${via === "pgbouncer" ? ", through PgBouncer in transaction mode" : ""}`, () => {
    // A cut that lands while the cut host's batch holds the org's log head leaves that transaction open on the server
    // until its idle bound (logHeadIdleMs: a third of the statement timeout, 666 ms here; packages/db/test/log-head-cut.test.ts
    // makes that case on purpose): the others' calls in flight then wait that long once, within their statement timeout.
    it("the others decide on, p99 within 2× of before; the cut host answers 503 within its timeouts and serves again within 5 s of the heal", async () => {
      const samples: Sample[] = [];
      let running = true;
      const loops = apis.flatMap((_, host) =>
        Array.from({ length: PER_HOST }, async () => {
          while (running) {
            samples.push(await decide(host));
            await sleep(20);
          }
        }),
      );
      const startedAt = Date.now();
      await sleep(BEFORE_MS);
      const cutAt = Date.now();
      cutHost(hosts[0] as NetHost, [PG_PORT]);
      await sleep(CUT_MS);
      healHost(hosts[0] as NetHost);
      const healedAt = Date.now();
      // The cut host serves again: its first 200 to a call started after the heal.
      let servedAgainAt = 0;
      while (Date.now() - healedAt < 20_000 && servedAgainAt === 0) {
        const probe = await decide(0);
        samples.push(probe);
        if (probe.status === 200) servedAgainAt = probe.at + probe.ms;
        else await sleep(100);
      }
      running = false;
      await Promise.all(loops);

      const others = (from: number, to: number) => samples.filter((s) => s.host !== 0 && s.at >= from && s.at + s.ms <= to);
      // "Before" leaves out the first seconds, while the processes warm up.
      const before = others(startedAt + WARM_UP_MS, cutAt);
      const during = others(cutAt, healedAt);
      const onCut = samples.filter((s) => s.host === 0 && s.at >= cutAt && s.at + s.ms <= healedAt);
      console.log(
        `[faults/partition] others: before p99 ${p99(before.map((s) => s.ms))} ms (n=${before.length}), during the cut p99 ${p99(during.map((s) => s.ms))} ms (n=${during.length}, ` +
          `${during.filter((s) => s.status !== 200).length} not 200); the cut host: ${onCut.length} calls, ${onCut.filter((s) => s.status === 503).length} × 503, ` +
          `${onCut.filter((s) => s.status === 200).length} × 200, answers took p50 ${p50(onCut.map((s) => s.ms))} ms, max ${Math.max(0, ...onCut.map((s) => s.ms))} ms (bound ${ANSWER_WITHIN_MS} ms); served again ${servedAgainAt - healedAt} ms after the heal`,
      );
      for (const api of apis) expect(api.child.exitCode).toBeNull();
      // The others decide on, every call a 200, p99 within 2× of before.
      expect(during.length).toBeGreaterThan(0);
      expect(during.filter((s) => s.status !== 200)).toEqual([]);
      expect(p99(during.map((s) => s.ms))).toBeLessThanOrEqual(2 * Math.max(p99(before.map((s) => s.ms)), 10));
      // The cut host fails closed: 503 with Retry-After (never an allow, never a 500), within its timeouts.
      const failed = onCut.filter((s) => s.status !== 200);
      expect(failed.length).toBeGreaterThan(0);
      for (const sample of failed) expect(sample).toMatchObject({ status: 503, code: "UNAVAILABLE", retryAfter: "2" });
      expect(Math.max(...onCut.map((s) => s.ms))).toBeLessThanOrEqual(ANSWER_WITHIN_MS);
      // And it recovers by itself.
      expect(servedAgainAt).toBeGreaterThan(0);
      expect(servedAgainAt - healedAt).toBeLessThanOrEqual(5_000);
    });
    // A lossy path rather than a cut: a share of the host's packets to PostgreSQL dropped at random (TCP retransmits
    // them, late). Run once, with the hosts reaching PostgreSQL directly. GATEHOUSE_TEST_LOSS sets another share.
    it.runIf(via === "direct")(
      "a lossy path to PostgreSQL (10% of packets dropped for 15 s): the host answers 200 or 503 with Retry-After, never a 500; the others decide on",
      async () => {
        const samples: Sample[] = [];
        let running = true;
        const loops = apis.flatMap((_, host) =>
          Array.from({ length: PER_HOST }, async () => {
            while (running) {
              samples.push(await decide(host));
              await sleep(20);
            }
          }),
        );
        const startedAt = Date.now();
        await sleep(BEFORE_MS);
        const lossAt = Date.now();
        cutHost(hosts[0] as NetHost, [PG_PORT], LOSS);
        await sleep(LOSS_MS);
        healHost(hosts[0] as NetHost);
        const healedAt = Date.now();
        await sleep(3_000);
        running = false;
        await Promise.all(loops);
        const others = (from: number, to: number) => samples.filter((s) => s.host !== 0 && s.at >= from && s.at + s.ms <= to);
        const before = others(startedAt + WARM_UP_MS, lossAt);
        const during = others(lossAt, healedAt);
        const lossy = samples.filter((s) => s.host === 0 && s.at >= lossAt && s.at + s.ms <= healedAt);
        console.log(
          `[faults/partition] ${LOSS * 100}% loss: others (${during.filter((s) => s.status !== 200).length} not 200) p99 ${p99(before.map((s) => s.ms))} ms before, ${p99(during.map((s) => s.ms))} ms during; the lossy host: ${lossy.length} calls, ` +
            `${lossy.filter((s) => s.status === 200).length} × 200 (p50 ${p50(lossy.filter((s) => s.status === 200).map((s) => s.ms))} ms, p99 ${p99(lossy.filter((s) => s.status === 200).map((s) => s.ms))} ms), ` +
            `${lossy.filter((s) => s.status === 503).length} × 503`,
        );
        for (const api of apis) expect(api.child.exitCode).toBeNull();
        // The others decide on, every call a 200. Their p99 is not held to 2× here: the lossy host holds the org's
        // log head across its round trips, each slowed by retransmission, so the org's other hosts wait on it
        // (docs/deploying.md records the figures; a commit in fewer round trips would shorten it).
        expect(during.filter((s) => s.status !== 200)).toEqual([]);
        expect(lossy.length).toBeGreaterThan(0);
        for (const sample of lossy.filter((s) => s.status !== 200)) expect(sample).toMatchObject({ status: 503, code: "UNAVAILABLE", retryAfter: "2" });
        expect(Math.max(...lossy.map((s) => s.ms))).toBeLessThanOrEqual(ANSWER_WITHIN_MS);
      },
      90_000,
    );

    // The Redis path is the same in both variants: it runs once, with the hosts reaching PostgreSQL directly.
    it.runIf(via === "direct")(
      "cut from Redis: every host decides on; the cut host's rate conditions fail closed; approvals decided anywhere wake gates parked anywhere within the poll; counting resumes within 5 s of the heal",
      async () => {
        const samples: Array<Sample & { actionType: string }> = [];
        let running = true;
        const loops = apis.flatMap((_, host) =>
          ["pr.open", "pr.open", "api.call"].map(async (actionType) => {
            while (running) {
              samples.push({ ...(await decide(host, actionType)), actionType });
              await sleep(20);
            }
          }),
        );
        const agentOn = (host: number) => new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: apis[host]?.url as string, heartbeat: false });
        const adminOn = (host: number) => new GatehouseAdmin({ apiKey: org.adminKey.apiKey, baseUrl: apis[host]?.url as string });
        /** A gate parked on `parkedOn`, its approval decided through `decidedOn`: how long after the decision the gate returned. */
        async function wake(parkedOn: number, decidedOn: number): Promise<number> {
          const requested = await agentOn(parkedOn).execute("deploy.service", { metadata: { parkedOn, decidedOn } });
          expect(requested.status).toBe("requested");
          const approvalId = requested.approvalId as string;
          const parked = agentOn(parkedOn).waitForApproval(approvalId, { deadline: Date.now() + 60_000 });
          await sleep(500); // parked before the decision
          await adminOn(decidedOn).approvals.approve(approvalId);
          const decidedAt = Date.now();
          const result = await parked;
          expect(result.status).toBe("executed"); // approved: the action may run
          return Date.now() - decidedAt;
        }
        const startedAt = Date.now();
        await sleep(BEFORE_MS);
        const cutAt = Date.now();
        cutHost(hosts[0] as NetHost, [REDIS_PORT]);
        const [intoCut, outOfCut] = await Promise.all([wake(0, 1), sleep(2_000).then(() => wake(2, 0))]);
        await sleep(Math.max(0, REDIS_CUT_MS - (Date.now() - cutAt)));
        healHost(hosts[0] as NetHost);
        const healedAt = Date.now();
        // The cut host counts again: its first 200 to a rate-conditioned call started after the heal.
        let countingAgainAt = 0;
        while (Date.now() - healedAt < 30_000 && countingAgainAt === 0) {
          const probe = await decide(0, "api.call");
          if (probe.status === 200) countingAgainAt = probe.at + probe.ms;
          else await sleep(100);
        }
        // The same load after the heal, a second look at the others' latency without the fault.
        const afterFrom = Date.now() + 1_000;
        await sleep(1_000 + AFTER_MS);
        const endedAt = Date.now();
        running = false;
        await Promise.all(loops);

        const window = (from: number, to: number, which: (s: Sample & { actionType: string }) => boolean) => samples.filter((s) => which(s) && s.at >= from && s.at + s.ms <= to);
        const others = (s: Sample) => s.host !== 0;
        const before = window(startedAt + WARM_UP_MS, cutAt, others);
        const after = window(afterFrom, endedAt, others);
        const during = window(cutAt, healedAt, others);
        // What the others' p99 is measured against: the larger of the same load's before the cut and after the heal. On a
        // busy machine one window of a few seconds can miss a slow stretch the 20 s of the cut catch; the cut's own cost
        // shows in neither.
        const uncut = Math.max(p99(before.map((s) => s.ms)), p99(after.map((s) => s.ms)));
        const cutCounted = window(cutAt + 1_000, healedAt, (s) => s.host === 0 && s.actionType === "api.call");
        const cutUncounted = window(cutAt, healedAt, (s) => s.host === 0 && s.actionType === "pr.open");
        console.log(
          `[faults/partition] Redis cut: others p99 ${p99(before.map((s) => s.ms))} ms before, ${p99(after.map((s) => s.ms))} ms after, ${p99(during.map((s) => s.ms))} ms during (n=${during.length}, ${during.filter((s) => s.status !== 200).length} not 200); ` +
            `the cut host: pr.open ${cutUncounted.filter((s) => s.status === 200).length}/${cutUncounted.length} × 200 (p99 ${p99(cutUncounted.map((s) => s.ms))} ms), ` +
            `api.call ${cutCounted.filter((s) => s.status === 503).length}/${cutCounted.length} × 503 (max ${Math.max(0, ...cutCounted.map((s) => s.ms))} ms); ` +
            `gates woke ${intoCut} ms (parked on the cut host) and ${outOfCut} ms (decided on it) after the decision; counting again ${countingAgainAt - healedAt} ms after the heal`,
        );
        for (const api of apis) expect(api.child.exitCode).toBeNull();
        // The other hosts decide on, every call a 200 (counted ones too), p99 within 2× of the same load uncut.
        expect(during.filter((s) => s.status !== 200)).toEqual([]);
        expect(after.length).toBeGreaterThan(0);
        expect(p99(during.map((s) => s.ms))).toBeLessThanOrEqual(2 * Math.max(uncut, 10));
        // The cut host decides what needs no counting, and fails a rate condition closed: 503 with Retry-After, never an allow.
        expect(cutUncounted.filter((s) => s.status !== 200)).toEqual([]);
        expect(cutCounted.length).toBeGreaterThan(0);
        for (const sample of cutCounted) expect(sample).toMatchObject({ status: 503, code: "UNAVAILABLE" });
        // Gates wake within the waiters' poll whichever side of the cut they or their decision are on.
        expect(intoCut).toBeLessThanOrEqual(WAITER_POLL_MS + 1_500);
        expect(outOfCut).toBeLessThanOrEqual(WAITER_POLL_MS + 1_500);
        // And it counts again by itself.
        expect(countingAgainAt).toBeGreaterThan(0);
        expect(countingAgainAt - healedAt).toBeLessThanOrEqual(5_000);
      },
      120_000,
    );
  });
}
