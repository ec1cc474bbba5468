import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_SESSION_TIMEOUTS, migrate } from "@gatehouse/db/migrate";
import { createTestOrg, freePort, startPgBouncer, type PgBouncer, type TestOrg } from "@gatehouse/db/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stopApp } from "../helpers";
import { spawnApi, type ApiProcess } from "../spawn-api";
import { sleep, stopApi } from "./services";

/**
 * Fault (g), issue 43: one API host cut off from PostgreSQL for 30 s under load. Each of three API processes reaches
 * PostgreSQL through a path of its own (its own HAProxy frontend port); the cut drops every packet on one host's path
 * with iptables on the loopback interface (loss, not a refusal: the host's open connections go silent). The other
 * hosts go on deciding with their p99 within 2× of before; the cut host answers 503 within its timeouts and serves
 * again within 5 s of the heal, by itself. Run twice (partition.test.ts, partition-pgbouncer.test.ts): the paths going
 * straight to PostgreSQL, then to a PgBouncer in transaction mode in front of it. Needs iptables and HAProxy (`.ci/run`
 * installs both); runs as root.
 */
const HOSTS = 3;
const PER_HOST = 4;
const BEFORE_MS = 10_000;
const WARM_UP_MS = 4_000;
const CUT_MS = 30_000;
/** The cut host's bounds (the API's database timeouts): a call there ends within about these, as a 503. */
const TIMEOUTS = { DATABASE_CONNECT_TIMEOUT_MS: "1000", DATABASE_STATEMENT_TIMEOUT_MS: "2000", DATABASE_QUERY_TIMEOUT_MS: "3000" };
/**
 * A call on the cut host answers within DATABASE_CONNECT_TIMEOUT_MS + 3 × DATABASE_QUERY_TIMEOUT_MS: it waits on the
 * database at most three times in a row — its key's lookup, the reads its decision needs (made together), and the org's
 * batch it joined — each bounded by the connect or the query timeout. The items queued behind a batch that found the
 * database silent fail with it (group-commit.ts), rather than each waiting for a batch of its own.
 */
const ANSWER_WITHIN_MS = Number(TIMEOUTS.DATABASE_CONNECT_TIMEOUT_MS) + 3 * Number(TIMEOUTS.DATABASE_QUERY_TIMEOUT_MS);

/** The chain this file's rules live in (iptables, filter table), so they are removed together. */
const CHAIN = `gh-partition-${process.pid}`;

function iptables(args: string[]): void {
  execFileSync("iptables", ["-w", ...args], { stdio: ["ignore", "ignore", "pipe"] });
}

/**
 * Drops every packet to or from `port` on the loopback interface: the host's connections to PostgreSQL go
 * silent (no reset, no refusal), as on a network that lost the route. `probability` below 1 drops that share at
 * random instead (iptables' statistic match). This machine's kernel has no netem, so latency is not emulated.
 */
function cut(port: number, probability = 1): void {
  iptables(["-N", CHAIN]);
  iptables(["-A", CHAIN, ...(probability < 1 ? ["-m", "statistic", "--mode", "random", "--probability", String(probability)] : []), "-j", "DROP"]);
  for (const side of ["--dport", "--sport"]) iptables(["-I", "OUTPUT", "-o", "lo", "-p", "tcp", side, String(port), "-j", CHAIN]);
}

/** Removes every rule and chain a partition test made, this run's and any an earlier, interrupted run left behind. */
function heal(): void {
  const chains = new Set<string>();
  for (const rule of execFileSync("iptables", ["-w", "-S", "OUTPUT"], { encoding: "utf8" }).split("\n")) {
    const chain = / -j (gh-partition-\d+)$/.exec(rule)?.[1];
    if (!chain) continue;
    chains.add(chain);
    iptables(rule.replace(/^-A /, "-D ").split(" "));
  }
  for (const rule of execFileSync("iptables", ["-w", "-S"], { encoding: "utf8" }).split("\n")) {
    const chain = /^-N (gh-partition-\d+)$/.exec(rule)?.[1];
    if (chain) chains.add(chain);
  }
  for (const chain of chains) {
    iptables(["-F", chain]);
    iptables(["-X", chain]);
  }
}

/** The scenario; `via`: how each host's path reaches PostgreSQL (directly, or through PgBouncer). One per test file. */
export function partitionScenario(via: "direct" | "pgbouncer"): void {
  let org: TestOrg;
  let bouncer: PgBouncer | undefined;
  let haproxy: ChildProcess;
  let dir: string;
  const ports: number[] = [];
  const apis: ApiProcess[] = [];

  beforeAll(async () => {
    heal();
    const database = new URL(inject("databaseUrl"));
    // Through PgBouncer: one PgBouncer in transaction mode in front of PostgreSQL, each host's path to it its own.
    // The timeouts are then the database's defaults, set as `DATABASE_POOL_MODE=transaction npm run db:migrate` sets them.
    if (via === "pgbouncer") await migrate({ url: database.toString(), sessionDefaults: DEFAULT_SESSION_TIMEOUTS });
    bouncer = via === "pgbouncer" ? await startPgBouncer({ databaseUrl: database.toString(), port: await freePort(), poolSize: 20, maxClients: 500 }) : undefined;
    const target = bouncer ? new URL(bouncer.url) : database;
    dir = mkdtempSync(join(tmpdir(), "gatehouse-partition-"));
    for (let i = 0; i < HOSTS; i += 1) ports.push(await freePort());
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
        ...ports.flatMap((port, i) => [`listen host${i + 1}`, `  bind 127.0.0.1:${port}`, `  server postgres ${target.hostname}:${target.port || 5432}`]),
        "",
      ].join("\n"),
    );
    haproxy = spawn("/usr/sbin/haproxy", ["-db", "-f", join(dir, "haproxy.cfg")], { stdio: "ignore" });
    org = await createTestOrg({ label: "partition", policies: [{ name: "allow-pr", actions: ["pr.*"], effect: "allow" }] });
    for (const port of ports) {
      const url = new URL(target);
      url.hostname = "127.0.0.1";
      url.port = String(port);
      apis.push(await spawnApi({ DATABASE_URL: url.toString(), ...TIMEOUTS, ...(bouncer ? { DATABASE_POOL_MODE: "transaction" } : {}) }));
    }
  }, 120_000);

  afterAll(async () => {
    heal();
    await Promise.all(apis.map((api) => stopApi(api)));
    haproxy?.kill("SIGTERM");
    await bouncer?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
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

  async function decide(host: number): Promise<Sample> {
    const at = Date.now();
    try {
      const response = await fetch(`${apis[host]?.url}/v1/actions`, {
        method: "POST",
        headers: { authorization: `Bearer ${org.agent.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ actionType: "pr.open", eventId: randomUUID(), metadata: { call: randomUUID() } }),
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
      cut(ports[0] as number);
      await sleep(CUT_MS);
      heal();
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
      const cutHost = samples.filter((s) => s.host === 0 && s.at >= cutAt && s.at + s.ms <= healedAt);
      console.log(
        `[faults/partition] others: before p99 ${p99(before.map((s) => s.ms))} ms (n=${before.length}), during the cut p99 ${p99(during.map((s) => s.ms))} ms (n=${during.length}, ` +
          `${during.filter((s) => s.status !== 200).length} not 200); the cut host: ${cutHost.length} calls, ${cutHost.filter((s) => s.status === 503).length} × 503, ` +
          `${cutHost.filter((s) => s.status === 200).length} × 200, answers took p50 ${p50(cutHost.map((s) => s.ms))} ms, max ${Math.max(0, ...cutHost.map((s) => s.ms))} ms (bound ${ANSWER_WITHIN_MS} ms); served again ${servedAgainAt - healedAt} ms after the heal`,
      );
      for (const api of apis) expect(api.child.exitCode).toBeNull();
      // The others decide on, every call a 200, p99 within 2× of before.
      expect(during.length).toBeGreaterThan(0);
      expect(during.filter((s) => s.status !== 200)).toEqual([]);
      expect(p99(during.map((s) => s.ms))).toBeLessThanOrEqual(2 * Math.max(p99(before.map((s) => s.ms)), 10));
      // The cut host fails closed: 503 with Retry-After (never an allow, never a 500), within its timeouts.
      const failed = cutHost.filter((s) => s.status !== 200);
      expect(failed.length).toBeGreaterThan(0);
      for (const sample of failed) expect(sample).toMatchObject({ status: 503, code: "UNAVAILABLE", retryAfter: "2" });
      expect(Math.max(...cutHost.map((s) => s.ms))).toBeLessThanOrEqual(ANSWER_WITHIN_MS);
      // And it recovers by itself.
      expect(servedAgainAt).toBeGreaterThan(0);
      expect(servedAgainAt - healedAt).toBeLessThanOrEqual(5_000);
    });
  });
}
