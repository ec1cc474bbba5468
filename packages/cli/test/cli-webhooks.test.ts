import { describe, expect, it } from "vitest";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../src/cli.ts";
import { apiError, json, runCli } from "./helpers.ts";

const endpoint = {
  id: "whe_1",
  url: "https://hooks.example.test/in",
  description: "",
  events: ["approval.requested", "approval.decided"],
  enabled: true,
  disabledReason: null,
  failedAttempts: 0,
  nextAttemptAt: null,
  backlog: 0,
  previousSecretUntil: null,
  createdAt: "2026-11-24T10:00:00.000Z",
};
const delivery = {
  id: "whd_1",
  messageId: "aud_1",
  seq: 4,
  eventType: "approval.requested",
  kind: "event",
  attempt: 1,
  status: "delivered",
  responseStatus: 204,
  error: null,
  durationMs: 3,
  createdAt: "2026-11-24T10:00:00.000Z",
};
const BASE = "https://gh.example.com/v1/admin/webhooks";

describe("gatehouse webhooks", () => {
  it("create POSTs the URL and events, and prints the secret once", async () => {
    const run = await runCli(["webhooks", "create", endpoint.url, "--events", "approval.requested, approval.decided"], [json(201, { webhook: endpoint, secret: "whsec_abc" })]);
    expect(run.code).toBe(EXIT_OK);
    expect(run.stdout).toContain("Secret: whsec_abc\n");
    expect([run.calls[0]?.init.method, run.calls[0]?.url, run.calls[0]?.body]).toEqual(["POST", BASE, { url: endpoint.url, events: ["approval.requested", "approval.decided"] }]);
  });

  it("create without --events subscribes to everything; a refused URL is exit status 1 with the server's message", async () => {
    const run = await runCli(["webhooks", "create", "https://x.example.test/"], [json(201, { webhook: endpoint, secret: "whsec_abc" })]);
    expect(run.calls[0]?.body).toEqual({ url: "https://x.example.test/", events: ["*"] });
    const refused = await runCli(["webhooks", "create", "http://127.0.0.1/"], [apiError(400, "VALIDATION")]);
    expect(refused.code).toBe(EXIT_FAILURE);
  });

  it("list prints each endpoint's state and backlog", async () => {
    const paused = { ...endpoint, id: "whe_2", enabled: false, disabledReason: "the receiver answered 410 Gone", backlog: 7 };
    const run = await runCli(["webhooks", "list"], [json(200, { webhooks: [endpoint, paused] })]);
    expect(run.stdout).toContain("whe_1  https://hooks.example.test/in  approval.requested,approval.decided  active");
    expect(run.stdout).toContain("paused: the receiver answered 410 Gone  7");
  });

  it("pause, resume, rotate, test, deliveries, redeliver and delete call their routes", async () => {
    const calls = [
      await runCli(["webhooks", "pause", "whe_1"], [json(200, { ...endpoint, enabled: false })]),
      await runCli(["webhooks", "resume", "whe_1"], [json(200, { ...endpoint, backlog: 3 })]),
      await runCli(
        ["webhooks", "rotate", "whe_1", "--overlap-seconds", "60"],
        [json(200, { webhook: { ...endpoint, previousSecretUntil: "2026-11-24T10:01:00.000Z" }, secret: "whsec_new" })],
      ),
      await runCli(["webhooks", "test", "whe_1"], [json(200, { ...delivery, kind: "test" })]),
      await runCli(["webhooks", "deliveries", "whe_1", "--limit", "5"], [json(200, { deliveries: [delivery], nextCursor: null })]),
      await runCli(["webhooks", "redeliver", "whe_1", "whd_1"], [json(200, { ...delivery, kind: "redelivery", attempt: 2 })]),
      await runCli(["webhooks", "delete", "whe_1"], [json(200, endpoint)]),
    ];
    expect(calls.map((run) => run.code)).toEqual(Array(7).fill(EXIT_OK));
    expect(calls.map((run) => [run.calls[0]?.init.method, run.calls[0]?.url, run.calls[0]?.body])).toEqual([
      ["PATCH", `${BASE}/whe_1`, { enabled: false }],
      ["PATCH", `${BASE}/whe_1`, { enabled: true }],
      ["POST", `${BASE}/whe_1/rotate`, { overlapSeconds: 60 }],
      ["POST", `${BASE}/whe_1/test`, undefined],
      ["GET", `${BASE}/whe_1/deliveries?limit=5`, undefined],
      ["POST", `${BASE}/whe_1/deliveries/whd_1/redeliver`, undefined],
      ["DELETE", `${BASE}/whe_1`, undefined],
    ]);
    expect(calls[1]?.stdout).toBe("Resumed whe_1: 3 log entries to go through.\n");
    expect(calls[3]?.stdout).toBe("Delivered (204) in 3 ms: whd_1.\n");
  });

  it("refuses bad arguments before any call", async () => {
    for (const argv of [
      ["webhooks", "rotate", "whe_1", "--overlap-seconds", "-1"],
      ["webhooks", "deliveries", "whe_1", "--limit", "0"],
      ["webhooks", "test"],
      ["webhooks", "redeliver", "whe_1"],
    ]) {
      const run = await runCli(argv, []);
      expect([argv.join(" "), run.code, run.calls.length]).toEqual([argv.join(" "), EXIT_USAGE, 0]);
    }
  });
});
