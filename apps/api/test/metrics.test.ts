import { randomBytes } from "node:crypto";
import { metricsRegistry, metricsSettings } from "@gatehouse/db";
import { createTestOrg, freePort, parsePrometheusText, type PromExposition, sampleValue, testDatabaseUrl, type TestOrg } from "@gatehouse/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopApp } from "./helpers";
import { spawnApi, type ApiProcess } from "./spawn-api";

// The API's Prometheus metrics (docs/metrics.md), as `npm run api` serves them: on API_METRICS_PORT, behind
// METRICS_TOKEN, in the text format, with a decision counted by its effect and reason, and no tenant's data in any
// label. The process is this file's own, so the counters' deltas are exactly what the test sent.

const TOKEN = randomBytes(24).toString("hex");
/** A value each call carries (in its action type and metadata), which must reach no label. */
const MARKER = `m${randomBytes(6).toString("hex")}`;

let api: ApiProcess;
let metricsUrl: string;
let org: TestOrg;

beforeAll(async () => {
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  api = await spawnApi({
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    API_METRICS_PORT: String(port),
    METRICS_TOKEN: TOKEN,
  });
  org = await createTestOrg({
    label: "metrics",
    policies: [
      { name: "probes", actions: [`probe.${MARKER}.*`], effect: "allow" },
      { name: "reviewed", actions: [`review.${MARKER}`], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 600 } },
    ] as never,
  });
}, 60_000);

afterAll(async () => {
  await api?.stop();
  await stopApp(undefined);
});

async function scrape(): Promise<{ text: string; exposition: PromExposition }> {
  const response = await fetch(metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  return { text, exposition: parsePrometheusText(text) };
}

const decide = (path: "/v1/actions" | "/v1/actions/check", actionType: string) =>
  fetch(`${api.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${org.agent.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ actionType, metadata: { note: MARKER } }),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as { status?: string; denialReason?: string } }));

describe("the API's /metrics", () => {
  it("answers in the Prometheus text format with every metric the API's registry declares, and its dependencies up", async () => {
    // A first ping opens its own connection, which a loaded machine may take past the ping's bound: asked again.
    await expect.poll(async () => sampleValue((await scrape()).exposition, "gatehouse_dependency_up", { dependency: "postgres" }), { timeout: 15_000 }).toBe(1);
    const { exposition } = await scrape();
    const declared = metricsRegistry("api")
      .getMetricsAsArray()
      .map((metric) => metric.name);
    expect(declared.length).toBeGreaterThan(30);
    expect(declared.filter((name) => !exposition.types.has(name))).toEqual([]);
    expect(sampleValue(exposition, "gatehouse_dependency_up", { dependency: "postgres" })).toBe(1);
    expect(sampleValue(exposition, "gatehouse_dependency_up", { dependency: "redis" })).toBe(1);
    expect(sampleValue(exposition, "process_cpu_seconds_total")).toBeGreaterThan(0);
  });

  it("counts each decision by kind, effect and reason, and times it", async () => {
    const count = (exposition: PromExposition, kind: string, effect: string, reason: string) => sampleValue(exposition, "gatehouse_decisions_total", { kind, effect, reason }) ?? 0;
    const timed = (exposition: PromExposition, kind: string) => sampleValue(exposition, "gatehouse_decision_duration_seconds_count", { kind }) ?? 0;
    const before = (await scrape()).exposition;

    const answers = [
      await decide("/v1/actions", `probe.${MARKER}.one`),
      await decide("/v1/actions", `probe.${MARKER}.two`),
      await decide("/v1/actions", `other.${MARKER}`),
      await decide("/v1/actions", `review.${MARKER}`),
      await decide("/v1/actions/check", `other.${MARKER}`),
    ];
    expect(answers.map((a) => `${a.status} ${a.body.status} ${a.body.denialReason ?? ""}`.trim())).toEqual([
      "200 executed",
      "200 executed",
      "200 denied NO_POLICY",
      "200 requested",
      "200 denied NO_POLICY",
    ]);

    const after = (await scrape()).exposition;
    expect(count(after, "execute", "allow", "none") - count(before, "execute", "allow", "none")).toBe(2);
    expect(count(after, "execute", "deny", "NO_POLICY") - count(before, "execute", "deny", "NO_POLICY")).toBe(1);
    expect(count(after, "execute", "require_approval", "none") - count(before, "execute", "require_approval", "none")).toBe(1);
    expect(count(after, "check", "deny", "NO_POLICY") - count(before, "check", "deny", "NO_POLICY")).toBe(1);
    expect(timed(after, "execute") - timed(before, "execute")).toBe(4);
    expect(timed(after, "check") - timed(before, "check")).toBe(1);
    // The pool the decisions went through (made by the first of them).
    expect(sampleValue(after, "gatehouse_db_pool_max_connections", { pool: "primary" })).toBeGreaterThan(0);
    expect(sampleValue(after, "gatehouse_db_pool_connections", { pool: "primary", state: "idle" })).toBeGreaterThanOrEqual(0);
    // Requests by the route's pattern, never the path sent.
    const posted = (exposition: PromExposition) => sampleValue(exposition, "gatehouse_http_requests_total", { method: "POST", route: "/v1/actions", status: "200" }) ?? 0;
    expect(posted(after) - posted(before)).toBe(4);
  });

  it("carries no tenant's data: no org, agent, key, action type or metadata in any label or value", async () => {
    await decide("/v1/actions", `probe.${MARKER}.three`);
    await fetch(`${api.url}/v1/approvals/apr_${MARKER}/wait`, { headers: { authorization: `Bearer ${org.agent.apiKey}` } });
    const { text, exposition } = await scrape();
    for (const value of [MARKER, org.org.id, org.org.slug, org.agent.id, org.agent.name, org.agent.keyId, org.agent.apiKey.slice(0, 12)]) {
      expect(text.includes(value), value).toBe(false);
    }
    const routes = new Set(exposition.samples.filter((s) => s.name === "gatehouse_http_requests_total").map((s) => s.labels.route));
    expect(routes.has("/v1/approvals/:id/wait")).toBe(true);
  });
});

describe("who may read the API's metrics", () => {
  const get = (url: string, init: RequestInit = {}) => fetch(url, init).then(async (r) => ({ status: r.status, auth: r.headers.get("www-authenticate"), body: await r.text() }));

  it.each([
    ["no Authorization header", {}],
    ["a wrong token", { authorization: `Bearer ${"x".repeat(48)}` }],
    ["the token with a character more", { authorization: `Bearer ${TOKEN}x` }],
    ["the token's prefix", { authorization: `Bearer ${TOKEN.slice(0, 32)}` }],
    ["the token as Basic credentials", { authorization: `Basic ${Buffer.from(`prometheus:${TOKEN}`).toString("base64")}` }],
    ["the token without a scheme", { authorization: TOKEN }],
    ["an empty bearer", { authorization: "Bearer " }],
    ["the token in another header", { "x-metrics-token": TOKEN }],
  ])("%s is refused with 401 and no metric", async (_what, headers) => {
    const answer = await get(metricsUrl, { headers: headers as Record<string, string> });
    expect(answer.status).toBe(401);
    expect(answer.auth).toMatch(/^Bearer /);
    expect(answer.body).not.toContain("gatehouse_");
  });

  it("the token in the query string is refused", async () => {
    const answer = await get(`${metricsUrl}?token=${TOKEN}&authorization=Bearer+${TOKEN}`);
    expect(answer.status).toBe(401);
  });

  it("the scheme's case does not matter (RFC 7235)", async () => {
    expect((await get(metricsUrl, { headers: { authorization: `bearer ${TOKEN}` } })).status).toBe(200);
  });

  it("the agents' port does not serve /metrics, with or without the token", async () => {
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}` }] as Array<Record<string, string>>) {
      const answer = await get(`${api.url}/metrics`, { headers });
      expect(answer.status).toBe(404);
      expect(answer.body).not.toContain("gatehouse_decisions_total");
    }
  });

  it("the metrics port serves /metrics and nothing else", async () => {
    const base = metricsUrl.replace(/\/metrics$/, "");
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await get(`${base}/`, { headers: auth })).status).toBe(404);
    expect((await get(`${base}/healthz`, { headers: auth })).status).toBe(404);
    expect((await get(`${base}/v1/actions`, { headers: auth })).status).toBe(404);
    const posted = await fetch(metricsUrl, { method: "POST", headers: auth, body: "x" });
    expect(posted.status).toBe(405);
    expect(posted.headers.get("allow")).toBe("GET, HEAD");
  });
});

describe("the metrics variables", () => {
  it.each([
    [{}, { port: undefined, host: "127.0.0.1", token: undefined }],
    [
      { API_METRICS_PORT: "", METRICS_HOST: "", METRICS_TOKEN: "" },
      { port: undefined, host: "127.0.0.1", token: undefined },
    ],
    [
      { API_METRICS_PORT: "9464", METRICS_HOST: "0.0.0.0", METRICS_TOKEN: "t".repeat(32) },
      { port: 9464, host: "0.0.0.0", token: "t".repeat(32) },
    ],
  ])("%j reads as %j", (source, expected) => {
    expect(metricsSettings("API_METRICS_PORT", source)).toEqual(expected);
  });

  it.each([
    [{ METRICS_TOKEN: "short" }, /METRICS_TOKEN: must be at least 32 characters/],
    [{ METRICS_TOKEN: `${"t".repeat(32)} x` }, /METRICS_TOKEN: must be printable ASCII without spaces/],
    [{ API_METRICS_PORT: "70000" }, /API_METRICS_PORT/],
    [{ API_METRICS_PORT: "metrics" }, /API_METRICS_PORT/],
  ])("%j is refused", (source, message) => {
    expect(() => metricsSettings("API_METRICS_PORT", source)).toThrow(message);
  });
});
