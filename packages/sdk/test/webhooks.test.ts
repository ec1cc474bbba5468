import { describe, expect, expectTypeOf, it } from "vitest";
import { BadRequestError, NotFoundError, PermissionDeniedError } from "../src/errors.ts";
import type { CreatedWebhook, WebhookDelivery, WebhookEndpoint } from "../src/types.ts";
import { adminClient, apiError, json, rejection } from "./helpers.ts";

const endpoint: WebhookEndpoint = {
  id: "whe_1",
  url: "https://hooks.example.test/in",
  description: "",
  events: ["*"],
  enabled: true,
  disabledReason: null,
  failedAttempts: 0,
  nextAttemptAt: null,
  backlog: 0,
  previousSecretUntil: null,
  createdAt: "2026-11-24T10:00:00.000Z",
};
const created: CreatedWebhook = { webhook: endpoint, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" };
const delivery: WebhookDelivery = {
  id: "whd_1",
  messageId: "aud_1",
  seq: 4,
  eventType: "action.executed",
  kind: "redelivery",
  attempt: 2,
  status: "delivered",
  responseStatus: 204,
  error: null,
  durationMs: 3,
  createdAt: "2026-11-24T10:00:00.000Z",
};
const BASE = "http://localhost:4000/v1/admin/webhooks";

describe("admin.webhooks", () => {
  it("create() POSTs the endpoint and answers its secret; list() unwraps the endpoints", async () => {
    const { admin, calls } = adminClient([json(201, created), json(200, { webhooks: [endpoint] })]);
    const made = await admin.webhooks.create({ url: endpoint.url, events: ["approval.requested"] });
    expectTypeOf(made).toEqualTypeOf<CreatedWebhook>();
    expect(made.secret).toMatch(/^whsec_/);
    expect([calls[0]?.init.method, calls[0]?.url, calls[0]?.body]).toEqual(["POST", BASE, { url: endpoint.url, events: ["approval.requested"] }]);
    expect(await admin.webhooks.list()).toEqual([endpoint]);
  });

  it("update(), rotateSecret(), deliveries(), redeliver(), test() and delete() call their paths", async () => {
    const { admin, calls } = adminClient([
      json(200, { ...endpoint, enabled: false }),
      json(200, created),
      json(200, { deliveries: [delivery], nextCursor: null }),
      json(200, delivery),
      json(200, { ...delivery, kind: "test" }),
      json(200, endpoint),
    ]);
    await admin.webhooks.update("whe_1", { enabled: false });
    await admin.webhooks.rotateSecret("whe_1", { overlapSeconds: 60 });
    await admin.webhooks.deliveries("whe_1", { limit: 10, cursor: "whd_9" });
    await admin.webhooks.redeliver("whe_1", "whd_1");
    await admin.webhooks.test("whe_1");
    await admin.webhooks.delete("whe_1");
    expect(calls.map((c) => [c.init.method, c.url, c.body])).toEqual([
      ["PATCH", `${BASE}/whe_1`, { enabled: false }],
      ["POST", `${BASE}/whe_1/rotate`, { overlapSeconds: 60 }],
      ["GET", `${BASE}/whe_1/deliveries?cursor=whd_9&limit=10`, undefined],
      ["POST", `${BASE}/whe_1/deliveries/whd_1/redeliver`, undefined],
      ["POST", `${BASE}/whe_1/test`, undefined],
      ["DELETE", `${BASE}/whe_1`, undefined],
    ]);
  });

  it("a refused URL is a BadRequestError, another org's endpoint a NotFoundError, a viewer's call a PermissionDeniedError", async () => {
    const { admin } = adminClient([apiError(400, "VALIDATION"), apiError(404, "NOT_FOUND"), apiError(403, "FORBIDDEN")]);
    expect(await rejection(admin.webhooks.create({ url: "http://127.0.0.1/", events: ["*"] }))).toBeInstanceOf(BadRequestError);
    expect(await rejection(admin.webhooks.get("whe_other"))).toBeInstanceOf(NotFoundError);
    expect(await rejection(admin.webhooks.list())).toBeInstanceOf(PermissionDeniedError);
  });
});
