import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { VERSION } from "../src/version.ts";
import { API_KEY, client, executed, json } from "./helpers.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("execute()", () => {
  it("POSTs to /v1/actions", async () => {
    const { gatehouse, calls } = client([json(200, executed)]);
    await gatehouse.execute("pr.merge");
    expect([calls[0]?.init.method, calls[0]?.url]).toEqual(["POST", "http://localhost:4000/v1/actions"]);
  });

  it("sends the apiKey as a bearer token", async () => {
    const { gatehouse, calls } = client([json(200, executed)]);
    await gatehouse.execute("pr.merge");
    expect(calls[0]?.headers.get("authorization")).toBe(`Bearer ${API_KEY}`);
  });

  it("sends actionType, metadata, dataAccessed and eventId as a JSON body", async () => {
    const { gatehouse, calls } = client([json(200, executed)]);
    await gatehouse.execute("pr.merge", { metadata: { pr_size: 72 }, dataAccessed: [{ type: "source", count: 3 }], eventId: "evt_1" });
    expect(calls[0]?.body).toEqual({
      actionType: "pr.merge",
      metadata: { pr_size: 72 },
      dataAccessed: [{ type: "source", count: 3 }],
      eventId: "evt_1",
    });
  });

  it("declares the body as JSON", async () => {
    const { gatehouse, calls } = client([json(200, executed)]);
    await gatehouse.execute("pr.merge");
    expect(calls[0]?.headers.get("content-type")).toBe("application/json");
  });

  it("names the SDK version in x-gatehouse-sdk", async () => {
    const { gatehouse, calls } = client([json(200, executed)]);
    await gatehouse.execute("pr.merge");
    expect(calls[0]?.headers.get("x-gatehouse-sdk")).toBe(VERSION);
  });

  it("keeps VERSION equal to the package version", () => {
    const pkg: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(pkg).toMatchObject({ version: VERSION });
  });

  it("generates a UUID eventId when the caller gives none", async () => {
    const { gatehouse, calls } = client([json(200, executed)]);
    await gatehouse.execute("pr.merge");
    expect(calls[0]?.body).toMatchObject({ eventId: expect.stringMatching(UUID) });
  });

  it("generates a different eventId for each call", async () => {
    const { gatehouse, calls } = client([json(200, executed), json(200, executed)]);
    await gatehouse.execute("pr.merge");
    await gatehouse.execute("pr.merge");
    expect(calls[0]?.headers.get("idempotency-key")).not.toBe(calls[1]?.headers.get("idempotency-key"));
  });

  it("uses the caller's eventId", async () => {
    const { gatehouse, calls } = client([json(200, executed)]);
    await gatehouse.execute("pr.merge", { eventId: "evt_caller" });
    expect(calls[0]?.body).toMatchObject({ eventId: "evt_caller" });
  });

  it("sends the eventId as the Idempotency-Key header", async () => {
    const { gatehouse, calls } = client([json(200, executed)]);
    await gatehouse.execute("pr.merge");
    expect(calls[0]?.headers.get("idempotency-key")).toBe((calls[0]?.body as { eventId: string }).eventId);
  });

  it("sends the same generated eventId on every retry", async () => {
    const { gatehouse, calls } = client([json(503, {}), new TypeError("fetch failed"), json(200, executed)]);
    await gatehouse.execute("pr.merge");
    const sent = calls.map((call) => [(call.body as { eventId: string }).eventId, call.headers.get("idempotency-key")]);
    const first = sent[0]?.[0];
    expect(sent).toEqual([
      [first, first],
      [first, first],
      [first, first],
    ]);
  });

  it("returns the decision", async () => {
    const { gatehouse } = client([json(200, executed)]);
    await expect(gatehouse.execute("pr.merge")).resolves.toEqual(executed);
  });

  it("returns a denial instead of throwing it", async () => {
    const denied = {
      status: "denied",
      auditEventId: "aud_2",
      denialReason: "CONDITIONS_DENIED",
      policyName: "no-friday-deploys",
      conditionsEvaluated: [{ field: "metadata.day", operator: "eq", expected: "fri", actual: "fri", result: true, policy: "no-friday-deploys" }],
    };
    const { gatehouse } = client([json(200, denied)]);
    await expect(gatehouse.execute("deploy.prod")).resolves.toEqual(denied);
  });
});
