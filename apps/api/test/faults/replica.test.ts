import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "@playwright/test";
import { createAgent, disconnectDb } from "@gatehouse/db";
import { migrate } from "@gatehouse/db/migrate";
import { createTestOrg, freePort, type TestOrg } from "@gatehouse/db/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFailoverTopology, type FailoverTopology } from "../../../../scripts/lib/failover-topology";
import { sleep } from "./services";

/**
 * Issue 43, reads from a replica: the console, built and started as `npm run web` runs it, with
 * DATABASE_REPLICA_URL pointing at the Patroni cluster's streaming replica (through HAProxy's replica port),
 * driven by Chromium as a member signed in. With the standby's replay paused (`pg_wal_replay_pause()`, Patroni in
 * maintenance mode so that it does not resume it):
 * - a page read while the replica is within its lag bound does not show what another process just wrote
 *   on the primary: the page came from the replica;
 * - once the measured lag passes the bound, the same page shows it: a replica too far behind is not used;
 * - the member's own write (through the console) shows on their next page and route read at once, though
 *   the replica has not replayed it; the same read without the write's cookie does not show it.
 * The lag the console measures (its /api/healthz) is recorded while the replica keeps up.
 */
const ROOT = resolve(import.meta.dirname, "../../../..");
const MAX_LAG_MS = 5_000;

describe("the console's page reads from a streaming replica", () => {
  let topology: FailoverTopology;
  let org: TestOrg;
  let web: ChildProcess | undefined;
  let webUrl = "";
  let webLog = "";
  let browser: Browser;
  let page: Page;
  let standby: pg.Client;

  beforeAll(async () => {
    // The console's build (turbo's cache makes it quick when `npm test`'s smoke test or Playwright built it already).
    const build = spawnSync(join(ROOT, "node_modules/.bin/turbo"), ["run", "build", "--filter=@gatehouse/web", "--output-logs=errors-only"], {
      cwd: ROOT,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: undefined },
      encoding: "utf8",
    });
    if (build.status !== 0) throw new Error(`the console did not build:\n${build.stdout}\n${build.stderr}`);

    topology = await startFailoverTopology();
    await migrate({ url: topology.url });
    process.env.DATABASE_URL = topology.url;
    process.env.GATEHOUSE_MASTER_KEY ??= randomBytes(32).toString("base64");
    org = await createTestOrg({ label: "replica" });

    const port = await freePort();
    webUrl = `http://127.0.0.1:${port}`;
    web = spawn("npm", ["run", "--silent", "web"], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: undefined,
        NEXT_TELEMETRY_DISABLED: "1",
        DATABASE_URL: topology.url,
        DATABASE_REPLICA_URL: topology.replicaUrl,
        DATABASE_REPLICA_MAX_LAG_MS: String(MAX_LAG_MS),
        AUTH_SECRET: randomBytes(32).toString("base64url"),
        AUTH_TRUST_HOST: "true",
        WEB_PORT: String(port),
        WEB_HOST: "127.0.0.1",
        GATEHOUSE_CONSOLE_URL: webUrl,
        GATEHOUSE_SIGNUP: "invite",
        MAIL_TRANSPORT: "off",
        GATEHOUSE_HOME: mkdtempSync(join(tmpdir(), "gatehouse-replica-")),
      },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    web.stdout?.on("data", (chunk: Buffer) => void (webLog += chunk.toString()));
    web.stderr?.on("data", (chunk: Buffer) => void (webLog += chunk.toString()));
    const deadline = Date.now() + 90_000;
    for (;;) {
      const answer = await fetch(`${webUrl}/api/healthz`).catch(() => null);
      if (answer?.ok) break;
      if (web.exitCode !== null || Date.now() > deadline) throw new Error(`the console did not start:\n${webLog.slice(-3000)}`);
      await sleep(300);
    }

    // Patroni resumes a replay paused by hand at its next loop, unless the cluster is in maintenance mode.
    await topology.maintenance(true);
    standby = new pg.Client({ connectionString: topology.replicaUrl });
    standby.on("error", () => {});
    await standby.connect();

    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    page = await (await browser.newContext({ baseURL: webUrl })).newPage();
    await page.goto("/signin");
    await page.getByLabel("Email").fill(org.owner.email);
    await page.getByLabel("Password").fill(org.owner.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(/\/o\//);
  }, 600_000);

  afterAll(async () => {
    await standby?.query("SELECT pg_wal_replay_resume()").catch(() => {});
    await standby?.end().catch(() => {});
    await browser?.close();
    if (web?.pid && web.exitCode === null) {
      const exited = new Promise((done) => web?.once("exit", done));
      process.kill(-web.pid, "SIGTERM");
      await Promise.race([exited, sleep(10_000)]);
      if (web.exitCode === null) process.kill(-web.pid, "SIGKILL");
    }
    await disconnectDb();
    await topology?.stop();
  }, 120_000);

  type Health = { ok: boolean; replica?: { usable: boolean; lagMs: number | null; maxLagMs: number } };
  const health = async (): Promise<Health> => (await (await fetch(`${webUrl}/api/healthz`)).json()) as Health;
  async function until(check: (h: Health) => boolean, what: string, timeoutMs = 30_000): Promise<Health> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const h = await health();
      if (check(h)) return h;
      if (Date.now() > deadline) throw new Error(`${what}: last /api/healthz ${JSON.stringify(h)}\n${webLog.slice(-2000)}`);
      await sleep(100);
    }
  }
  const agentsPage = async (): Promise<string> => {
    await page.goto(`/o/${org.org.slug}/agents`);
    await page.getByText(org.agent.name, { exact: true }).first().waitFor();
    return page.locator("body").innerText();
  };
  const agentsRoute = (): Promise<string[]> =>
    page.evaluate(async (slug) => {
      const answer = await fetch(`/api/orgs/${slug}/agents`);
      return ((await answer.json()) as { agents: Array<{ name: string }> }).agents.map((a) => a.name);
    }, org.org.slug);

  it("measures the replica's lag and serves pages from it within the bound", async () => {
    const lags: number[] = [];
    await until((h) => h.replica?.usable === true, "the replica never served reads");
    for (let i = 0; i < 20; i += 1) {
      await createAgent({ ctx: org.ctx, input: { name: `load-${i}` } });
      const lag = (await health()).replica?.lagMs;
      if (typeof lag === "number") lags.push(lag);
      await sleep(50);
    }
    lags.sort((a, b) => a - b);
    console.log(`[replica] measured lag under writes: median ${lags[Math.floor(lags.length / 2)]} ms, max ${lags[lags.length - 1]} ms (bound ${MAX_LAG_MS} ms)`);
    expect(lags.length).toBe(20);
    expect(lags[lags.length - 1]).toBeLessThan(MAX_LAG_MS);
    await agentsPage(); // warm

    // Replay stops; another process writes on the primary. Within the bound the page comes from the replica: no sign of it.
    await standby.query("SELECT pg_wal_replay_pause()");
    const wroteAt = Date.now();
    await createAgent({ ctx: org.ctx, input: { name: "written-elsewhere" } });
    const stale = await agentsPage();
    const readWithin = Date.now() - wroteAt;
    expect(readWithin, "the page must be read within the lag bound for this check to mean anything").toBeLessThan(MAX_LAG_MS - 1_000);
    expect(stale).not.toContain("written-elsewhere");
    expect(await agentsRoute()).not.toContain("written-elsewhere");

    // Past the bound the replica is not used: the same page shows the write.
    const behind = await until((h) => h.replica?.usable === false, "the paused replica never counted as behind", MAX_LAG_MS + 10_000);
    expect(behind.replica?.lagMs === null || (behind.replica?.lagMs ?? 0) > MAX_LAG_MS).toBe(true);
    expect(await agentsPage()).toContain("written-elsewhere");
    expect(behind.ok).toBe(true); // a replica behind is not an outage

    await standby.query("SELECT pg_wal_replay_resume()");
    const caughtUp = await until((h) => h.replica?.usable === true, "the replica never caught up after replay resumed");
    console.log(`[replica] caught up after resume: lag ${caughtUp.replica?.lagMs} ms`);
  }, 120_000);

  it("a member's own write shows on their next read, though the replica has not replayed it", async () => {
    await until((h) => h.replica?.usable === true && (h.replica.lagMs ?? Infinity) < 1_000, "the replica is not serving reads");
    await standby.query("SELECT pg_wal_replay_pause()");
    const wroteAt = Date.now();
    // The member's write, through the console's route, from the page (its Origin, its session cookie).
    const created = await page.evaluate(async (slug) => {
      const answer = await fetch(`/api/orgs/${slug}/agents`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "mine" }) });
      return answer.status;
    }, org.org.slug);
    expect(created).toBe(200);
    const cookie = (await page.context().cookies()).find((c) => c.name === "gh_wal");
    expect(cookie?.value).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(cookie?.httpOnly).toBe(true);

    expect(await agentsPage()).toContain("mine");
    expect(await agentsRoute()).toContain("mine");

    // The same reads without the write's position come from the replica, which has not replayed it.
    await page.context().clearCookies({ name: "gh_wal" });
    const withoutCookie = await agentsPage();
    expect(Date.now() - wroteAt, "read within the lag bound").toBeLessThan(MAX_LAG_MS - 1_000);
    expect(withoutCookie).not.toContain("mine");

    await standby.query("SELECT pg_wal_replay_resume()");
    await until((h) => h.replica?.usable === true, "the replica never caught up");
    expect(await agentsPage()).toContain("mine");
  }, 120_000);
});
