/**
 * `gatehouse mcp-server` over stdio with the official MCP client: an agent asks explicitly (can_i,
 * request_approval, await_approval, report_outcome), a person decides through the admin API, and an
 * approval is refused for arguments other than the ones it was granted for.
 */
import { db } from "@gatehouse/db";
import { addTestMember, createTestOrg, type TestMember, type TestOrg } from "@gatehouse/db/testing";
import { Gatehouse, GatehouseAdmin, argsDigest } from "@gatehouse/sdk";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, stopApp, REWRITE_POLICIES } from "../../../../apps/api/test/helpers.ts";
import { call, eventually, overStdio, textOf, type Connected } from "./helpers.ts";

let app: FastifyInstance;
let baseUrl = "";
let org: TestOrg;
let approver: TestMember;
let server: Connected;

beforeAll(async () => {
  app = await startApp();
  baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
  org = await createTestOrg({
    label: "mcp-server",
    policies: [
      { name: "reads", actions: ["pr.read"], effect: "allow" },
      { name: "no-deletes", actions: ["repo.delete"], effect: "deny" },
      { name: "deploys", actions: ["deploy.*"], effect: "require_approval" },
    ],
  });
  approver = await addTestMember(org, "approver");
  server = await overStdio(["mcp-server", "--wait-seconds", "1"], { GATEHOUSE_API_KEY: org.agent.apiKey, GATEHOUSE_BASE_URL: baseUrl });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await stopApp(app);
});

async function decide(approvalId: string, decision: "approve" | "deny", reason?: string): Promise<void> {
  const response = await fetch(`${baseUrl}/v1/admin/approvals/${approvalId}/decision`, {
    method: "POST",
    headers: { authorization: `Bearer ${approver.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ decision, ...(reason === undefined ? {} : { reason }) }),
  });
  expect(response.status).toBe(200);
}

const structured = (result: Awaited<ReturnType<typeof call>>) => result.structuredContent as Record<string, unknown>;

describe("gatehouse mcp-server", () => {
  it("lists its four tools", async () => {
    const { tools } = await server.client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(["can_i", "request_approval", "await_approval", "report_outcome"]);
  });

  it("can_i says what would be decided, recording nothing", async () => {
    const allowed = await call(server, "can_i", { actionType: "pr.read", metadata: { pr: 42 } });
    expect(structured(allowed)).toMatchObject({ allowed: true, needsApproval: false, status: "executed", policyName: "reads" });
    const denied = await call(server, "can_i", { actionType: "repo.delete" });
    expect(textOf(denied)).toMatch(/^Would be denied\. Denied by policy 'no-deletes'/);
  });

  it("holds a request for a person; the same requestId re-attaches; await_approval refuses other arguments, then approves these", async () => {
    const asked = { actionType: "deploy.prod", tool: { name: "deploy", arguments: { version: "1" } }, requestId: "deploy-1" };
    const first = structured(await call(server, "request_approval", asked));
    const again = structured(await call(server, "request_approval", asked));
    expect(first).toMatchObject({ status: "requested", approvalId: expect.stringMatching(/^apr_/) });
    expect(again["approvalId"]).toBe(first["approvalId"]);
    const approvalId = String(first["approvalId"]);

    const waiting = await call(server, "await_approval", { approvalId });
    expect([structured(waiting)["status"], textOf(waiting)]).toEqual([
      "requested",
      `Still waiting for a person to decide ${approvalId}: do not act yet. Call await_approval again to keep waiting.`,
    ]);
    await decide(approvalId, "approve");

    const forged = await call(server, "await_approval", { approvalId, tool: { name: "deploy", arguments: { version: "2" } } });
    expect(forged.isError).toBe(true);
    expect(textOf(forged)).toContain("made on other arguments");
    const approved = await call(server, "await_approval", { approvalId, tool: { name: "deploy", arguments: { version: "1" } } });
    expect(structured(approved)).toMatchObject({ status: "executed", approvalId });
    const reported = await call(server, "report_outcome", { auditEventId: structured(approved)["auditEventId"], status: "success", message: "deployed" });
    expect(textOf(reported)).toBe("Recorded: success.");
  }, 30_000);

  it("a reviewer's denial comes back with their reason", async () => {
    const held = structured(await call(server, "request_approval", { actionType: "deploy.staging", metadata: { version: "9" } }));
    await decide(String(held["approvalId"]), "deny", "freeze until Monday");
    const denied = await call(server, "await_approval", { approvalId: held["approvalId"] });
    expect(structured(denied)).toMatchObject({ status: "denied", denialReason: "DENIED_BY_REVIEWER", decisionReason: "freeze until Monday" });
    expect(textOf(denied)).toContain('said: "freeze until Monday"');
  }, 30_000);

  it("names itself as the mcp-server integration", async () => {
    const rows = await eventually(async () => {
      const found = await db().pool.query<{ integration: string; version: string }>(`SELECT integration, version FROM agent_integrations WHERE agent_id = $1`, [org.agent.id]);
      return found.rows.length > 0 ? found.rows : undefined;
    });
    expect(rows).toContainEqual({ integration: "mcp-server", version: "0.1.0" });
  });
});

describe("gatehouse mcp-server, a policy that rewrites the call (redact, transform)", () => {
  let billingOrg: TestOrg;
  let billingServer: Connected;
  let billingAdmin: GatehouseAdmin;

  beforeAll(async () => {
    billingOrg = await createTestOrg({
      label: "mcp-server-rewrite",
      policies: REWRITE_POLICIES,
    });
    const billingApprover = await addTestMember(billingOrg, "approver");
    billingAdmin = new GatehouseAdmin({ apiKey: billingApprover.apiKey, baseUrl });
    billingServer = await overStdio(["mcp-server", "--wait-seconds", "1"], { GATEHOUSE_API_KEY: billingOrg.agent.apiKey, GATEHOUSE_BASE_URL: baseUrl });
  }, 60_000);

  afterAll(async () => {
    await billingServer?.close();
  });

  it("the approval shows the rewritten arguments, and await_approval answers the arguments to make the call with: the note removed, the amount capped", async () => {
    const sent = { amount: 2500, customer: "cus_42", internalNote: "VIP: waive the fee, do not tell finance" };
    const rewritten = { amount: 500, customer: "cus_42" };
    const changes = [
      { path: "metadata.arguments.amount", op: "set", value: 500, policy: "charges" },
      { path: "metadata.arguments.internalNote", op: "remove", policy: "charges" },
    ];
    const tool = { name: "charge", arguments: sent };
    const held = structured(await call(billingServer, "request_approval", { actionType: "tool.charge", metadata: { arguments: sent }, tool, requestId: "charge-1" }));
    expect(held).toMatchObject({ status: "requested", approvalId: expect.stringMatching(/^apr_/), rewritten: { changes } });
    const approvalId = String(held["approvalId"]);
    // The person deciding sees the call as it will be made.
    const shown = await billingAdmin.approvals.get(approvalId);
    expect(shown).toMatchObject({ metadata: { arguments: rewritten }, tool: { name: "charge", argsDigest: await argsDigest(rewritten) } });
    expect(JSON.stringify(shown)).not.toContain("waive the fee");
    await billingAdmin.approvals.approve(approvalId, { reason: "capped is fine" });

    const approved = await call(billingServer, "await_approval", { approvalId, tool });
    expect(approved.isError).toBeUndefined();
    expect(structured(approved)).toMatchObject({ status: "executed", approvalId, arguments: rewritten, rewritten: { changes } });
    expect(structured(approved)["arguments"]).toEqual(rewritten);
    expect(textOf(approved)).toContain(`make the call with exactly these arguments ${JSON.stringify(rewritten)}`);
    // Arguments that do not rewrite to the approved call are refused.
    const other = await call(billingServer, "await_approval", { approvalId, tool: { name: "charge", arguments: { ...sent, customer: "cus_43" } } });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toContain("made on other arguments");
    const reported = await call(billingServer, "report_outcome", { auditEventId: structured(approved)["auditEventId"], status: "success", message: "charged 500" });
    expect(textOf(reported)).toBe("Recorded: success.");

    const gh = new Gatehouse({ apiKey: billingOrg.agent.apiKey, baseUrl });
    const decided = (await gh.audit.list({ type: "action.decided", limit: 100 })).events;
    expect(decided.map((event) => event.data)).toMatchObject([
      { status: "requested", approvalId, metadata: { arguments: rewritten }, tool: { name: "charge", argsDigest: await argsDigest(rewritten) }, rewritten: { changes } },
    ]);
    expect(JSON.stringify((await gh.audit.list({ limit: 100 })).events)).not.toContain("waive the fee");
  }, 30_000);
});
