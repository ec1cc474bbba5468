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

describe("admin.approvals.grant, admin.grants and admin.slack", () => {
  const grant = {
    id: "grt_1",
    agentId: "agt_1",
    agentName: "deployer",
    actionType: "deploy.prod",
    match: { service: "payments" },
    approvalId: "apr_1",
    grantedBy: { id: "mem_1", email: "ada@example.test" },
    expiresAt: "2026-11-24T11:00:00.000Z",
    maxUses: 5,
    uses: 0,
    status: "active" as const,
    reason: null,
    createdAt: "2026-11-24T10:00:00.000Z",
    revokedAt: null,
  };
  const slack = { connected: true, teamId: "T1", teamName: "Acme", botUserId: "U1", interactionsPath: "/v1/slack/org_1/interactions", connectedAt: "2026-11-24T10:00:00.000Z" };

  it("grant() POSTs the grant's terms; grants.list() and revoke() call their paths", async () => {
    const { admin, calls } = adminClient([
      json(200, { approval: { id: "apr_1", status: "approved" }, grant }),
      json(200, { grants: [grant] }),
      json(200, { ...grant, status: "revoked" }),
    ]);
    expect((await admin.approvals.grant("apr_1", { durationSeconds: 600, uses: 5, match: { service: "payments" } })).grant.id).toBe("grt_1");
    expect(await admin.grants.list({ status: "all" })).toEqual([grant]);
    expect((await admin.grants.revoke("grt_1")).status).toBe("revoked");
    expect(calls.map((c) => [c.init.method, c.url, c.body])).toEqual([
      ["POST", "http://localhost:4000/v1/admin/approvals/apr_1/grant", { durationSeconds: 600, uses: 5, match: { service: "payments" } }],
      ["GET", "http://localhost:4000/v1/admin/grants?status=all", undefined],
      ["DELETE", "http://localhost:4000/v1/admin/grants/grt_1", undefined],
    ]);
  });

  it("slack.connect() PUTs the app's secrets; get() and disconnect() answer the connection without them", async () => {
    const { admin, calls } = adminClient([json(200, slack), json(200, slack), json(200, { ...slack, connected: false })]);
    expect(await admin.slack.connect({ botToken: "xoxb-1", signingSecret: "abc" })).toEqual(slack);
    expect(await admin.slack.get()).toEqual(slack);
    expect((await admin.slack.disconnect()).connected).toBe(false);
    expect(calls.map((c) => [c.init.method, c.url])).toEqual([
      ["PUT", "http://localhost:4000/v1/admin/integrations/slack"],
      ["GET", "http://localhost:4000/v1/admin/integrations/slack"],
      ["DELETE", "http://localhost:4000/v1/admin/integrations/slack"],
    ]);
  });
});
