import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startTelemetry, telemetryConfig, type Telemetry } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gatehouse, GatehouseAdmin } from "../../../packages/sdk/src/index.ts";
import { listeningApp } from "./helpers";

// OpenTelemetry (docs/telemetry.md), run as a team runs it: the standard OTEL_* variables point the official exporters
// at a collector (here a loopback stand-in of OTLP/HTTP with JSON), an agent on the SDK sends its own trace context, and
// what arrives at the collector is checked: a decision span in the agent's trace, an approval's wait in the same
// trace, the metrics by name — and no metadata value anywhere in what was exported.
const server = listeningApp();

const POLICIES = [
  { name: "reads", actions: ["doc.read"], effect: "allow" },
  { name: "no-drops", actions: ["db.drop"], effect: "deny" },
  { name: "deploys", actions: ["deploy.*"], effect: "require_approval" },
  { name: "models", actions: ["llm.*"], effect: "allow" },
];
const SECRET_VALUE = `sensitive-${randomBytes(6).toString("hex")}`;

interface Received {
  path: string;
  body: string;
}
interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes: OtlpAttribute[];
}

const received: Received[] = [];
let collector: Server;
let telemetry: Telemetry | null;

beforeAll(async () => {
  collector = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ path: request.url ?? "", body: Buffer.concat(chunks).toString("utf8") });
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  telemetry = startTelemetry({
    service: "gatehouse-api",
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_BSP_SCHEDULE_DELAY: "50",
      OTEL_METRIC_EXPORT_INTERVAL: "100000",
      OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=test",
    },
  });
});

afterAll(async () => {
  await telemetry?.shutdown();
  collector.closeAllConnections();
  await new Promise((resolve) => collector.close(resolve));
});

const spans = (): OtlpSpan[] =>
  received
    .filter((r) => r.path === "/v1/traces")
    .flatMap((r) => (JSON.parse(r.body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> }).resourceSpans)
    .flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
const attribute = (span: OtlpSpan | undefined, key: string) => {
  const value = span?.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? value?.intValue ?? value?.doubleValue ?? value?.boolValue;
};
const metricNames = () =>
  new Set(
    received
      .filter((r) => r.path === "/v1/metrics")
      .flatMap((r) => (JSON.parse(r.body) as { resourceMetrics: Array<{ scopeMetrics: Array<{ metrics: Array<{ name: string }> }> }> }).resourceMetrics)
      .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => m.name))),
  );

describe("the standard variables", () => {
  it("leave it off by default, and turn it on with an OTLP endpoint or exporter; OTEL_SDK_DISABLED and `none` turn it off", () => {
    expect(telemetryConfig({})).toEqual({ traces: false, metrics: false, notes: [] });
    expect(telemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toMatchObject({ traces: true, metrics: true });
    expect(telemetryConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" })).toMatchObject({ traces: true, metrics: false });
    expect(telemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_METRICS_EXPORTER: "none" })).toMatchObject({ traces: true, metrics: false });
    expect(telemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "true" })).toMatchObject({ traces: false, metrics: false });
    const zipkin = telemetryConfig({ OTEL_TRACES_EXPORTER: "zipkin", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" });
    expect(zipkin.traces).toBe(false);
    expect(zipkin.notes.join("\n")).toMatch(/OTEL_TRACES_EXPORTER=zipkin: only otlp[\s\S]*OTEL_EXPORTER_OTLP_PROTOCOL=grpc/);
  });
});

describe("a decision in the agent's trace", () => {
  let org: TestOrg;
  const traceId = randomBytes(16).toString("hex");
  const callerSpan = randomBytes(8).toString("hex");

  beforeAll(async () => {
    org = await createTestOrg({ label: "otel", policies: POLICIES as never });
  });

  it("arrives at the collector as a child of the caller's span, with the effect, reason, policy and agent, never a metadata value", async () => {
    expect(telemetry?.config).toMatchObject({ traces: true, metrics: true });
    const agent = new Gatehouse({
      apiKey: org.agent.apiKey,
      baseUrl: server.url,
      maxRetries: 0,
      traceContext: () => ({ traceparent: `00-${traceId}-${callerSpan}-01`, tracestate: "vendor=1" }),
    });
    const allowed = await agent.execute("doc.read", { metadata: { note: SECRET_VALUE }, tool: { name: "read_doc", arguments: { path: SECRET_VALUE } }, runId: "run-otel" });
    const denied = await agent.execute("db.drop", { metadata: { table: SECRET_VALUE } });
    expect(await agent.canI("doc.read")).toMatchObject({ allowed: true });
    await telemetry?.flush();

    const decisions = spans().filter((s) => s.traceId === traceId && s.name === "gatehouse.decide");
    expect(decisions).toHaveLength(3);
    for (const span of decisions) expect(span.parentSpanId).toBe(callerSpan);
    const executed = decisions.find((s) => attribute(s, "gatehouse.audit.event_id") === allowed.auditEventId);
    expect(Object.fromEntries(executed!.attributes.map((a) => [a.key, attribute(executed, a.key)]))).toMatchObject({
      "gatehouse.org.id": org.org.id,
      "gatehouse.decision.kind": "execute",
      "gatehouse.decision.status": "executed",
      "gatehouse.decision.effect": "allow",
      "gatehouse.policy.name": "reads",
      "gatehouse.action.type": "doc.read",
      "gen_ai.agent.id": org.agent.id,
      "gen_ai.agent.name": org.agent.name,
      "gen_ai.tool.name": "read_doc",
      "gen_ai.conversation.id": "run-otel",
    });
    const refused = decisions.find((s) => attribute(s, "gatehouse.audit.event_id") === denied.auditEventId);
    expect([attribute(refused, "gatehouse.decision.effect"), attribute(refused, "gatehouse.decision.reason")]).toEqual(["deny", "CONDITIONS_DENIED"]);
    expect(decisions.filter((s) => attribute(s, "gatehouse.decision.kind") === "check")).toHaveLength(1);
    // The span's time is the decision's: it starts before it ends, within the call.
    for (const span of decisions) expect(BigInt(span.endTimeUnixNano) >= BigInt(span.startTimeUnixNano)).toBe(true);
    // Nothing exported holds a value the agent sent.
    expect(received.map((r) => r.body).join("\n")).not.toContain(SECRET_VALUE);
  });

  it("a call the content rules refuse is a failed span without the refused value", async () => {
    const token = `ghp_${randomBytes(18).toString("hex").slice(0, 36)}`;
    const agent = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: server.url, maxRetries: 0, traceContext: () => ({ traceparent: `00-${traceId}-${callerSpan}-01` }) });
    const before = spans().length;
    await expect(agent.execute("doc.read", { tool: { name: token, arguments: {} } })).rejects.toMatchObject({ status: 400 });
    await telemetry?.flush();
    const failed = spans()
      .slice(before)
      .filter((s) => s.name === "gatehouse.decide" && attribute(s, "error.type") !== undefined);
    expect(
      failed.map((s) => s.attributes),
      JSON.stringify(spans().slice(before)),
    ).toHaveLength(1);
    expect(attribute(failed[0], "error.type")).toBe("VALIDATION");
    expect(attribute(failed[0], "gen_ai.tool.name")).toBeUndefined();
    expect(received.map((r) => r.body).join("\n")).not.toContain(token);
  });

  it("a caller's sampled flag does not decide: an unsampled parent's decision is still exported, in the caller's trace", async () => {
    const quiet = randomBytes(16).toString("hex");
    const agent = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: server.url, maxRetries: 0, traceContext: () => ({ traceparent: `00-${quiet}-${callerSpan}-00` }) });
    const answer = await agent.execute("doc.read");
    await telemetry?.flush();
    const span = spans().find((s) => attribute(s, "gatehouse.audit.event_id") === answer.auditEventId);
    expect([span?.traceId, span?.parentSpanId]).toEqual([quiet, callerSpan]);
  });

  it("a call without a trace context starts a trace of its own; a malformed one is ignored, never an error", async () => {
    const plain = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: server.url, maxRetries: 0 });
    const first = await plain.execute("doc.read");
    const bad = await fetch(`${server.url}/v1/actions`, {
      method: "POST",
      headers: { authorization: `Bearer ${org.agent.apiKey}`, "content-type": "application/json", traceparent: "00-zz-not-a-trace" },
      body: JSON.stringify({ actionType: "doc.read" }),
    });
    expect(bad.status).toBe(200);
    const second = ((await bad.json()) as { auditEventId: string }).auditEventId;
    await telemetry?.flush();
    for (const id of [first.auditEventId, second]) {
      const span = spans().find((s) => attribute(s, "gatehouse.audit.event_id") === id);
      expect(span).toBeDefined();
      expect(span!.parentSpanId ?? "").toBe("");
    }
  });

  it("an approval's wait is a span of the decision's trace, from the request to the person's decision", async () => {
    const admin = new GatehouseAdmin({ apiKey: org.adminKey.apiKey, baseUrl: server.url, maxRetries: 0 });
    const agent = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: server.url, maxRetries: 0, traceContext: () => ({ traceparent: `00-${traceId}-${callerSpan}-01` }) });
    const held = await agent.execute("deploy.web");
    expect(held.status).toBe("requested");
    await new Promise((resolve) => setTimeout(resolve, 50));
    await admin.approvals.approve(held.approvalId!);
    // The wait's span is made after the vote is answered (observation never delays it): it arrives soon after.
    const waited = () => spans().some((s) => attribute(s, "gatehouse.approval.id") === held.approvalId && s.name === "gatehouse.approval.wait");
    await expect
      .poll(async () => {
        await telemetry?.flush();
        return waited();
      })
      .toBe(true);
    const decision = spans().find((s) => attribute(s, "gatehouse.approval.id") === held.approvalId && s.name === "gatehouse.decide");
    const wait = spans().find((s) => attribute(s, "gatehouse.approval.id") === held.approvalId && s.name === "gatehouse.approval.wait");
    expect(decision?.traceId).toBe(traceId);
    expect(wait?.traceId).toBe(traceId);
    expect(wait?.parentSpanId).toBe(decision?.spanId);
    expect(attribute(wait, "gatehouse.approval.status")).toBe("approved");
    expect(Number(BigInt(wait!.endTimeUnixNano) - BigInt(wait!.startTimeUnixNano)) / 1e6).toBeGreaterThanOrEqual(40);
  });

  it("the metrics arrive by name: decisions, their time, approval time, the audit append, spend", async () => {
    const agent = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: server.url, maxRetries: 0 });
    const call = await agent.execute("llm.openai.gpt-4o-mini", { spend: { model: "gpt-4o-mini", inputTokens: 100, maxOutputTokens: 50 } });
    await agent.report(call.auditEventId, { status: "success", usage: { model: "gpt-4o-mini", inputTokens: 100, outputTokens: 20 } });
    await telemetry?.flush();
    expect([...metricNames()]).toEqual(
      expect.arrayContaining(["gatehouse.decisions", "gatehouse.decision.duration", "gatehouse.approval.duration", "gatehouse.audit.append.duration", "gatehouse.spend.tokens"]),
    );
    const resource = received.find((r) => r.path === "/v1/metrics")?.body ?? "";
    expect(resource).toContain('"service.name"');
    expect(resource).toContain("deployment.environment.name");
    expect(received.map((r) => r.body).join("\n")).not.toContain(SECRET_VALUE);
  });
});
