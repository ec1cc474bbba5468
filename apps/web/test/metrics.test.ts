import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { NO_TRUSTED_PROXIES } from "@gatehouse/core";
import { metricsRegistry, startMetricsServer, type MetricsServer } from "@gatehouse/db/metrics";
import { parsePrometheusText, sampleValue, type PromExposition } from "@gatehouse/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleServerEnv } from "../src/env";
import { consoleListener } from "../src/server/console-http";

// The console's own metrics (docs/metrics.md), served the way its server (server.ts) serves them: the console's
// registry on WEB_METRICS_PORT behind METRICS_TOKEN, fed by the listener every request passes through. Requests are
// counted by method and status only: a path names orgs and objects, and never reaches a label. (server.ts itself
// needs a built console; Playwright's journeys start it.)

const TOKEN = randomBytes(24).toString("hex");
const MARKER = `org-${randomBytes(5).toString("hex")}`;

let site: Server;
let siteUrl: string;
let metrics: MetricsServer;

beforeAll(async () => {
  // Stands in for Next.js's handler: a page, a route handler's 404, a refused write.
  site = createServer(
    consoleListener((request, response) => {
      const status = request.url?.startsWith("/o/") ? 200 : request.method === "POST" ? 403 : 404;
      response.writeHead(status, { "content-type": "text/plain" });
      response.end("ok");
    }, NO_TRUSTED_PROXIES),
  );
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  const settings = consoleServerEnv({ WEB_METRICS_PORT: "0", METRICS_TOKEN: TOKEN });
  metrics = await startMetricsServer({ registry: metricsRegistry("console"), port: settings.metrics.port ?? 0, host: settings.metrics.host, token: settings.metrics.token });
});

afterAll(async () => {
  await metrics?.close();
  await new Promise((resolve) => site?.close(resolve));
});

async function scrape(): Promise<{ text: string; exposition: PromExposition }> {
  const response = await fetch(metrics.url, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  return { text, exposition: parsePrometheusText(text) };
}

describe("the console's /metrics", () => {
  it("answers in the Prometheus text format with every metric the console's registry declares", async () => {
    const { exposition } = await scrape();
    const declared = metricsRegistry("console")
      .getMetricsAsArray()
      .map((metric) => metric.name);
    expect(declared).toContain("gatehouse_console_requests_total");
    expect(declared).not.toContain("gatehouse_decisions_total");
    expect(declared.filter((name) => !exposition.types.has(name))).toEqual([]);
    expect(exposition.types.get("process_resident_memory_bytes")).toBe("gauge");
  });

  it("counts each request by method and status, times it, and never names its path", async () => {
    const count = (exposition: PromExposition, method: string, status: string) => sampleValue(exposition, "gatehouse_console_requests_total", { method, status }) ?? 0;
    const before = (await scrape()).exposition;
    await fetch(`${siteUrl}/o/${MARKER}/approvals`);
    await fetch(`${siteUrl}/o/${MARKER}/agents?q=${MARKER}`);
    await fetch(`${siteUrl}/api/orgs/${MARKER}/nothing`);
    await fetch(`${siteUrl}/api/orgs/${MARKER}/agents`, { method: "POST", body: "{}" });
    const { text, exposition: after } = await scrape();
    expect(count(after, "GET", "200") - count(before, "GET", "200")).toBe(2);
    expect(count(after, "GET", "404") - count(before, "GET", "404")).toBe(1);
    expect(count(after, "POST", "403") - count(before, "POST", "403")).toBe(1);
    const timed = (exposition: PromExposition) => sampleValue(exposition, "gatehouse_console_request_duration_seconds_count") ?? 0;
    expect(timed(after) - timed(before)).toBe(4);
    expect(text).not.toContain(MARKER);
  });

  it("refuses a scrape without the token, and serves nothing but /metrics", async () => {
    const noToken = await fetch(metrics.url);
    expect(noToken.status).toBe(401);
    expect(await noToken.text()).not.toContain("gatehouse_");
    expect((await fetch(metrics.url, { headers: { authorization: `Bearer ${TOKEN.slice(1)}` } })).status).toBe(401);
    expect((await fetch(metrics.url.replace(/\/metrics$/, "/"), { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  });
});

describe("the console's metrics variables", () => {
  it("WEB_METRICS_PORT unset serves no metrics; set, on loopback unless METRICS_HOST says otherwise", () => {
    expect(consoleServerEnv({}).metrics).toEqual({ port: undefined, host: "127.0.0.1", token: undefined });
    expect(consoleServerEnv({ WEB_METRICS_PORT: "9466", METRICS_HOST: "0.0.0.0" }).metrics).toEqual({ port: 9466, host: "0.0.0.0", token: undefined });
  });

  it("a short METRICS_TOKEN stops the console at start, named with the other problems", () => {
    expect(() => consoleServerEnv({ WEB_METRICS_PORT: "port", METRICS_TOKEN: "short", WEB_PORT: "0" })).toThrow(
      /WEB_PORT: [\s\S]*WEB_METRICS_PORT: [\s\S]*METRICS_TOKEN: must be at least 32 characters/,
    );
  });
});
